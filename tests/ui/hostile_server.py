"""A scripted CrowNest whose every text is console markup: ids, names, metadata,
statuses, error codes and messages carry ``[b]``, ``[/x]`` and ``[link=…]``.

Two runs: :data:`LIVE` is running (its stream holds after one line of output until
:meth:`HostileServer.finish`, then it fails with exit code 3); :data:`BROKEN` answers
404 to everything. The first cancel of a run is accepted (the answer's status is
markup too), every later one refused with 409; ``fail_list`` makes the run list
answer 503.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

LIVE = "wsr_[b]live[link=x]"  # ids may not hold a "/"
BROKEN = "wsr_[i]broken"
PROJECT = "prj_[b]p"
PROJECT_NAME = "[b]proj[/x] [link=https://x]site[/link]"
COMMAND = "echo [b]hi[/x] [link=https://x]x[/link]"
JOB_NAME = "[link=https://x]job[/link] [/x]"
OUTPUT = "[b]out[/x] [link=https://x]o[/link]"
STOPPING = "[b]stopping[/x]"  # an unknown status, as a newer server might send
GONE = "[/x] gone [link=https://x]away[/link]"
REFUSED = "[/x] already [b]done"
DOWN = "[/x] down [link=https://x]status[/link]"
DOWN_CODE = "[b]busy"
CREATED = "2026-11-28T10:00:00Z"
FINISHED = "2026-11-28T10:01:30Z"


def error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def run_doc(run_id: str, status: str = "running", **extra: Any) -> dict[str, Any]:
    return {
        "id": run_id,
        "orgId": "org_test",
        "projectId": PROJECT,
        "status": status,
        "command": COMMAND,
        "metadata": {"name": JOB_NAME, "tag": "[b]"},
        "templateSlug": "python-node",
        "createdAt": CREATED,
        "startedAt": CREATED,
        **extra,
    }


@dataclass
class HostileServer:
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    cancels: int = 0
    fail_list: bool = False

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/workspace-runs", self.list_runs),
                Route("/v1/projects", self.list_projects),
                Route("/v1/workspace-runs/{run_id}", self.get_run),
                Route("/v1/workspace-runs/{run_id}/events", self.events),
                Route("/v1/workspace-runs/{run_id}/evidence", self.evidence),
                Route("/v1/workspace-runs/{run_id}/cancel", self.cancel, methods=["POST"]),
            ]
        )

    def finish(self) -> None:
        """Let :data:`LIVE` end: it fails with exit code 3."""
        self.finished.set()

    def live_run(self) -> dict[str, Any]:
        if not self.finished.is_set():
            return run_doc(LIVE)
        return run_doc(
            LIVE,
            "failed",
            finishedAt=FINISHED,
            durationMs=90_000,
            exitCode=3,
            failureReason="command_exit",
        )

    def live_events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [
            {"type": "status", "seq": 1, "createdAt": CREATED, "status": "running"},
            {"type": "stdout", "seq": 2, "createdAt": CREATED, "data": OUTPUT + "\n"},
        ]
        if self.finished.is_set():
            terminal = {"type": "terminal", "seq": 3, "workspaceRun": self.live_run()}
            events.append({**terminal, "createdAt": FINISHED})
        return events

    async def list_runs(self, request: Request) -> Response:
        if self.fail_list:
            return error(503, DOWN_CODE, DOWN)
        return JSONResponse({"data": [self.live_run(), run_doc(BROKEN)], "hasMore": False})

    async def list_projects(self, request: Request) -> Response:
        project = {"id": PROJECT, "orgId": "org_test", "name": PROJECT_NAME, "createdAt": CREATED}
        return JSONResponse({"data": [project], "hasMore": False})

    async def get_run(self, request: Request) -> Response:
        if request.path_params["run_id"] != LIVE:
            return error(404, "not_found", GONE)
        return JSONResponse({"workspaceRun": self.live_run()})

    async def evidence(self, request: Request) -> Response:
        return error(404, "not_found", GONE)

    async def cancel(self, request: Request) -> Response:
        self.cancels += 1
        if request.path_params["run_id"] != LIVE or self.cancels > 1:
            return error(409, "conflict", REFUSED)
        return JSONResponse({"workspaceRun": run_doc(LIVE, STOPPING)})

    async def events(self, request: Request) -> Response:
        if request.path_params["run_id"] != LIVE:
            return error(404, "not_found", GONE)
        after = int(request.query_params.get("afterSeq", "0"))
        if request.query_params.get("stream") != "true":
            page = [e for e in self.live_events() if e["seq"] > after]
            return JSONResponse({"data": page, "hasMore": False, "nextSeq": after + len(page)})
        return StreamingResponse(self._stream(after), media_type="text/event-stream")

    async def _stream(self, after: int) -> AsyncIterator[bytes]:
        sent = after
        while True:
            for event in self.live_events():
                if event["seq"] > sent:
                    sent = event["seq"]
                    yield f"id: {sent}\ndata: {json.dumps(event)}\n\n".encode()
                    if event["type"] == "terminal":
                        return
            await self.finished.wait()
