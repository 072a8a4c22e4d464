"""Snapshots of a failed run's detail screen at 80x24: real pytest output (the corpus,
captured under a pty) served by a scripted server, so ids and times stay fixed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.api.scripted_server import CREATED, RUN_ID, ScriptedRun, run_json
from tests.support import serve_app_in_thread

from .test_detail_snapshots import SnapCompare, SnapshotHost, streamed, until

CORPUS = Path(__file__).parent.parent / "core" / "corpus" / "pytest-color.raw"
SMALL = (80, 24)


def failed_run() -> dict[str, Any]:
    return {
        **run_json("failed"),
        "command": "pytest --color=yes --tb=short",
        "exitCode": 1,
        "failureClass": "user_command",
        "failureReason": "command_exit",
        "startedAt": "2026-11-28T10:00:01Z",
        "finishedAt": "2026-11-28T10:00:13Z",
        "durationMs": 12_400,
        "timeoutMs": 600_000,
    }


class FailedRun(ScriptedRun):
    """The scripted run, failed: GET, the evidence and the terminal event agree."""

    async def get_run(self, request: Request) -> Response:
        return JSONResponse({"workspaceRun": failed_run()})

    async def evidence(self, request: Request) -> Response:
        bundle = {k: v for k, v in failed_run().items() if k not in ("id", "keepSandbox")}
        return JSONResponse({"evidence": {"workspaceRunId": RUN_ID, **bundle}})


def pytest_events() -> list[dict[str, Any]]:
    """The corpus's output, a few lines an event, then the end."""
    lines = CORPUS.read_bytes().decode("utf-8").splitlines(keepends=True)
    events: list[dict[str, Any]] = [
        {"type": "status", "seq": 1, "createdAt": CREATED, "status": "running"}
    ]
    for start in range(0, len(lines), 3):
        data = "".join(lines[start : start + 3])
        events.append(
            {"type": "stdout", "seq": len(events) + 1, "createdAt": CREATED, "data": data}
        )
    final = {"type": "terminal", "seq": len(events) + 1, "createdAt": CREATED}
    events.append({**final, "workspaceRun": failed_run()})
    return events


@pytest.fixture
def failed_server() -> Iterator[tuple[int, int]]:
    events = pytest_events()
    with serve_app_in_thread(FailedRun(events).app()) as port:
        yield port, len(events)


def test_a_failed_run_opens_at_its_first_error(
    snap_compare: SnapCompare, failed_server: tuple[int, int]
) -> None:
    """One summary row where the header's border was; the log at the first E line."""
    port, count = failed_server
    app = SnapshotHost(port)
    assert snap_compare(app, run_before=until(streamed(count)), terminal_size=SMALL)


def test_x_shows_every_fact_stderr_and_error_line(
    snap_compare: SnapCompare, failed_server: tuple[int, int]
) -> None:
    port, count = failed_server
    app = SnapshotHost(port)
    assert snap_compare(app, run_before=until(streamed(count), "F"), terminal_size=SMALL)
