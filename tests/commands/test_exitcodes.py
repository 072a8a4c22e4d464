"""Exit statuses: a run's own code, and one distinct status per kind of error."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from crownest_tui.api import CrowNestClient, CrowNestError, WorkspaceRun, resolve_connection
from crownest_tui.commands import exitcodes
from crownest_tui.commands.runner import run_command


def run(status: str, exit_code: int | None) -> WorkspaceRun:
    fields: dict[str, Any] = {
        "id": "wsr_1",
        "orgId": "org_1",
        "projectId": "prj_1",
        "status": status,
        "command": "true",
        "createdAt": "2026-01-01T00:00:00Z",
        "exitCode": exit_code,
    }
    return WorkspaceRun.model_validate(fields)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        ("succeeded", 0, 0),
        ("succeeded", None, 0),
        ("failed", 3, 3),
        ("failed", None, 1),
        ("failed", 0, 1),  # e.g. artifacts failed: never look successful
        ("canceled", None, 1),
        ("failed", -9, 137),
        ("failed", 300, 1),
    ],
)
def test_run_exit_status(status: str, code: int | None, expected: int) -> None:
    assert exitcodes.for_run(run(status, code)) == expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CrowNestError("x", code="missing_credential"), exitcodes.NOT_ALLOWED),
        (CrowNestError("x", code="invalid_api_key", status=401), exitcodes.NOT_ALLOWED),
        (CrowNestError("x", code="forbidden", status=403), exitcodes.NOT_ALLOWED),
        (CrowNestError("x", code="not_found", status=404), exitcodes.NOT_FOUND),
        (CrowNestError("x", code="connection_error"), exitcodes.UNAVAILABLE),
        (CrowNestError("x", code="unavailable", status=503), exitcodes.UNAVAILABLE),
        (CrowNestError("x", code="rate_limited", status=429), exitcodes.UNAVAILABLE),
        (CrowNestError("x", code="invalid_metadata_key", status=400), exitcodes.REFUSED),
        (CrowNestError("x", code="file_too_large", status=413), exitcodes.REFUSED),
        (CrowNestError("x", code="invalid_response", status=200), exitcodes.PROTOCOL),
        (CrowNestError("x", code="stream_gap"), exitcodes.PROTOCOL),
    ],
)
def test_error_statuses(error: CrowNestError, expected: int) -> None:
    assert exitcodes.for_error(error) == expected


def test_error_line_is_one_inert_line(capsys: pytest.CaptureFixture[str]) -> None:
    error = CrowNestError("bad\x1b]0;title\x07 thing\nsecond line", code="invalid_request")
    assert exitcodes.fail_api(error, "runs") == exitcodes.PROTOCOL
    assert capsys.readouterr().err == (
        "crownest-tui: error: runs: bad thing second line [invalid_request]\n"
    )


def test_statuses_are_distinct() -> None:
    names = [n for n in dir(exitcodes) if n.isupper()]
    values = [getattr(exitcodes, n) for n in names]
    assert len(set(values)) == len(values)


def test_runner_maps_ctrl_c_and_command_failures() -> None:
    connection = resolve_connection("cn_local_x", "http://127.0.0.1:9")

    async def interrupted(args: argparse.Namespace, client: CrowNestClient) -> int:
        raise KeyboardInterrupt

    async def failed(args: argparse.Namespace, client: CrowNestClient) -> int:
        raise exitcodes.CommandFailed(exitcodes.REFUSED)

    async def fine(args: argparse.Namespace, client: CrowNestClient) -> int:
        return 7

    namespace = argparse.Namespace()
    assert run_command(interrupted, namespace, connection) == exitcodes.INTERRUPTED
    assert run_command(failed, namespace, connection) == exitcodes.REFUSED
    assert run_command(fine, namespace, connection) == 7
