"""Our own notices never mix with a run's bytes (issue 12, point 16)."""

from __future__ import annotations

import asyncio

import pytest

from crownest_tui.cli import run
from crownest_tui.local.process import start_local_backend
from crownest_tui.local.server import default_state_dir
from crownest_tui.notice import notice
from tests.commands.capture import Captured
from tests.local.support import client_for, run_to_end


def test_logs_local_into_a_file_gets_the_run_s_stderr_alone(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # A finished run in the local backend's persistent state (an isolated data dir).
    with start_local_backend(default_state_dir()) as backend:

        async def make() -> str:
            async with client_for(backend) as http:
                done = await run_to_end(http, "printf 'out\\n'; printf 'the run says\\n' >&2")
            return str(done["id"])

        run_id = asyncio.run(make())
    capfd.readouterr()
    assert run(["logs", run_id, "--local"]) == 0  # `crownest-tui logs ID --local 2>err`
    out, err = capfd.readouterr()
    assert (out, err) == ("out\n", "the run says\n")


def test_a_notice_shows_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured(monkeypatch, tty=True)
    notice("starting the local CrowNest backend …")
    assert captured.err == "starting the local CrowNest backend …\n".encode()


def test_a_notice_stays_out_of_a_redirected_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured(monkeypatch)
    notice("starting the local CrowNest backend …")
    assert captured.err == b""
