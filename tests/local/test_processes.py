"""Process control: cancel and timeout end the whole tree; restart and shutdown recovery.

Each test runs with runs sandboxed and unsandboxed (``mode``, tests/local/conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

import httpx

from crownest_tui.local.process import LocalBackendProcess
from tests.conftest import BackendFactory

from .support import (
    alive,
    all_events,
    client_for,
    output_of,
    pids_with_marker,
    run_to_end,
    start_run,
    wait_for,
    wait_until,
)

# A shell with children and grandchildren: in the group, in a new session via setsid(),
# and ones that ignore SIGTERM (they need the KILL after the grace period).
TREE = """
sleep 300 &
python3 -c 'import os, time; os.setsid(); time.sleep(301)' &
python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(302)' &
sh -c 'trap "" TERM; sleep 303; echo never' &
echo started
wait
"""


async def _tree_is_up(http: httpx.AsyncClient, run_id: str) -> list[int]:
    await wait_for(http, run_id, lambda r: r["status"] == "running")
    marker = f"CROWNEST_RUN_ID={run_id}"
    # the supervisor (local/reaper.py; in a sandbox, bwrap and its init), the shell, its
    # four children and a grandchild, once the setsid() child has left the run's group
    await wait_until(lambda: len(pids_with_marker(marker)) >= 7 and len(_groups(marker)) >= 2)
    return pids_with_marker(marker)


def _groups(marker: str) -> set[int]:
    groups = set()
    for pid in pids_with_marker(marker):
        with contextlib.suppress(OSError):  # gone meanwhile
            groups.add(os.getpgid(pid))
    return groups


async def test_cancel_leaves_no_process_behind(mode_http: httpx.AsyncClient) -> None:
    run = await start_run(mode_http, TREE)
    pids = await _tree_is_up(mode_http, run["id"])
    groups = {os.getpgid(pid) for pid in pids}
    assert len(groups) >= 2  # the setsid() grandchild left the run's process group
    response = await mode_http.post(f"/v1/workspace-runs/{run['id']}/cancel")
    assert response.status_code == 200
    final = response.json()["workspaceRun"]
    assert (final["status"], final["failureClass"]) == ("canceled", "canceled")
    assert [pid for pid in pids if alive(pid)] == []
    assert pids_with_marker(f"CROWNEST_RUN_ID={run['id']}") == []
    events = await all_events(mode_http, run["id"])
    assert events[-2]["status"] == "canceled" and events[-1]["type"] == "terminal"
    assert "never" not in output_of(events)


async def test_timeout_ends_the_tree_too(mode_http: httpx.AsyncClient) -> None:
    run = await start_run(mode_http, TREE, timeoutMs=1500)
    pids = await _tree_is_up(mode_http, run["id"])
    final = await wait_for(mode_http, run["id"])
    assert (final["status"], final["failureReason"]) == ("failed", "timeout")
    assert [pid for pid in pids if alive(pid)] == []


async def test_background_leftovers_do_not_hold_the_run(mode_http: httpx.AsyncClient) -> None:
    final = await run_to_end(mode_http, "sleep 300 & echo bye")
    assert final["status"] == "succeeded"
    assert pids_with_marker(f"CROWNEST_RUN_ID={final['id']}") == []


async def test_restart_fails_runs_that_were_in_flight(
    make_backend: BackendFactory, mode: str, mode_args: tuple[str, ...]
) -> None:
    first = make_backend(extra_args=mode_args)
    async with client_for(first) as http:
        done = await run_to_end(http, "echo kept")
        run = await start_run(http, "echo before-crash; sleep 300")
        pids = await _tree_is_up_simple(http, run["id"])
        await _output_is_stored(http, run["id"], "before-crash\n")
        waiting = (await http.post("/v1/workspace-runs", json={"command": "true"})).json()
    # A crash that takes the run's supervisor down too (alone, the supervisor would end
    # the run when the backend dies: test_escaped_processes). The frozen backend cannot
    # notice its command's end; what is left of the run is the restart's to end. (In a
    # sandbox the supervisor is bwrap: its namespace, so the whole run, dies with it.)
    supervisor = os.getpgid(pids[0])
    os.kill(first.pid, signal.SIGSTOP)
    os.kill(supervisor, signal.SIGKILL)
    first.kill()  # a crash: nothing is cleaned up
    pids.remove(supervisor)
    if mode == "unsandboxed":
        assert any(alive(pid) for pid in pids)
    else:
        await wait_until(lambda: not any(alive(pid) for pid in pids))
    second = make_backend(state_dir=first.state_dir, extra_args=mode_args)
    assert second.token == first.token  # kept in the state dir
    async with client_for(second) as http:
        failed = (await http.get(f"/v1/workspace-runs/{run['id']}")).json()["workspaceRun"]
        assert failed["status"] == "failed"
        assert (failed["failureReason"], failed["failureClass"]) == ("internal_error", "platform")
        assert failed["orchestrationSucceeded"] is False
        assert [pid for pid in pids if alive(pid)] == []
        events = await all_events(http, run["id"])
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert output_of(events) == "before-crash\n"
        assert events[-1]["type"] == "terminal"
        kept = (await http.get(f"/v1/workspace-runs/{done['id']}")).json()["workspaceRun"]
        assert kept == done
        assert output_of(await all_events(http, done["id"])) == "kept\n"
        still = (await http.get(f"/v1/workspace-runs/{waiting['workspaceRun']['id']}")).json()
        assert still["workspaceRun"]["status"] == "awaiting_archive"
        assert (await http.get(f"/v1/workspace-runs/{run['id']}/evidence")).status_code == 200


async def _output_is_stored(http: httpx.AsyncClient, run_id: str, text: str) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while output_of(await all_events(http, run_id)) != text:
        assert asyncio.get_running_loop().time() < deadline, "the output was not stored"
        await asyncio.sleep(0.05)


async def _tree_is_up_simple(http: httpx.AsyncClient, run_id: str) -> list[int]:
    await wait_for(http, run_id, lambda r: r["status"] == "running")
    marker = f"CROWNEST_RUN_ID={run_id}"
    await wait_until(lambda: len(pids_with_marker(marker)) >= 2)  # supervisor and command
    return pids_with_marker(marker)


async def test_sigterm_stops_cleanly(
    make_backend: BackendFactory, mode_args: tuple[str, ...]
) -> None:
    server: LocalBackendProcess = make_backend(extra_args=mode_args)
    async with client_for(server) as http:
        run = await start_run(http, TREE)
        pids = await _tree_is_up(http, run["id"])
    os.kill(server.pid, signal.SIGTERM)
    assert server.proc.wait(15) == 0
    assert [pid for pid in pids if alive(pid)] == []
    again = make_backend(state_dir=server.state_dir)
    async with client_for(again) as http:
        final = (await http.get(f"/v1/workspace-runs/{run['id']}")).json()["workspaceRun"]
        assert (final["status"], final["failureReason"]) == ("failed", "internal_error")
