"""Artifact routes, the local backend's own ``/v1/_local`` route, and the test hooks.

``GET /v1/_local/runtime`` (any valid key; the hosted API has no such route, so a
client learns from a 404 that it talks to the real service) tells how this backend
runs commands: ``{"sandbox": {"enabled", "tool", "reason", "network"}, "templates":
{slug: {"provides": [...], "missing": [...]}}}``. A dashboard shows
``local · unsandboxed`` when ``enabled`` is false.

``GET /v1/_local/workspace-runs/{id}/archive`` (run read scope) answers the archive the
run was given, as uploaded (``not_found`` when it has none), and
``GET /v1/_local/workspace-runs/{id}/spec`` what the run asked for at creation that its
document does not say: ``{"artifacts": [{"path", "name"?}]}``. "Run it again" uses
them for runs launched from another machine (the hosted API answers 404).

Test hooks fill the store fast, through the same store code the server uses, for
tests and benchmarks that need many runs or events:

* ``POST /v1/_test/projects`` ``{"name"}`` creates a project: ``{"project"}``.
* ``POST /v1/_test/bulk-runs`` ``{"count", "projectId"?, "metadata"?, "status"?}``
  inserts ``count`` runs (default status ``succeeded``) in one transaction; their
  metadata also gets ``"n": "<index>"``. Answers ``{"created": count}``.
* ``POST /v1/_test/bulk-events`` ``{"runId", "count", "line"?}`` takes a run awaiting
  its archive through the life cycle to ``running``, appends ``count`` ``stdout``
  events (``line`` + seq each) and finishes it as ``succeeded``. Answers
  ``{"workspaceRun"}``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.responses import FileResponse, Response

from ..api.ids import check_id
from ..api.models import CreateRunRequest, RunStatus
from .contract import event_json, now_iso
from .endpoint import Call, json_response
from .errors import ApiError, bad_request, not_found
from .records import ArtifactRecord, RunRecord, RunSpec
from .routes_runs import _run_id
from .validation import check_metadata, size_value


async def runtime(call: Call) -> Response:
    return json_response(call.backend.runtime.describe())


def _artifact(call: Call) -> tuple[str, str]:
    artifact_id = call.param("artifact_id")
    try:
        check_id(artifact_id, "art")
    except ValueError:
        raise bad_request(f"{artifact_id!r} is not an artifact id") from None
    call.backend.retention.sweep()  # what has expired is never answered as still there
    found = call.backend.store.get_artifact(artifact_id)
    if found is None:
        raise not_found("artifact", artifact_id)
    return found


async def run_archive(call: Call) -> Response:
    run_id = _run_id(call)
    run = call.backend.run(run_id)
    path = call.backend.paths.archive(run_id)
    if run.archive is None or not path.is_file():
        message = f"workspace run {run_id} has no archive kept here"
        raise ApiError("not_found", message, details={"id": run_id})
    return FileResponse(path, media_type="application/gzip")


async def run_spec(call: Call) -> Response:
    run_id = _run_id(call)
    row = call.backend.store.get_run(run_id)
    if row is None:
        raise not_found("workspace run", run_id)
    return json_response({"artifacts": [a.to_wire() for a in row.spec.artifacts]})


async def get_artifact(call: Call) -> Response:
    doc, _ = _artifact(call)
    return json_response(f'{{"artifact":{doc}}}')


async def download_artifact(call: Call) -> Response:
    doc, file = _artifact(call)
    artifact = ArtifactRecord.from_json(doc)
    if artifact.deleted_at is not None:
        raise ApiError(
            "not_found",
            f"artifact {artifact.id} was deleted at {artifact.deleted_at}: its retention "
            f"ended at {artifact.retention_expires_at}",
            details={"id": artifact.id, "deletedAt": artifact.deleted_at},
        )
    return FileResponse(file, media_type="application/octet-stream")


def _status(value: Any) -> RunStatus:
    try:
        return RunStatus(value)
    except ValueError:
        raise bad_request(f"unknown status {value!r}", known=sorted(RunStatus)) from None


async def create_project(call: Call) -> Response:
    name = (await call.body()).get("name")
    if not isinstance(name, str) or not name:
        raise bad_request("name is required")
    return json_response({"project": call.backend.create_project(name).to_wire()}, 201)


async def bulk_runs(call: Call) -> Response:
    body = await call.body()
    count = size_value(body.get("count"), "count")
    status = _status(body.get("status") or RunStatus.SUCCEEDED)
    metadata = check_metadata(body.get("metadata"))
    template = CreateRunRequest(command="true", project_id=body.get("projectId"))
    backend = call.backend
    rows: list[tuple[RunRecord, RunSpec]] = []
    for index in range(count):
        run, spec = backend.new_run(template)
        run = replace(
            run, status=status, metadata={**metadata, "n": str(index)}, command=f"echo bulk {index}"
        )
        rows.append((run, spec))
    backend.store.insert_runs(rows)
    backend.store.insert_events(
        [(run.id, 1, event_json("status", 1, {"status": status})) for run, _ in rows]
    )
    return json_response({"created": count}, 201)


async def bulk_events(call: Call) -> Response:
    body = await call.body()
    run_id = str(body.get("runId", ""))
    count = size_value(body.get("count"), "count")
    line = str(body.get("line") or "bulk output line ")
    backend = call.backend
    run = backend.run(run_id)
    if run.status != RunStatus.AWAITING_ARCHIVE:
        raise bad_request("bulk-events needs a run awaiting its archive")
    created = now_iso()
    backend.set_status(run_id, RunStatus.ARCHIVE_UPLOADED)
    backend.save(replace(backend.run(run_id), status=RunStatus.STARTING, started_at=created))
    backend.set_status(run_id, RunStatus.EXTRACTING)
    backend.set_status(run_id, RunStatus.RUNNING)
    await backend.hub.drain()
    first = backend.store.last_seq(run_id) + 1
    rows = [
        (run_id, seq, event_json("stdout", seq, {"data": f"{line}{seq}\n"}, created))
        for seq in range(first, first + count)
    ]
    backend.store.insert_events(rows)
    backend.hub.forget(run_id)
    run = backend.set_status(run_id, RunStatus.COLLECTING)
    done = backend.finish(replace(run, status=RunStatus.SUCCEEDED, exit_code=0))
    return json_response({"workspaceRun": done.to_wire()})
