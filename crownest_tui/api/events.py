"""Typed run events and the fast path that turns SSE/replay payloads into them.

Events are validated in batches through one pydantic ``TypeAdapter`` (a JSON array of
many payloads in one call), which is several times faster than one call per event.
A batch that fails (an unknown event type, a malformed payload) falls back to one
payload at a time, where an unknown type becomes :class:`UnknownEvent` and a broken
payload becomes a :class:`BadPayload` notice instead of an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from .ids import ArtifactId
from .models import ArtifactError, StatusField, Timestamp, WireModel, WorkspaceRun


class BaseEvent(WireModel):
    seq: int
    created_at: Timestamp | None = None


class StatusEvent(BaseEvent):
    type: Literal["status"] = "status"
    status: StatusField


class ArchiveProgressEvent(BaseEvent):
    type: Literal["archive_progress"] = "archive_progress"
    received_bytes: int
    size_bytes: int | None = None


class StdoutEvent(BaseEvent):
    type: Literal["stdout"] = "stdout"
    data: str


class StderrEvent(BaseEvent):
    type: Literal["stderr"] = "stderr"
    data: str


class ArtifactCollectedEvent(BaseEvent):
    type: Literal["artifact_collected"] = "artifact_collected"
    artifact_id: ArtifactId
    path: str


class ArtifactErrorEvent(BaseEvent):
    type: Literal["artifact_error"] = "artifact_error"
    error: ArtifactError


class HeartbeatEvent(BaseEvent):
    type: Literal["heartbeat"] = "heartbeat"


class TerminalEvent(BaseEvent):
    type: Literal["terminal"] = "terminal"
    workspace_run: WorkspaceRun


class ErrorEvent(BaseEvent):
    type: Literal["error"] = "error"
    code: str
    message: str = ""


class UnknownEvent(BaseEvent):
    """An event type this client does not know: kept, with its raw payload."""

    type: str
    raw: dict[str, Any] = Field(default_factory=dict)


KnownEvent = Annotated[
    StatusEvent
    | ArchiveProgressEvent
    | StdoutEvent
    | StderrEvent
    | ArtifactCollectedEvent
    | ArtifactErrorEvent
    | HeartbeatEvent
    | TerminalEvent
    | ErrorEvent,
    Field(discriminator="type"),
]
RunEvent = (
    StatusEvent
    | ArchiveProgressEvent
    | StdoutEvent
    | StderrEvent
    | ArtifactCollectedEvent
    | ArtifactErrorEvent
    | HeartbeatEvent
    | TerminalEvent
    | ErrorEvent
    | UnknownEvent
)
OutputEvent = StdoutEvent | StderrEvent
ENDING_TYPES = frozenset({"terminal", "error"})

KNOWN_EVENT_ADAPTER: TypeAdapter[KnownEvent] = TypeAdapter(KnownEvent)
_BATCH_ADAPTER: TypeAdapter[list[KnownEvent]] = TypeAdapter(list[KnownEvent])


@dataclass(frozen=True, slots=True)
class BadPayload:
    """A payload that could not be read as an event (kept for the UI to report)."""

    payload: bytes
    reason: str


def parse_event(payload: bytes | str | dict[str, Any]) -> RunEvent | BadPayload:
    """Read one event payload; never raises."""
    raw_bytes = payload if isinstance(payload, bytes) else str(payload).encode()
    try:
        obj = json.loads(payload) if not isinstance(payload, dict) else payload
    except (ValueError, UnicodeDecodeError) as exc:
        return BadPayload(raw_bytes[:500], f"not JSON: {exc}")
    if not isinstance(obj, dict):
        return BadPayload(raw_bytes[:500], "not a JSON object")
    try:
        return KNOWN_EVENT_ADAPTER.validate_python(obj)
    except ValidationError as exc:
        kind = obj.get("type")
        seq = obj.get("seq")
        known = kind in _KNOWN_TYPES
        if not known and isinstance(kind, str) and isinstance(seq, int):
            try:
                return UnknownEvent.model_validate(
                    {"type": kind, "seq": seq, "createdAt": obj.get("createdAt"), "raw": obj}
                )
            except ValidationError:
                return UnknownEvent(type=kind, seq=seq, raw=obj)
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return BadPayload(raw_bytes[:500], f"invalid {kind or 'event'}: {where} {first['msg']}")


_KNOWN_TYPES = frozenset(
    {
        "status",
        "archive_progress",
        "stdout",
        "stderr",
        "artifact_collected",
        "artifact_error",
        "heartbeat",
        "terminal",
        "error",
    }
)


def parse_events(payloads: list[bytes]) -> list[RunEvent | BadPayload]:
    """Validate many JSON payloads at once; fall back to one at a time on failure."""
    if not payloads:
        return []
    try:
        return list(_BATCH_ADAPTER.validate_json(b"[" + b",".join(payloads) + b"]"))
    except (ValidationError, ValueError):
        return [parse_event(p) for p in payloads]


class _FastEventPage(WireModel):
    data: list[KnownEvent]
    has_more: bool = False
    next_seq: int | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of ``GET …/events`` (replay): events in seq order, and what comes next."""

    events: list[RunEvent]
    has_more: bool
    next_seq: int | None
    bad: list[BadPayload]


def parse_event_page(content: bytes) -> EventPage:
    """Read a replay page; unknown or broken events do not spoil the page."""
    try:
        fast = _FastEventPage.model_validate_json(content)
        return EventPage(list(fast.data), fast.has_more, fast.next_seq, [])
    except ValidationError:
        pass
    body = json.loads(content)  # the caller turns a ValueError into an API error
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("an events page must be an object with a data list")
    events: list[RunEvent] = []
    bad: list[BadPayload] = []
    for item in body["data"]:
        parsed = parse_event(item if isinstance(item, dict) else json.dumps(item))
        (bad if isinstance(parsed, BadPayload) else events).append(parsed)  # type: ignore[arg-type]
    next_seq = body.get("nextSeq")
    return EventPage(
        events,
        bool(body.get("hasMore", False)),
        next_seq if isinstance(next_seq, int) else None,
        bad,
    )
