"""Archive uploads: the direct PUT and the staged transfer (create, PUT bytes, finalize).

Bytes are streamed to a file while their SHA-256 is computed; ``archive_progress``
events follow them. Uploads are capped at ``MAX_ARCHIVE_BYTES`` (413
``file_too_large``) and checked against the declared digest and size. A run takes an
archive only while ``awaiting_archive`` (else 409 ``upload_conflict``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ..api.ids import check_id
from ..api.models import RunStatus, TransferStatus
from .contract import MAX_ARCHIVE_BYTES, PROGRESS_STEP_BYTES, new_id
from .endpoint import Call, json_response
from .errors import ApiError, bad_request
from .records import RunRecord, TransferRecord
from .routes_runs import run_id_of
from .validation import sha256_hex, size_value

SHA_HEADER = "x-crownest-archive-sha256"
SIZE_HEADER = "x-crownest-archive-size"


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _too_large(size: int) -> ApiError:
    return ApiError(
        "file_too_large",
        f"archives are limited to {MAX_ARCHIVE_BYTES} bytes ({size} given)",
        details={"maxSizeBytes": MAX_ARCHIVE_BYTES},
    )


def _awaiting(call: Call, run_id: str) -> RunRecord:
    run = call.backend.run(run_id)
    if run.status != RunStatus.AWAITING_ARCHIVE:
        raise ApiError(
            "upload_conflict",
            f"the run is {run.status}; it takes an archive only while awaiting_archive",
            details={"status": run.status},
        )
    return run


async def receive(call: Call, run_id: str, dest: Path, declared: int) -> tuple[str, int]:
    """Stream the request body to ``dest``; return (sha256 hex, size)."""
    request: Request = call.request
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_ARCHIVE_BYTES:
        raise _too_large(int(length))
    digest = hashlib.sha256()
    received = 0
    next_report = PROGRESS_STEP_BYTES
    hub = call.backend.hub
    try:
        with dest.open("wb") as out:
            async for chunk in request.stream():
                received += len(chunk)
                if received > MAX_ARCHIVE_BYTES:
                    raise _too_large(received)
                digest.update(chunk)
                out.write(chunk)
                if received >= next_report:
                    hub.emit(run_id, "archive_progress", receivedBytes=received, sizeBytes=declared)
                    next_report = received + PROGRESS_STEP_BYTES
    except BaseException:
        _discard(dest)
        raise
    hub.emit(run_id, "archive_progress", receivedBytes=received, sizeBytes=declared)
    return digest.hexdigest(), received


def _verify(dest: Path, sha: str, size: int, want_sha: str, want_size: int) -> None:
    if size != want_size:
        _discard(dest)
        raise ApiError(
            "upload_size_mismatch",
            f"received {size} bytes, {want_size} declared",
            details={"receivedBytes": size, "sizeBytes": want_size},
        )
    if sha != want_sha:
        _discard(dest)
        raise ApiError(
            "upload_checksum_mismatch",
            "the bytes do not have the declared SHA-256",
            details={"sha256": sha, "expectedSha256": want_sha},
        )


def accept(call: Call, run_id: str, source: Path, sha: str, size: int) -> Response:
    archive, run = call.backend.accept_archive(run_id, source, sha, size)
    return json_response({"archive": archive.to_wire(), "workspaceRun": run.to_wire()})


async def upload_direct(call: Call) -> Response:
    run_id = run_id_of(call)
    headers = call.request.headers
    want_sha = sha256_hex(headers.get(SHA_HEADER), SHA_HEADER)
    want_size = size_value(headers.get(SIZE_HEADER), SIZE_HEADER)
    _awaiting(call, run_id)
    if want_size > MAX_ARCHIVE_BYTES:
        raise _too_large(want_size)
    temp = call.backend.paths.upload(new_id("put"))
    sha, size = await receive(call, run_id, temp, want_size)
    _verify(temp, sha, size, want_sha, want_size)
    _awaiting(call, run_id)  # still, after the bytes arrived
    return accept(call, run_id, temp, sha, size)


def _transfer(call: Call, run_id: str, upload_id: str) -> tuple[TransferRecord, float]:
    """The run's transfer and when it expires (marked ``expired`` once it has)."""
    try:
        check_id(upload_id, "upl")
    except ValueError:
        raise ApiError("upload_not_found", f"no transfer {upload_id}") from None
    found = call.backend.store.get_transfer(upload_id)
    if found is None or found[0].workspace_run_id != run_id:
        raise ApiError("upload_not_found", f"no transfer {upload_id} for run {run_id}")
    transfer, expires = found
    live = (TransferStatus.PENDING, TransferStatus.UPLOADED)
    if transfer.status in live and time.time() > expires:
        transfer = replace(transfer, status=TransferStatus.EXPIRED)
        call.backend.store.put_transfer(transfer, expires)
    if transfer.status == TransferStatus.EXPIRED:
        raise ApiError("upload_expired", f"transfer {upload_id} expired at {transfer.expires_at}")
    return transfer, expires


async def create_transfer(call: Call) -> Response:
    run_id = run_id_of(call)
    body = await call.body()
    sha = sha256_hex(body.get("sha256"), "sha256")
    size = size_value(body.get("sizeBytes"), "sizeBytes")
    _awaiting(call, run_id)
    if size > MAX_ARCHIVE_BYTES:
        raise _too_large(size)
    upload_id = new_id("upl")
    ttl = call.backend.settings.transfer_ttl
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
    base = str(call.request.base_url).rstrip("/")
    transfer = TransferRecord(
        id=upload_id,
        upload_url=f"{base}/v1/workspace-runs/{run_id}/archive-transfer/{upload_id}",
        method="PUT",
        headers={"content-type": "application/gzip", SHA_HEADER: sha, SIZE_HEADER: str(size)},
        expires_at=expires_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        max_size_bytes=MAX_ARCHIVE_BYTES,
        status=TransferStatus.PENDING,
        checksum_algorithm="sha256",
        workspace_run_id=run_id,
        sha256=sha,
        size_bytes=size,
    )
    call.backend.store.put_transfer(transfer, time.time() + ttl)
    return json_response({"transfer": transfer.to_wire()}, 201)


async def upload_staged(call: Call) -> Response:
    run_id = run_id_of(call)
    transfer, expires = _transfer(call, run_id, call.param("upload_id"))
    if transfer.status != TransferStatus.PENDING:
        raise ApiError("upload_conflict", f"transfer {transfer.id} is already {transfer.status}")
    _awaiting(call, run_id)
    part = call.backend.paths.upload(transfer.id)
    sha, size = await receive(call, run_id, part, transfer.size_bytes)
    _verify(part, sha, size, transfer.sha256, transfer.size_bytes)
    call.backend.store.put_transfer(replace(transfer, status=TransferStatus.UPLOADED), expires)
    return Response(status_code=204)


async def finalize(call: Call) -> Response:
    run_id = run_id_of(call)
    body = await call.body()
    upload_id = body.get("uploadId")
    if not isinstance(upload_id, str):
        raise bad_request("uploadId is required", field="uploadId")
    sha = sha256_hex(body.get("sha256"), "sha256")
    size = size_value(body.get("sizeBytes"), "sizeBytes")
    transfer, _ = _transfer(call, run_id, upload_id)
    if transfer.status == TransferStatus.PENDING:
        raise ApiError("upload_incomplete", f"no bytes were uploaded to transfer {upload_id}")
    if transfer.status == TransferStatus.FINALIZED:
        raise ApiError("upload_conflict", f"transfer {upload_id} is already finalized")
    if size != transfer.size_bytes:
        raise ApiError(
            "upload_size_mismatch", f"transfer {upload_id} holds {transfer.size_bytes} bytes"
        )
    if sha != transfer.sha256:
        raise ApiError("upload_checksum_mismatch", f"transfer {upload_id} has another SHA-256")
    _awaiting(call, run_id)
    response = accept(call, run_id, call.backend.paths.upload(upload_id), sha, size)
    call.backend.store.put_transfer(replace(transfer, status=TransferStatus.FINALIZED), time.time())
    return response
