"""``crownest-tui insights --json``: the Insights figures for scripts, through the CLI,
from runs seeded exactly (the backend's test hook) in the last hour and day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crownest_tui.cli import run
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from tests.ui.conftest import hook, new_suite


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_insights_json_prints_the_figures(
    backend: LocalBackendProcess,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    suite = new_suite()
    now = datetime.now(UTC)
    runs = [
        {"createdAt": _iso(now - timedelta(hours=30)), "status": "succeeded", "durationMs": 9},
        {
            "createdAt": _iso(now - timedelta(hours=5)),
            "status": "failed",
            "failureReason": "timeout",
            "exitCode": 124,
            "durationMs": 60_000,
        },
        {"createdAt": _iso(now - timedelta(hours=4)), "status": "succeeded", "durationMs": 2000},
        {
            "createdAt": _iso(now - timedelta(minutes=20)),
            "startedAt": _iso(now - timedelta(minutes=19)),
            "status": "running",
            "timeoutMs": 20 * 60_000,
        },
    ]
    hook(backend, "seed-runs", {"runs": [{**r, "metadata": {"suite": suite}} for r in runs]})
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    config = tmp_path / "config.toml"
    config.write_text("[ui]\nconcurrency = 2\n")
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(config))
    argv = ["insights", "--json", "--api-url", backend.url, "--metadata", f"suite={suite}"]
    assert run(argv) == 0
    day = json.loads(capfd.readouterr().out)
    assert day["window"] == "24h" and day["runs"] == 3 and day["fetched"] >= 4
    assert day["results"] == {"succeeded": 1, "failed": 1, "canceled": 0, "active": 1}
    assert day["rate"] == 0.5 and len(day["buckets"]) == 24
    assert day["reasons"] == [{"kind": "reason", "value": "timeout", "count": 1}]
    assert day["exit_codes"] == [{"kind": "exit", "value": "124", "count": 1}]
    assert day["holding"] == 1 and day["concurrency"] == 2  # from [ui] concurrency
    assert [a["near_timeout"] for a in day["active"]] == [True]
    assert sum(n["runs"] for n in day["histogram"]) == 2
    assert day["projects"][0]["name"] == "Default"  # the project runs go to by default

    assert run([*argv, "--window", "1h", "--concurrency", "25"]) == 0
    hour = json.loads(capfd.readouterr().out)
    assert hour["runs"] == 1 and hour["concurrency"] == 25
    assert run([*argv, "--window", "7d"]) == 0
    assert json.loads(capfd.readouterr().out)["runs"] == 4


def test_a_bad_window_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["insights", "--json", "--window", "2d"]) == 2
    assert "invalid choice: '2d'" in capsys.readouterr().err


def test_without_json_the_dashboard_opens_on_insights(
    backend: LocalBackendProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[CrowNestApp] = []
    monkeypatch.setattr(CrowNestApp, "run", lambda app, *a, **k: opened.append(app))
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    config = tmp_path / "config.toml"
    config.write_text("[ui]\nconcurrency = 100\n")
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(config))
    argv = ["insights", "--api-url", backend.url, "--window", "1h", "--status", "failed"]
    assert run(argv) == 0
    (app,) = opened
    assert app.open_insights == "1h" and app.concurrency == 100
    assert app.options.filters == RunFilters.build(status="failed")
