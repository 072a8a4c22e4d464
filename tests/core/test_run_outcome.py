"""Why a run ended, in words: the runs list's Why column and the failure summary's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crownest_tui.api.models import WorkspaceRun
from crownest_tui.core.run_outcome import (
    Level,
    exit_meaning,
    outcome_lines,
    short_duration,
    timing_line,
    why_cell,
)

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def run(status: str, **fields: Any) -> WorkspaceRun:
    started = fields.pop("started", NOW - timedelta(minutes=7))
    doc: dict[str, Any] = {
        "id": "wsr_outcome0001",
        "orgId": "org_demo",
        "projectId": "prj_demo",
        "status": status,
        "command": "pytest",
        "createdAt": (NOW - timedelta(minutes=8)).isoformat(),
        "startedAt": started.isoformat() if started else None,
        **fields,
    }
    return WorkspaceRun.model_validate(doc)


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (1, "general error"),
        (2, "misuse or usage error"),
        (126, "found but not executable"),
        (127, "command not found"),
        (130, "interrupted (SIGINT, Ctrl-C)"),
        (137, "killed (SIGKILL; often out of memory)"),
        (143, "terminated (SIGTERM)"),
        (134, "killed by signal 6 (SIGABRT)"),
        (129, "killed by signal 1 (SIGHUP)"),
        (42, "the command's own failure code"),
    ],
)
def test_exit_codes_in_words(code: int, meaning: str) -> None:
    assert exit_meaning(code) == meaning


@pytest.mark.parametrize(
    ("fields", "text", "level"),
    [
        (
            {"exitCode": 1, "failureClass": "user_command", "failureReason": "command_exit"},
            "exit 1",
            Level.ERROR,
        ),
        (
            {
                "exitCode": 137,
                "failureClass": "user_command",
                "failureReason": "timeout",
                "timeoutMs": 600_000,
            },
            "timeout 10m",
            Level.ERROR,
        ),
        ({"failureClass": "user_input", "failureReason": "archive_invalid"}, "archive invalid", 2),
        (
            {"failureClass": "platform", "failureReason": "sandbox_unavailable"},
            "sandbox unavailable",
            2,
        ),
        ({"failureClass": "platform", "failureReason": "brand_new_reason"}, "brand new reason", 2),
        ({"failureClass": "platform"}, "platform", Level.ERROR),
    ],
)
def test_failed_runs_say_why(fields: dict[str, Any], text: str, level: Level | int) -> None:
    cell = why_cell(run("failed", **fields), NOW)
    assert cell.text == text
    assert cell.level == (Level.ERROR if level == 2 else level)


def test_canceled_succeeded_and_waiting_runs() -> None:
    canceled = run("canceled", failureClass="canceled", exitCode=143)
    assert why_cell(canceled, NOW).text == "canceled"
    assert why_cell(run("succeeded", exitCode=0), NOW).text == "exit 0"
    assert why_cell(run("succeeded", exitCode=0), NOW).level == Level.PLAIN
    assert why_cell(run("awaiting_archive", started=None), NOW).text == ""


def test_running_runs_show_time_against_the_timeout_and_warn_past_80_percent() -> None:
    assert why_cell(run("running", timeoutMs=600_000), NOW).text == "7m / 10m"
    assert why_cell(run("running", timeoutMs=600_000), NOW).level == Level.PLAIN
    late = run("running", timeoutMs=600_000, started=NOW - timedelta(minutes=8, seconds=5))
    assert why_cell(late, NOW).text == "8m05s / 10m" and why_cell(late, NOW).level == Level.WARNING
    assert why_cell(run("running"), NOW).text == "no timeout"


def test_short_durations() -> None:
    assert [short_duration(s) for s in (0.8, 1, 45, 600, 150, 3600, 5400)] == [
        "0.8s",
        "1s",
        "45s",
        "10m",
        "2m30s",
        "1h",
        "1h30m",
    ]


def test_outcome_lines_explain_the_exit_class_reason_and_timing() -> None:
    timed_out = run(
        "failed",
        exitCode=137,
        failureClass="user_command",
        failureReason="timeout",
        timeoutMs=600_000,
        durationMs=600_400,
    )
    assert outcome_lines(timed_out, NOW) == [
        "timeout: stopped after 10m 00s",
        "exit 137: killed (SIGKILL; often out of memory)",
        "user command: the command failed",
        "ran 10m 00s of a 10m 00s timeout (100%)",
    ]
    invalid = run(
        "failed", failureClass="user_input", failureReason="archive_invalid", started=None
    )
    assert outcome_lines(invalid, NOW) == [
        "archive invalid: the archive is not a valid .tar.gz",
        "user input: the input was refused (archive or request)",
        "never started",
    ]
    exited = run("failed", exitCode=1, failureClass="user_command", failureReason="command_exit")
    assert outcome_lines(exited, NOW)[:2] == [
        "exit 1: general error",
        "user command: the command failed",
    ]
    assert timing_line(run("failed", exitCode=1, durationMs=12_000), NOW) == "ran 12s (no timeout)"
