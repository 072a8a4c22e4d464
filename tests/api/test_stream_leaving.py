"""Leaving an event stream early closes its connection at once, and prints nothing.

Each case runs ``leave_stream.py`` in a child ``python -W error -X dev`` (asyncio debug
mode: un-awaited coroutines, pending tasks, unclosed transports and errors while
closing async generators all reach stderr) against the local backend, through a
loopback proxy that counts the connections the client closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui.api import CreateRunRequest, CrowNestClient
from crownest_tui.local.process import LocalBackendProcess
from tests.faultproxy import FaultProxy
from tests.launch.support import client_for

SCRIPT = Path(__file__).with_name("leave_stream.py")
PROMPT = 3.0  # seconds: far longer than a close takes, far shorter than "never"


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


async def wait_for_close(proxy: FaultProxy, seconds: float) -> float | None:
    """Seconds until the proxy saw the client close a connection, or None."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if proxy.client_closes:
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    return None


async def leave_early(
    backend: LocalBackendProcess, run_id: str, how: str, close: str, then: str = "wait"
) -> tuple[float | None, int, bytes]:
    """Run the script; return (seconds to the close after it left, exit status, stderr)."""
    async with FaultProxy(int(backend.url.rsplit(":", 1)[1])) as proxy:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-W",
            "error",
            "-X",
            "dev",
            str(SCRIPT),
            proxy.url,
            backend.token,
            run_id,
            how,
            close,
            then,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            line = await asyncio.wait_for(child.stdout.readline(), 60)
            waits = line == b"left\n" and then == "wait"
            closed_after = await wait_for_close(proxy, PROMPT) if waits else None
            child.stdin.write(b"go\n")
            with contextlib.suppress(ConnectionError):
                await child.stdin.drain()
            _, err = await asyncio.wait_for(child.communicate(), 30)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    assert line == b"left\n", err.decode(errors="replace")
    return closed_after, child.returncode or 0, err


@pytest.mark.parametrize(
    ("how", "close"),
    [
        ("break", "none"),
        ("return", "none"),
        ("raise", "none"),
        ("cancel", "none"),
        ("break-batches", "none"),
        ("cancel-batches", "none"),
        ("break", "with"),
        ("raise", "aclose"),
        ("cancel", "with"),
    ],
)
async def test_leaving_the_loop_closes_the_connection_quietly(
    backend: LocalBackendProcess, api: CrowNestClient, how: str, close: str
) -> None:
    # A run awaiting its archive: a status event, then heartbeats for as long as we stay.
    run = await api.create_run(CreateRunRequest(command="true"))
    closed_after, status, err = await leave_early(backend, run.id, how, close)
    assert closed_after is not None, "the connection stayed open after the loop was left"
    assert err == b""
    assert status == 0


@pytest.mark.parametrize("how", ["break", "cancel", "raise-batches"])
async def test_exiting_right_after_leaving_prints_nothing(
    backend: LocalBackendProcess, api: CrowNestClient, how: str
) -> None:
    """asyncio.run shuts the loop down at once: the close must not race with it."""
    run = await api.create_run(CreateRunRequest(command="true"))
    _, status, err = await leave_early(backend, run.id, how, "none", then="exit")
    assert err == b""
    assert status == 0
