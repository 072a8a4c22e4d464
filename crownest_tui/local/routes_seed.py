"""``POST /v1/_test/seed-runs``: runs exactly as a test describes them (test hooks only).

Body ``{"runs": [{...}, ...]}``: each item is a run's wire fields (camelCase) laid
over a new run's: ``command``, ``projectId``, ``template`` (a slug), ``timeoutMs`` and
``metadata`` as at creation, and any stored field (``id``, ``status``, ``createdAt``,
``startedAt``, ``finishedAt``, ``durationMs``, ``exitCode``, ``failureReason``…) as
it is. Items are stored in the order given, and the list pages newest stored first,
so give them oldest first. Nothing runs: a seeded active run stays as it is. Answers
``{"created": [ids]}``. Snapshot tests and benchmarks use it to build a known week.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from ..api.models import CreateRunRequest
from .contract import dumps, event_json
from .endpoint import Call, json_response
from .errors import bad_request
from .records import RunRecord, RunSpec
from .validation import check_metadata

CREATION_FIELDS = frozenset({"command", "projectId", "template", "timeoutMs", "metadata"})
MAX_SEEDED = 100_000
TIME_FIELDS = frozenset({"createdAt", "startedAt", "finishedAt", "uploadedAt"})


def _seeded(call: Call, item: Any) -> tuple[RunRecord, RunSpec]:
    if not isinstance(item, dict):
        raise bad_request("each seeded run must be an object")
    request = CreateRunRequest(
        command=str(item.get("command") or "true"),
        project_id=item.get("projectId"),
        template=item.get("template"),
        timeout_ms=item.get("timeoutMs"),
        metadata=check_metadata(item.get("metadata")),
    )
    run, spec = call.backend.new_run(request)
    stored = {k: v for k, v in item.items() if k not in CREATION_FIELDS - {"timeoutMs"}}
    for key in TIME_FIELDS & stored.keys():
        try:
            datetime.fromisoformat(str(stored[key]))
        except ValueError:
            raise bad_request(f"seeded run: {key} must be an ISO-8601 time") from None
    try:
        return RunRecord.from_json(dumps({**run.to_wire(), **stored})), spec
    except ValidationError as error:
        raise bad_request(f"seeded run: {error.errors()[0]['msg']}") from None


async def seed_runs(call: Call) -> Response:
    runs = (await call.body()).get("runs")
    if not isinstance(runs, list) or len(runs) > MAX_SEEDED:
        raise bad_request(f"runs must be a list of at most {MAX_SEEDED} objects")
    rows = [_seeded(call, item) for item in runs]
    call.backend.store.insert_runs(rows)
    call.backend.store.insert_events(
        [(run.id, 1, event_json("status", 1, {"status": run.status})) for run, _ in rows]
    )
    return json_response({"created": [run.id for run, _ in rows]}, 201)
