"""A scripted CrowNest events server that misbehaves on purpose.

It serves one finished run's events (``/v1/workspace-runs/{id}``, the replay page and
the SSE stream) and can, per connection: start earlier than ``afterSeq`` (replaying
old events), skip events (gaps the client must back-fill), send heartbeats naming the
last seq, write in random chunk sizes, and answer ``stream_gap`` for seqs it "forgot".
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

RUN_ID = "wsr_scripted1"
CREATED = "2026-11-28T10:00:00Z"


def run_json(status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": RUN_ID,
        "orgId": "org_test",
        "projectId": "prj_test",
        "status": status,
        "command": "make test",
        "keepSandbox": False,
        "metadata": {"branch": "main"},
        "templateId": "tpl_pn",
        "templateSlug": "python-node",
        "templateVersion": "1.0.0",
        "templateVersionId": "tplv_pn1",
        "createdAt": CREATED,
        "exitCode": 0,
    }


def make_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` events: a status, output of varied shapes (unicode too), a terminal."""
    events: list[dict[str, Any]] = [
        {"type": "status", "seq": 1, "createdAt": CREATED, "status": "running"}
    ]
    for seq in range(2, count):
        kind = "stderr" if rng.random() < 0.2 else "stdout"
        text = rng.choice(["ok", "ünïcødé ✓", "\x1b[32mgreen\x1b[0m", "a" * 300, "tab\tx"])
        data = f"{seq}: {text}" + ("\n" if rng.random() < 0.8 else "")
        events.append({"type": kind, "seq": seq, "createdAt": CREATED, "data": data})
    events.append(
        {"type": "terminal", "seq": count, "createdAt": CREATED, "workspaceRun": run_json()}
    )
    return events


@dataclass
class Misbehaviour:
    replay_back: int = 0  # start up to this many events before afterSeq
    skip: float = 0.0  # chance of leaving an event out of the live stream
    heartbeat: float = 0.0  # chance of a heartbeat after an event
    oldest_seq: int = 1  # events before this are "gone": asking for them is a stream_gap
    max_chunk: int = 4096
    end_without_terminal: bool = False
    hold_open: bool = False  # after the last event, keep the stream open (a live run)
    per_connection: int = 0  # close (cleanly) after this many events; 0 = never
    omit: frozenset[int] = frozenset()  # seqs the live stream never sends (replay has them)


@dataclass
class ScriptedRun:
    events: list[dict[str, Any]]
    misbehave: Misbehaviour = field(default_factory=Misbehaviour)
    seed: int = 0
    status: int = 200  # answer the stream with this status (errors end as JSON)
    run_status: str = "succeeded"  # what GET …/{id} and the evidence say
    connections: int = 0
    replays: int = 0  # replay pages served

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lines = [
            f"id: {e['seq']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode()
            for e in self.events
        ]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"/v1/workspace-runs/{RUN_ID}", self.get_run),
                Route(f"/v1/workspace-runs/{RUN_ID}/events", self.events_route),
                Route(f"/v1/workspace-runs/{RUN_ID}/evidence", self.evidence),
            ]
        )

    async def get_run(self, request: Request) -> Response:
        return JSONResponse({"workspaceRun": run_json(self.run_status)})

    async def evidence(self, request: Request) -> Response:
        if self.run_status not in ("succeeded", "failed", "canceled"):
            return JSONResponse({"error": {"code": "not_found", "message": "not yet"}}, 404)
        run = run_json(self.run_status)
        bundle = {k: v for k, v in run.items() if k not in ("id", "keepSandbox")}
        return JSONResponse({"evidence": {"workspaceRunId": RUN_ID, **bundle}})

    async def events_route(self, request: Request) -> Response:
        asked = request.query_params.get("afterSeq")
        after = int(asked) if asked is not None else self.misbehave.oldest_seq - 1
        if self.status != 200:
            return JSONResponse(
                {"error": {"code": "forbidden", "message": "no"}}, status_code=self.status
            )
        if after + 1 < self.misbehave.oldest_seq:
            if request.query_params.get("stream") == "true":
                gap = {"type": "error", "seq": 0, "code": "stream_gap", "message": "gone"}
                return StreamingResponse(
                    iter([f"data: {json.dumps(gap)}\n\n".encode()]),
                    media_type="text/event-stream",
                )
            return JSONResponse({"error": {"code": "stream_gap", "message": "gone"}}, 410)
        start = max(after, self.misbehave.oldest_seq - 1)
        if request.query_params.get("stream") != "true":
            self.replays += 1
            limit = int(request.query_params.get("limit", "500"))
            page = self.events[start : start + limit]
            more = start + limit < len(self.events)
            return JSONResponse({"data": page, "hasMore": more, "nextSeq": start + len(page)})
        self.connections += 1
        back = self.rng.randint(0, self.misbehave.replay_back)
        first = max(self.misbehave.oldest_seq - 1, start - back)
        return StreamingResponse(self._stream(first), media_type="text/event-stream")

    async def _stream(self, first: int) -> AsyncIterator[bytes]:
        out = bytearray()
        mis = self.misbehave
        stop = len(self.lines) - (1 if mis.end_without_terminal else 0)
        if mis.per_connection:
            stop = min(stop, first + mis.per_connection)
        for index in range(first, stop):
            if index < stop - 1 and self.rng.random() < mis.skip:
                continue
            if self.events[index]["seq"] in mis.omit:
                continue
            out += self.lines[index]
            if self.rng.random() < mis.heartbeat:
                seq = self.events[index]["seq"]
                out += f'data: {{"type":"heartbeat","seq":{seq}}}\n\n'.encode()
            while len(out) > mis.max_chunk:
                size = self.rng.randint(1, mis.max_chunk)
                yield bytes(out[:size])
                del out[:size]
        if out:
            yield bytes(out)
        if mis.hold_open:
            await asyncio.Event().wait()
