"""``--seed-demo``: three projects, ~40 really executed runs, three that keep going."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.conftest import BackendFactory

from .support import all_events, client_for, output_of

LIVE = {"tests", "build", "stuck"}


async def _runs(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    page = (await http.get("/v1/workspace-runs", params={"limit": 500, **params})).json()
    runs: list[dict[str, Any]] = page["data"]
    return runs


async def test_seed_demo(make_backend: BackendFactory) -> None:
    server = make_backend(seed_demo=True)
    async with client_for(server) as http:
        live: list[dict[str, Any]] = []

        async def seeded() -> bool:
            live[:] = [r for r in await _runs(http) if r["metadata"].get("kind") in LIVE]
            return len(live) == 3 and all(r["status"] == "running" for r in live)

        for _ in range(600):
            if await seeded():
                break
            await asyncio.sleep(0.05)
        assert await seeded()
        runs = await _runs(http)
        projects = (await http.get("/v1/projects")).json()["data"]
        assert len(projects) == 3
        assert {r["projectId"] for r in runs} == {p["id"] for p in projects}
        assert 35 <= len(runs) <= 45
        statuses = Counter(r["status"] for r in runs)
        assert statuses["succeeded"] >= 10 and statuses["failed"] >= 8
        assert statuses["canceled"] >= 2 and statuses["awaiting_archive"] >= 1
        reasons = {r.get("failureReason") for r in runs}
        assert {"timeout", "command_exit", "archive_invalid"} <= reasons
        assert len({r.get("exitCode") for r in runs if r.get("exitCode")}) >= 4
        codes = {e["code"] for r in runs for e in r.get("artifactErrors", [])}
        assert {"path_outside_workspace", "file_not_found"} <= codes
        assert len({r["metadata"]["branch"] for r in runs}) >= 3
        assert all(r["sourceMetadata"]["commit"] for r in runs)
        assert len({r["templateSlug"] for r in runs}) >= 3
        main = await _runs(http, **{"metadata.branch": "main"})
        assert 0 < len(main) < len(runs)

        by_kind = {r["metadata"]["kind"]: r["id"] for r in live}
        build = by_kind["build"]
        await asyncio.sleep(1.0)
        build_lines = output_of(await all_events(http, build)).count("\n")
        assert build_lines >= 1000  # thousands of lines per second
        tests = await all_events(http, by_kind["tests"])
        assert "\x1b[32mPASSED" in output_of(tests)
        stuck = output_of(await all_events(http, by_kind["stuck"]))
        assert stuck == "acquiring deployment lock on staging ...\n"
        canceled = (await http.post(f"/v1/workspace-runs/{by_kind['stuck']}/cancel")).json()
        assert canceled["workspaceRun"]["status"] == "canceled"
