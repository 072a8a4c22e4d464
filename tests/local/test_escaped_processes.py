"""Through the real backend: no process of a run outlives it, even a daemon that escaped
with a double fork, ``setsid``, ``nohup`` and ``env -i``; exit codes and signals still
read as before. Each test runs in a sandbox (the daemon cannot leave the run's PID
namespace) and unsandboxed (the reaper, a child subreaper, keeps it as a descendant).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator

import httpx
import pytest

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.sandbox import namespace_members, pid_namespace
from tests.conftest import BackendFactory

from .escapes import (
    RunProcesses,
    adopted_by_reaper,
    daemon,
    has_escaped,
    kill_quietly,
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
def daemons() -> Iterator[list[int]]:
    """Host pids of the tests' daemons; any still alive afterwards is killed."""
    found: list[int] = []
    yield found
    kill_quietly(found)


def escaping(then: str = "echo up; sleep 300") -> str:
    """A run that starts an escaping daemon, waits until it is set up, then ``then``."""
    return f"{daemon()}; {wait_for_file()}; {then}"


async def daemon_is_up(
    http: httpx.AsyncClient, server: LocalBackendProcess, run_id: str, daemons: list[int]
) -> int:
    """The daemon's host pid, once it runs (it has left the run's group, session, marker)."""
    await wait_for(http, run_id, lambda r: r["status"] == "running")
    processes = RunProcesses(server, run_id)
    await wait_until(lambda: processes.daemon_pid() is not None)  # written with a rename
    inner = processes.daemon_pid()
    assert inner is not None
    pid = processes.host_pid(inner)
    assert pid is not None
    daemons.append(pid)
    assert alive(pid) and has_escaped(pid)
    return pid


async def test_an_escaped_daemon_is_gone_after_cancel(
    mode_http: httpx.AsyncClient, mode_backend: LocalBackendProcess, daemons: list[int]
) -> None:
    run = await start_run(mode_http, escaping())
    pid = await daemon_is_up(mode_http, mode_backend, run["id"], daemons)
    response = await mode_http.post(f"/v1/workspace-runs/{run['id']}/cancel")
    assert response.status_code == 200
    final = response.json()["workspaceRun"]
    assert (final["status"], final["failureClass"]) == ("canceled", "canceled")
    assert not alive(pid)  # gone by the time the run is terminal


async def test_an_escaped_daemon_is_gone_after_a_timeout(
    mode_http: httpx.AsyncClient, mode_backend: LocalBackendProcess, daemons: list[int]
) -> None:
    run = await start_run(mode_http, escaping(), timeoutMs=1500)
    pid = await daemon_is_up(mode_http, mode_backend, run["id"], daemons)
    final = await wait_for(mode_http, run["id"])
    assert (final["status"], final["failureReason"]) == ("failed", "timeout")
    assert final["exitCode"] == 128 + signal.SIGTERM  # the shell stopped on SIGTERM
    assert not alive(pid)


async def test_an_escaped_daemon_does_not_outlive_a_run_that_succeeded(
    mode_http: httpx.AsyncClient, mode_backend: LocalBackendProcess
) -> None:
    # keepSandbox: the workspace (with the daemon's pid file) stays for us to look at
    final = await run_to_end(mode_http, escaping(then="echo done"), keepSandbox=True)
    assert (final["status"], final["exitCode"]) == ("succeeded", 0)
    processes = RunProcesses(mode_backend, final["id"])
    inner = processes.daemon_pid()
    assert inner is not None
    assert processes.host_pid(inner) is None
    if processes.namespace is not None:  # sandboxed: the namespace itself is gone
        assert namespace_members(processes.namespace) == []


@pytest.mark.parametrize("code", [0, 3, 255])
async def test_the_exit_code_of_a_run_is_the_commands(
    mode_http: httpx.AsyncClient, code: int
) -> None:
    final = await run_to_end(mode_http, f"echo out; echo err >&2; exit {code}")
    assert final["exitCode"] == code
    assert final["status"] == ("succeeded" if code == 0 else "failed")
    events = await all_events(mode_http, final["id"])
    assert (output_of(events), output_of(events, "stderr")) == ("out\n", "err\n")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV])
async def test_a_run_killed_by_a_signal_reports_it(
    mode_http: httpx.AsyncClient, sig: signal.Signals
) -> None:
    final = await run_to_end(mode_http, f"echo before; kill -{sig.name[3:]} $$; echo after")
    assert final["exitCode"] == 128 + sig
    assert (final["status"], final["failureReason"]) == ("failed", "command_exit")
    assert output_of(await all_events(mode_http, final["id"])) == "before\n"


async def test_the_daemon_dies_with_the_backend(
    make_backend: BackendFactory, mode_args: tuple[str, ...], daemons: list[int]
) -> None:
    server = make_backend(extra_args=mode_args)
    async with client_for(server) as http:
        run = await start_run(http, escaping())
        pid = await daemon_is_up(http, server, run["id"], daemons)
    processes = RunProcesses(server, run["id"])
    if processes.namespace is None:
        await wait_until(lambda: adopted_by_reaper(pid))  # adopted by it, not by init
    else:  # adopted by the sandbox's init, and in the run's own PID namespace
        await wait_until(lambda: parent_of(pid) == processes.sandbox_init)
        assert pid_namespace(pid) == processes.namespace != pid_namespace(os.getpid())
    supervisor = parent_of(pid)
    server.kill()  # SIGKILL: the backend cleans nothing up
    await wait_until(lambda: not alive(pid) and not alive(supervisor))


async def test_a_run_that_never_stops_writing_dies_with_the_backend(
    make_backend: BackendFactory, mode_args: tuple[str, ...], daemons: list[int]
) -> None:
    """Its output never leaves the relay a quiet second: the backend's death must be
    noticed all the same (the relay went on writing into a broken pipe for ever)."""
    server = make_backend(extra_args=mode_args)
    async with client_for(server) as http:
        run = await start_run(http, escaping("while :; do echo tick; sleep 0.002; done"))
        pid = await daemon_is_up(http, server, run["id"], daemons)
    supervisor = parent_of(pid)
    server.kill()  # SIGKILL: the backend cleans nothing up
    await wait_until(lambda: not alive(pid) and not alive(supervisor))
