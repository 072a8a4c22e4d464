"""Local backend abuse (issue 6): every route wants the token; a run that floods output or
starts hundreds of processes cannot take the backend down, and cancel leaves nothing.

Resource use is bounded: the flood is 50 MB, the process test 200 sleeps, both canceled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from crownest_tui.local.app import build_app
from crownest_tui.local.backend import Backend
from crownest_tui.local.keys import KeyRing
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.settings import Settings
from tests.conftest import BackendFactory
from tests.local.support import client_for, create, error_code, start_run, wait_for

WRONG = "cn_wrong_" + "q" * 24


def app_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the backend app has, test hooks included."""
    with tempfile.TemporaryDirectory() as state:
        backend = Backend(Settings(Path(state), test_hooks=True))
        app = build_app(backend, KeyRing(Path(state), "unused-token"))
        found = [
            (method, route.path)
            for route in app.routes
            if isinstance(route, Route)
            for method in sorted(route.methods or ())
        ]
        backend.close()
    return found


ROUTES = app_routes()
BAD_HEADERS: dict[str, dict[str, str]] = {
    "none": {},
    "wrong": {"Authorization": f"Bearer {WRONG}"},
    "bare-bearer": {"Authorization": "Bearer"},
    "not-bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
}


def test_routes_were_found() -> None:
    paths = {path for _, path in ROUTES}
    assert "/v1/workspace-runs" in paths and "/v1/_test/bulk-runs" in paths
    assert len(ROUTES) >= 15


@pytest.fixture(scope="module")
def real_ids(backend: LocalBackendProcess) -> dict[str, str]:
    async def make() -> dict[str, str]:
        async with client_for(backend) as http:
            run = await create(http, "true")
        return {"run_id": run["id"], "upload_id": "upl_x", "artifact_id": "art_x"}

    return asyncio.run(make())


@pytest.mark.parametrize("header", list(BAD_HEADERS))
async def test_every_route_answers_401_without_the_right_token(
    backend: LocalBackendProcess, real_ids: dict[str, str], header: str
) -> None:
    async with httpx.AsyncClient(base_url=backend.url, timeout=10) as http:
        for method, template in ROUTES:
            path = template.format(**real_ids)
            response = await http.request(
                method, path, headers=BAD_HEADERS[header], content=b'{"command": "id"}'
            )
            assert response.status_code == 401, (method, path, response.status_code)
            if method != "HEAD":
                assert error_code(response) in ("unauthorized", "invalid_api_key"), response.text


# -- runaway runs ----------------------------------------------------------------------


def run_pids(run_id: str) -> set[int]:
    """Live (non-zombie) processes carrying the run's CROWNEST_RUN_ID marker."""
    marker = f"CROWNEST_RUN_ID={run_id}".encode()
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker not in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                continue
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        if stat[stat.rfind(b")") + 2 :].split()[0] != b"Z":
            found.add(int(entry))
    return found


async def timed_list(http: httpx.AsyncClient) -> float:
    began = time.monotonic()
    response = await http.get("/v1/workspace-runs", params={"limit": "5"}, timeout=10)
    assert response.status_code == 200
    return time.monotonic() - began


async def stays_responsive(http: httpx.AsyncClient, seconds: float) -> list[float]:
    """Poll the list for ``seconds``; each answer must come within 2 s."""
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        took = await timed_list(http)
        times.append(took)
        assert took < 2.0, f"GET /v1/workspace-runs took {took:.2f}s"
        await asyncio.sleep(0.1)
    return times


async def cancel_and_check_nothing_survives(http: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    response = await http.post(f"/v1/workspace-runs/{run_id}/cancel")
    assert response.status_code in (200, 202, 409), response.text
    run = await wait_for(http, run_id, within=20)
    for _ in range(100):  # up to 5 s for the last ones to be reaped
        if not run_pids(run_id):
            break
        await asyncio.sleep(0.05)
    assert run_pids(run_id) == set(), "processes of the run survived the cancel"
    return run


async def test_an_output_flood_does_not_take_the_backend_down(
    make_backend: BackendFactory,
) -> None:
    server = make_backend()
    async with client_for(server) as http:
        run = await start_run(http, "yes flood-flood-flood | head -c 50000000; sleep 60")
        await wait_for(http, run["id"], lambda r: r["status"] == "running", within=10)
        times = await stays_responsive(http, 4.0)
        assert len(times) >= 5
        events = await http.get(f"/v1/workspace-runs/{run['id']}/events", timeout=5)
        assert events.status_code == 200 and events.json()["data"]
        ended = await cancel_and_check_nothing_survives(http, run["id"])
        assert ended["status"] == "canceled"
        await timed_list(http)
    assert server.running


async def test_hundreds_of_processes_then_cancel_leaves_none(
    make_backend: BackendFactory,
) -> None:
    server = make_backend()
    script = "i=0; while [ $i -lt 200 ]; do sleep 300 & i=$((i+1)); done; echo spawned; wait"
    async with client_for(server) as http:
        run = await start_run(http, script)
        deadline = time.monotonic() + 15
        while len(run_pids(run["id"])) < 150:
            assert time.monotonic() < deadline, "the run did not start its processes"
            await asyncio.sleep(0.1)
        await stays_responsive(http, 1.0)
        ended = await cancel_and_check_nothing_survives(http, run["id"])
        assert ended["status"] == "canceled"
        await timed_list(http)
    assert server.running


def pids_with_argument(marker: str) -> set[int]:
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0"):
                    found.add(int(entry))
    return found


@pytest.fixture
def escape_marker() -> Iterator[str]:
    """A unique sleep length; any process left with it is killed (by pid) afterwards."""
    marker = f"{297 + (os.getpid() % 1000) / 1000:.3f}"
    yield marker
    for pid in pids_with_argument(marker):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


async def test_a_grandchild_with_new_session_and_empty_env_is_ended(
    backend: LocalBackendProcess, escape_marker: str
) -> None:
    """It carries neither the run's session/group nor the CROWNEST_RUN_ID marker; the
    run's supervisor (local/reaper.py, a child subreaper) still has it as a descendant."""
    async with client_for(backend) as http:
        script = f"env -i setsid sleep {escape_marker} & echo escaped; sleep 300"
        run = await start_run(http, script)
        deadline = time.monotonic() + 10
        while not pids_with_argument(escape_marker):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await cancel_and_check_nothing_survives(http, run["id"])
        await asyncio.sleep(0.5)
    assert pids_with_argument(escape_marker) == set()
