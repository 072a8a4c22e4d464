"""Through the real backend: no process of a run outlives it, even a daemon that escaped
with a double fork, ``setsid`` and ``env -i``; exit codes and signals still read as before.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BackendFactory

from .escapes import (
    adopted_by_reaper,
    daemon,
    daemon_pid,
    has_escaped,
    kill_daemon,
    parent_of,
    wait_for_file,
)
from .support import (
    alive,
    all_events,
    client_for,
    output_of,
    run_to_end,
    start_run,
    wait_for,
    wait_until,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


@pytest.fixture
def pid_file(tmp_path: Path) -> Iterator[Path]:
    """Where the run's daemon writes its pid; if it is still alive afterwards, it is killed."""
    path = tmp_path / "daemon.pid"
    yield path
    kill_daemon(path)


def escaping(pid_file: Path, then: str = "echo up; sleep 300") -> str:
    """A run that starts an escaping daemon, waits until it is set up, then ``then``."""
    return f"{daemon(pid_file)}; {wait_for_file(pid_file)}; {then}"


async def daemon_is_up(http: httpx.AsyncClient, run_id: str, pid_file: Path) -> int:
    await wait_for(http, run_id, lambda r: r["status"] == "running")
    await wait_until(pid_file.exists)  # written with a rename: complete when it exists
    pid = daemon_pid(pid_file)
    assert alive(pid) and has_escaped(pid)  # the run's group, session and marker lost it
    return pid


async def test_an_escaped_daemon_is_gone_after_cancel(
    http: httpx.AsyncClient, pid_file: Path
) -> None:
    run = await start_run(http, escaping(pid_file))
    pid = await daemon_is_up(http, run["id"], pid_file)
    response = await http.post(f"/v1/workspace-runs/{run['id']}/cancel")
    assert response.status_code == 200
    final = response.json()["workspaceRun"]
    assert (final["status"], final["failureClass"]) == ("canceled", "canceled")
    assert not alive(pid)  # gone by the time the run is terminal


async def test_an_escaped_daemon_is_gone_after_a_timeout(
    http: httpx.AsyncClient, pid_file: Path
) -> None:
    run = await start_run(http, escaping(pid_file), timeoutMs=1500)
    pid = await daemon_is_up(http, run["id"], pid_file)
    final = await wait_for(http, run["id"])
    assert (final["status"], final["failureReason"]) == ("failed", "timeout")
    assert final["exitCode"] == 128 + signal.SIGTERM  # the shell stopped on SIGTERM
    assert not alive(pid)


async def test_an_escaped_daemon_does_not_outlive_a_run_that_succeeded(
    http: httpx.AsyncClient, pid_file: Path
) -> None:
    final = await run_to_end(http, escaping(pid_file, then="echo done"))
    assert (final["status"], final["exitCode"]) == ("succeeded", 0)
    assert not alive(daemon_pid(pid_file))


@pytest.mark.parametrize("code", [0, 3, 255])
async def test_the_exit_code_of_a_run_is_the_commands(http: httpx.AsyncClient, code: int) -> None:
    final = await run_to_end(http, f"echo out; echo err >&2; exit {code}")
    assert final["exitCode"] == code
    assert final["status"] == ("succeeded" if code == 0 else "failed")
    events = await all_events(http, final["id"])
    assert (output_of(events), output_of(events, "stderr")) == ("out\n", "err\n")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV])
async def test_a_run_killed_by_a_signal_reports_it(
    http: httpx.AsyncClient, sig: signal.Signals
) -> None:
    final = await run_to_end(http, f"echo before; kill -{sig.name[3:]} $$; echo after")
    assert final["exitCode"] == 128 + sig
    assert (final["status"], final["failureReason"]) == ("failed", "command_exit")
    assert output_of(await all_events(http, final["id"])) == "before\n"


async def test_the_daemon_dies_with_the_backend(
    make_backend: BackendFactory, pid_file: Path
) -> None:
    server = make_backend()
    async with client_for(server) as http:
        run = await start_run(http, escaping(pid_file))
        pid = await daemon_is_up(http, run["id"], pid_file)
    await wait_until(lambda: adopted_by_reaper(pid))  # adopted by it, not by init
    supervisor = parent_of(pid)
    server.kill()  # SIGKILL: the backend cleans nothing up
    await wait_until(lambda: not alive(pid) and not alive(supervisor))
