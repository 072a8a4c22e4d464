"""The CLI names the server it could not reach (issue 12, point 13)."""

from __future__ import annotations

import pytest

from crownest_tui.api import CrowNestClient
from crownest_tui.commands import exitcodes
from crownest_tui.commands.logs_cmd import run_logs
from tests.commands.capture import Captured
from tests.commands.support import parse


async def test_the_error_line_names_the_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured(monkeypatch)
    async with CrowNestClient("cn_local_x", "http://127.0.0.1:9/prefix", max_attempts=1) as api:
        assert await run_logs(parse("logs", "wsr_abc"), api) == exitcodes.UNAVAILABLE
    (line,) = captured.err.decode().splitlines()
    prefix = "crownest-tui: error: logs of wsr_abc: Connection problem with http://127.0.0.1:9: "
    assert line.startswith(prefix) and line.endswith("[connection_error]")
    assert "/prefix" not in line and "cn_local_x" not in line
