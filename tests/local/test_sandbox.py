"""Each run in its own sandbox: what a run tries against the host fails, as its own error.

Real runs on the real backend; each attempt is the run's command, so a refused one
ends the run ``failed`` (``command_exit``) with the reason in its own stderr, and the
backend goes on serving. Skipped where bubblewrap cannot run (the reason is shown).
"""

from __future__ import annotations

import os
import pwd
import shlex
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crownest_tui.local.process import LocalBackendProcess
from tests.conftest import BackendFactory

from .support import (
    all_events,
    client_for,
    output_of,
    run_to_end,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


async def attempt(http: httpx.AsyncClient, command: str, **fields: Any) -> tuple[str, str, str]:
    """Run ``command``; (final status, stdout, stderr)."""
    final = await run_to_end(http, command, **fields)
    events = await all_events(http, final["id"])
    return final["status"], output_of(events), output_of(events, "stderr")


async def refused(http: httpx.AsyncClient, command: str, reason: str) -> None:
    """``command`` fails, as the run's own error, saying ``reason`` on its stderr."""
    final = await run_to_end(http, command)
    events = await all_events(http, final["id"])
    assert (final["status"], final["failureReason"], final["failureClass"]) == (
        "failed",
        "command_exit",
        "user_command",
    ), final
    assert reason in output_of(events, "stderr")


@pytest.fixture
async def sandbox_http(
    sandboxed_backend: LocalBackendProcess,
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sandboxed_backend) as client:
        yield client


async def test_the_run_sees_its_own_workspace_home_and_tmp(sandbox_http: httpx.AsyncClient) -> None:
    script = (
        'echo "$PWD $HOME $TMPDIR $(pwd)"; hostname; '
        "touch /workspace/w $HOME/h /tmp/t /var/tmp/v && echo writable; ls /"
    )
    status, out, err = await attempt(sandbox_http, script)
    assert status == "succeeded", err
    lines = out.splitlines()
    assert lines[0] == "/workspace /home/crownest /tmp /workspace"
    assert lines[1:3] == ["crownest", "writable"]
    assert set(lines[3:]) <= {"bin", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32"} | {
        "opt",
        "proc",
        "sbin",
        "tmp",
        "usr",
        "var",
        "workspace",
    }


@pytest.mark.parametrize(
    "what", ["the real home", "a file of the host", "the token", "the database", "another run"]
)
async def test_a_run_cannot_read_what_is_not_its_own(
    what: str,
    sandbox_http: httpx.AsyncClient,
    sandboxed_backend: LocalBackendProcess,
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret\n")
    other = await start_run(sandbox_http, "sleep 30", {"mine.txt": "other run's\n"})
    await wait_for(sandbox_http, other["id"], lambda run: run["status"] == "running")
    state = sandboxed_backend.state_dir
    target = {
        "the real home": Path(pwd.getpwuid(os.getuid()).pw_dir),
        "a file of the host": secret,
        "the token": state / "token",
        "the database": state / "state.sqlite3",
        "another run": state / "workspaces" / other["id"] / "mine.txt",
    }[what]
    assert target.exists()  # it is there, on the host
    verb = "ls" if target.is_dir() else "cat"
    await refused(sandbox_http, f"{verb} {shlex.quote(str(target))}", "No such file or directory")
    await sandbox_http.post(f"/v1/workspace-runs/{other['id']}/cancel")


@pytest.mark.parametrize(
    "path", ["/usr/bin/evil", "/etc/evil", "/evil", "/home/other", "/opt/crownest/bin/evil"]
)
async def test_a_run_cannot_write_outside_workspace_and_tmp(
    path: str, sandbox_http: httpx.AsyncClient
) -> None:
    await refused(sandbox_http, f"mkdir {path}", "Read-only file system")


async def test_secrets_of_the_system_are_hidden(sandbox_http: httpx.AsyncClient) -> None:
    # What a stranger on this machine could not read stays unreadable, even to a
    # sandbox run by root: an empty file stands in for it.
    status, out, err = await attempt(sandbox_http, "wc -c < /etc/shadow")
    assert (status, out.strip()) == ("succeeded", "0"), err


async def test_a_run_cannot_find_or_change_the_dashboards_venv(
    sandbox_http: httpx.AsyncClient,
) -> None:
    venv = shlex.quote(sys.prefix)
    await refused(sandbox_http, f"ls {venv}", "No such file or directory")
    await refused(sandbox_http, f"touch {venv}/pyvenv.cfg", "No such file or directory")
    await refused(sandbox_http, "python3 -c 'import crownest_tui'", "No module named")
    status, out, _ = await attempt(
        sandbox_http, "python3 -c 'import sys; print(sys.executable, sys.prefix)'"
    )
    assert (status, out) == ("succeeded", "/usr/bin/python3 /usr\n")


async def test_a_run_cannot_signal_the_backend_or_us(
    sandbox_http: httpx.AsyncClient, sandboxed_backend: LocalBackendProcess
) -> None:
    for pid in (sandboxed_backend.pid, os.getpid()):
        await refused(sandbox_http, f"kill -TERM {pid}", "No such process")
    assert sandboxed_backend.running
    assert (await sandbox_http.get("/v1/projects")).status_code == 200


async def test_no_network_means_none(
    make_backend: BackendFactory, sandboxed_backend: LocalBackendProcess
) -> None:
    connect = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"
    for extra, reason in ((("--no-network",), "Connection refused"), ((), None)):
        server = make_backend(extra_args=extra)
        port = server.url.rsplit(":", 1)[1]
        async with client_for(server) as http:
            status, _, err = await attempt(http, f"python3 -c {shlex.quote(connect)} {port}")
        if reason is None:  # the host's network by default: the backend answers there
            assert status == "succeeded", err
        else:
            assert status == "failed" and reason in err
