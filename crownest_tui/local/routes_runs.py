"""Run routes: create, list, get, start, cancel, evidence; and projects."""

from __future__ import annotations

from starlette.responses import Response

from ..api.ids import check_id
from ..api.models import RunStatus
from .contract import PAGE_LIMIT_DEFAULT, decode_cursor, dumps, encode_cursor
from .endpoint import Call, json_response
from .errors import bad_request
from .store import RunFilter
from .validation import create_request, page_limit

_STATUSES = frozenset(s.value for s in RunStatus)


def page_body(rows: list[tuple[int, str]], limit: int) -> str:
    """A Page built from (rank, doc JSON) rows fetched with ``limit + 1``."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    tail = f',"nextCursor":{dumps(encode_cursor(rows[-1][0]))}' if has_more and rows else ""
    data = ",".join(doc for _, doc in rows)
    return f'{{"data":[{data}],"hasMore":{"true" if has_more else "false"}{tail}}}'


def _cursor(call: Call) -> int | None:
    raw = call.request.query_params.get("cursor")
    if not raw:
        return None
    rank = decode_cursor(raw)
    if rank is None:
        raise bad_request("cursor is not one this server gave out", parameter="cursor")
    return rank


def _run_id(call: Call) -> str:
    run_id = call.param("run_id")
    try:
        return check_id(run_id, "wsr")
    except ValueError:
        raise bad_request(f"{run_id!r} is not a workspace run id") from None


async def create_run(call: Call) -> Response:
    req = create_request(await call.body())
    run = call.backend.create_run(req)
    return json_response({"workspaceRun": run.to_wire()}, 201)


async def list_runs(call: Call) -> Response:
    query = call.request.query_params
    limit = page_limit(query.get("limit"), PAGE_LIMIT_DEFAULT)
    project_id = query.get("projectId") or None
    if project_id is not None:
        try:
            check_id(project_id, "prj")
        except ValueError:
            raise bad_request("projectId must be a prj_… id", parameter="projectId") from None
    status = query.get("status") or None
    if status is not None and status not in _STATUSES:
        raise bad_request(f"unknown status {status!r}", known=sorted(_STATUSES))
    metadata = [
        (k[len("metadata.") :], v) for k, v in query.multi_items() if k.startswith("metadata.")
    ]
    where = RunFilter(project_id, status, metadata)
    rows = call.backend.store.list_runs(where, limit, _cursor(call))
    return json_response(page_body(rows, limit))


async def get_run(call: Call) -> Response:
    return json_response({"workspaceRun": call.backend.run(_run_id(call)).to_wire()})


async def start_run(call: Call) -> Response:
    run = call.backend.start(_run_id(call), call.principal.scopes)
    return json_response({"workspaceRun": run.to_wire()})


async def cancel_run(call: Call) -> Response:
    run = await call.backend.cancel(_run_id(call))
    return json_response({"workspaceRun": run.to_wire()})


async def evidence(call: Call) -> Response:
    return json_response(f'{{"evidence":{call.backend.evidence(_run_id(call))}}}')


async def list_projects(call: Call) -> Response:
    limit = page_limit(call.request.query_params.get("limit"), PAGE_LIMIT_DEFAULT)
    rows = call.backend.store.list_projects(limit, _cursor(call))
    return json_response(page_body(rows, limit))


run_id_of = _run_id
