"""The failure filter an Insights row opens: asked of the server as ``failed``, kept
here by reason or exit code, described, cleared, and kept by the other filters' edits."""

from __future__ import annotations

from crownest_tui.api.models import WorkspaceRun
from crownest_tui.core.filters import RunFilters, failure_matches


def run(status: str, reason: str | None = None, exit_code: int | None = None) -> WorkspaceRun:
    return WorkspaceRun.model_validate(
        {
            "id": "wsr_1",
            "orgId": "org_1",
            "projectId": "prj_1",
            "status": status,
            "command": "true",
            "createdAt": "2026-11-28T12:00:00Z",
            "failureReason": reason,
            "exitCode": exit_code,
        }
    )


def test_a_reason_or_exit_code_keeps_only_those_failed_runs() -> None:
    timeout = RunFilters(failure=("reason", "timeout"))
    assert timeout.server_status == "failed" and not timeout.is_empty
    assert timeout.keeps(run("failed", "timeout"))
    assert not timeout.keeps(run("failed", "command_exit", 1))
    assert not timeout.keeps(run("succeeded"))
    exit_two = RunFilters(status="failed", failure=("exit", "2"))
    assert exit_two.keeps(run("failed", "command_exit", 2))
    assert not exit_two.keeps(run("failed", "command_exit", 1))
    assert not exit_two.keeps(run("failed"))
    assert failure_matches(run("failed"), ("reason", "(none)"))
    assert not failure_matches(run("canceled"), ("reason", "(none)"))


def test_it_is_described_and_survives_the_other_filters_edits() -> None:
    filters = RunFilters(status="failed", failure=("exit", "137"))
    assert filters.describe() == "status=failed exit=137"
    edited = filters.with_metadata("branch", "main").without_metadata("ci")
    assert edited.failure == ("exit", "137")
    assert RunFilters.build(status="failed").failure is None
