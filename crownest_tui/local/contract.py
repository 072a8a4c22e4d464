"""Every wire choice of the local backend that the public contract leaves open.

The hosted service may answer differently; this is the one place to change when it
does (the choices below are ours, not the public contract's).

* Event ``seq`` starts at 1 (a ``status: awaiting_archive`` event at creation) and is
  contiguous within a run. ``heartbeat`` events are never stored: they carry the seq
  of the last stored event and add nothing new.
* SSE framing for every event: ``id: <seq>\\ndata: <compact json>\\n\\n``.
* Replay page: ``{"data": [...], "hasMore": bool, "nextSeq": int}`` where ``nextSeq``
  is the ``afterSeq`` to ask for next (the last seq of the page, or the given
  ``afterSeq`` when the page is empty).
* Runs and projects are listed newest first; cursors are opaque strings.
* Cancel of a terminal run: 409 ``invalid_request``. Evidence before terminal: 404
  ``not_found``. A staged transfer past its expiry: 410 ``upload_expired``.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring  # C; escapes as json.dumps(ensure_ascii=False)
from typing import Any, Final

from ..api.models import RunStatus
from ..core.defaults import DEFAULT_TEMPLATE as DEFAULT_TEMPLATE
from ..core.defaults import MAX_ARCHIVE_BYTES as MAX_ARCHIVE_BYTES

ORG_ID: Final = "org_local"
TOKEN_PREFIX: Final = "cn_local_"

# -- limits -------------------------------------------------------------------------
MAX_EXTRACTED_BYTES: Final = 512 * 1024 * 1024
MAX_EXTRACTED_FILES: Final = 20_000
MAX_ARTIFACT_BYTES: Final = 64 * 1024 * 1024
PAGE_LIMIT_MAX: Final = 500
PAGE_LIMIT_DEFAULT: Final = 100
EVENTS_LIMIT_DEFAULT: Final = 100
IDEMPOTENCY_KEY_MAX: Final = 255
METADATA_MAX_KEYS: Final = 50
METADATA_KEY_MAX: Final = 64
METADATA_VALUE_MAX: Final = 512
METADATA_MAX_BYTES: Final = 8 * 1024
METADATA_KEY_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:/"
)

# -- timing (defaults; the server has flags for each) -------------------------------
HEARTBEAT_SECONDS: Final = 5.0
CANCEL_GRACE_SECONDS: Final = 3.0
TRANSFER_TTL_SECONDS: Final = 15 * 60.0
#: Output is coalesced for this long, and cut into events of at most this many chars.
OUTPUT_WINDOW_SECONDS: Final = 0.02
OUTPUT_CHUNK_CHARS: Final = 8192
#: Run metadata that asks for terminal mode (a pseudo-terminal per output stream).
TTY_METADATA_KEY: Final = "crownest.tty"
#: Stored events are flushed to SQLite at least this often.
FLUSH_SECONDS: Final = 0.05
#: Progress events while archive bytes arrive: one per this many bytes (and at the end).
PROGRESS_STEP_BYTES: Final = 256 * 1024
#: How long an artifact is kept: the free plan's retention (``retentionExpiresAt``).
ARTIFACT_RETENTION_SECONDS: Final = 7 * 24 * 3600
#: Once that has passed the artifact's file is deleted and its record gets ``deletedAt``:
#: ``GET /v1/artifacts/{id}`` still answers (with ``deletedAt``), its download answers
#: 404 ``not_found`` **(our choice: the contract is silent)**. The backend deletes them
#: when they expire, and looks again at least this often.
ARTIFACT_SWEEP_SECONDS: Final = 3600.0

# -- scopes ---------------------------------------------------------------------------
SCOPE_READ: Final = "workspace_run:read"
SCOPE_CREATE: Final = "workspace_run:create"
SCOPE_CANCEL: Final = "workspace_run:cancel"
SCOPE_ARTIFACT_READ: Final = "artifact:read"
SCOPE_ARTIFACT_CREATE: Final = "artifact:create"
SCOPE_FILE_READ: Final = "file:read"
ALL_SCOPES: Final = frozenset(
    {
        SCOPE_READ,
        SCOPE_CREATE,
        SCOPE_CANCEL,
        SCOPE_ARTIFACT_READ,
        SCOPE_ARTIFACT_CREATE,
        SCOPE_FILE_READ,
    }
)
#: Artifact collection runs with the scopes of the key that started the run.
COLLECT_SCOPES: Final = frozenset({SCOPE_ARTIFACT_CREATE, SCOPE_FILE_READ})

# -- error codes and their HTTP statuses ------------------------------------------------
ERROR_STATUS: Final[dict[str, int]] = {
    "unauthorized": 401,
    "invalid_api_key": 401,
    "forbidden": 403,
    "not_found": 404,
    "invalid_request": 400,
    "idempotency_key_reused": 409,
    "idempotency_request_in_progress": 409,
    "upload_checksum_mismatch": 400,
    "upload_size_mismatch": 400,
    "upload_expired": 410,
    "upload_incomplete": 409,
    "upload_not_found": 404,
    "upload_conflict": 409,
    "file_too_large": 413,
    "invalid_metadata_key": 400,
    "invalid_metadata_value": 400,
    "metadata_too_large": 400,
    "metadata_too_many_keys": 400,
    "internal_error": 500,
}

# -- templates: all run the same way locally; the ids make runs look like hosted ones --
TEMPLATES: Final[dict[str, tuple[str, str, str]]] = {
    # slug: (templateId, templateVersion, templateVersionId)
    "python-node": ("tpl_python_node", "2025.06.1", "tplv_python_node_2025061"),
    "python": ("tpl_python", "2025.05.2", "tplv_python_2025052"),
    "node": ("tpl_node", "2025.05.1", "tplv_node_2025051"),
    "base": ("tpl_base", "2025.04.3", "tplv_base_2025043"),
}

#: Statuses in which the server itself is doing something for the run; a run left in
#: one of them by a server that died is failed with ``internal_error`` on restart.
IN_FLIGHT: Final = frozenset(
    {RunStatus.STARTING, RunStatus.EXTRACTING, RunStatus.RUNNING, RunStatus.COLLECTING}
)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current time as ISO-8601 UTC with milliseconds, e.g. ``2025-01-02T03:04:05.678Z``."""
    return _iso(datetime.now(UTC))


def iso_plus(timestamp: str, seconds: float) -> str:
    """``timestamp`` (as :func:`now_iso` writes them) ``seconds`` later."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return _iso(moment + timedelta(seconds=seconds))


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def dumps(value: Any) -> str:
    """Compact JSON, the form every stored event and answer body uses."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_json(kind: str, seq: int, fields: dict[str, Any], created_at: str | None = None) -> str:
    """One event's JSON text: ``type``, ``seq``, ``createdAt`` and the type's fields."""
    return dumps({"type": kind, "seq": seq, "createdAt": created_at or now_iso(), **fields})


#: Bytes a JSON string may hold as they are (printable ASCII but ``"`` and ``\``), and
#: ``\n``, the one escape build output is full of.
_PLAIN_JSON = bytes(range(0x20, 0x7F)).replace(b'"', b"").replace(b"\\", b"") + b"\n"


def json_string(text: str) -> str:
    """``text`` as a JSON string, as ``json.dumps(text, ensure_ascii=False)`` writes it;
    three times as fast for the usual output (printable ASCII lines): the check and the
    escape work on its bytes, where ``replace`` takes half the time it takes on a str."""
    if text.isascii():
        raw = text.encode("ascii")
        if not raw.translate(None, _PLAIN_JSON):
            return '"' + raw.replace(b"\n", b"\\n").decode("ascii") + '"'
    return encode_basestring(text)


def output_event_json(kind: str, seq: int, data: str, created_at: str) -> str:
    """:func:`event_json` of a ``stdout``/``stderr`` event (the same text), made
    without a dict and an encoder: a noisy run makes thousands a second."""
    return f'{{"type":"{kind}","seq":{seq},"createdAt":"{created_at}","data":{json_string(data)}}}'


def output_event_bytes(kind: str, seq: int, data: bytes, created_at: str) -> bytes:
    """:func:`output_event_json` of ASCII ``data``, as UTF-8 bytes, made from the bytes
    as read: plain output (the usual build log) is never decoded to text and encoded
    back; what needs escaping takes :func:`json_string`."""
    head = f'{{"type":"{kind}","seq":{seq},"createdAt":"{created_at}","data":'.encode()
    if data.translate(None, _PLAIN_JSON):
        return head + json_string(data.decode("ascii")).encode() + b"}"
    return b"".join((head, b'"', data.replace(b"\n", b"\\n"), b'"}'))


def sse_frame(seq: int, payload: str) -> str:
    return f"id: {seq}\ndata: {payload}\n\n"


def sse_frames(events: list[tuple[int, bytes]]) -> bytes:
    """:func:`sse_frame` of each (seq, UTF-8 payload), joined, as bytes."""
    parts: list[bytes] = []
    for seq, payload in events:
        parts += (b"id: %d\ndata: " % seq, payload, b"\n\n")
    return b"".join(parts)


def heartbeat_frame(last_seq: int) -> bytes:
    return sse_frame(last_seq, event_json("heartbeat", last_seq, {})).encode()


def encode_cursor(rank: int) -> str:
    return base64.urlsafe_b64encode(f"r{rank}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The rank a cursor stands for, or None for a cursor this server never made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not raw.startswith("r") or not raw[1:].isdigit():
        return None
    return int(raw[1:])
