"""A known week of runs for the Insights screen, seeded through the backend's test hooks.

Deterministic (a fixed random seed, fixed ids, times relative to :data:`WEEK_NOW`), so a
frozen-clock snapshot of the screen is the same on every machine. The mix: three
projects on three templates, busier in working hours, a failure rate that climbs over
the last two days on one project, timeouts and exit codes, canceled runs, and five
runs in progress (one past 80% of its timeout, one older than the last hour).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crownest_tui.local.process import LocalBackendProcess
from tests.ui.conftest import hook

WEEK_NOW = datetime(2026, 11, 28, 14, 30, 0, tzinfo=UTC)
PROJECT_NAMES = ("storefront-web", "payments-api", "data-pipeline")
TEMPLATES = ("python-node", "python", "base")
#: Typical duration (seconds) per template.
TYPICAL = {"python-node": 40.0, "python": 150.0, "base": 600.0}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SeededWeek:
    """What was seeded: project ids by name, and how many runs."""

    projects: dict[str, str]
    runs: int


def _ended(rng: random.Random, n: int, created: datetime, project: int) -> dict[str, Any]:
    template = TEMPLATES[(n + project) % len(TEMPLATES)]
    seconds = rng.lognormvariate(0, 0.6) * TYPICAL[template]
    days_ago = (WEEK_NOW - created).total_seconds() / 86_400
    fail_odds = 0.08 + (0.25 if project == 1 and days_ago < 2 else 0.0)
    roll = rng.random()
    run: dict[str, Any] = {"template": template, "timeoutMs": 3_600_000}
    if roll < fail_odds:
        kind = rng.random()
        if kind < 0.55:
            run.update(failureReason="command_exit", failureClass="user_command")
            run["exitCode"] = rng.choice((1, 1, 1, 2, 2, 137))
        elif kind < 0.8:
            run.update(failureReason="timeout", failureClass="user_command", exitCode=124)
            seconds = 3600.0
        else:
            run.update(failureReason="sandbox_unavailable", failureClass="platform")
            seconds = rng.uniform(1, 4)
        run["status"] = "failed"
    elif roll < fail_odds + 0.04:
        run.update(status="canceled", failureClass="canceled")
        seconds = min(seconds, rng.uniform(5, 60))
    else:
        run.update(status="succeeded", exitCode=0)
    started = created + timedelta(seconds=2)
    run.update(
        startedAt=_iso(started),
        finishedAt=_iso(started + timedelta(seconds=seconds)),
        durationMs=int(seconds * 1000),
    )
    return run


def week_runs(projects: list[str]) -> list[dict[str, Any]]:
    """The seeded runs, oldest first (the order they are stored in)."""
    rng = random.Random(17)
    runs: list[dict[str, Any]] = []
    moment = WEEK_NOW - timedelta(days=7) + timedelta(minutes=7)
    n = 0
    while moment < WEEK_NOW - timedelta(minutes=40):
        busy = 9 <= moment.hour < 19 and moment.weekday() < 5
        gap = rng.expovariate(1 / (25 if busy else 80))
        moment += timedelta(minutes=gap)
        project = rng.choice((0, 0, 1, 1, 2))
        run = _ended(rng, n, moment, project)
        run.update(
            id=f"wsr_week{n:06d}",
            projectId=projects[project],
            command=f"sh ci.sh {('test', 'build', 'lint', 'deploy')[n % 4]}",
            createdAt=_iso(moment),
            metadata={"branch": ("main", "release/1.4")[n % 2]},
        )
        runs.append(run)
        n += 1
    for i, (minutes, timeout_minutes) in enumerate(((95, None), (44, 50), (20, 60), (6, 30))):
        started = WEEK_NOW - timedelta(minutes=minutes)
        runs.append(
            {
                "id": f"wsr_live{i:06d}",
                "projectId": projects[i % len(projects)],
                "template": TEMPLATES[i % len(TEMPLATES)],
                "command": f"python3 run_tests.py --shard {i}",
                "status": "running",
                "createdAt": _iso(started - timedelta(seconds=3)),
                "startedAt": _iso(started),
                "timeoutMs": None if timeout_minutes is None else timeout_minutes * 60_000,
                "metadata": {"branch": "main"},
            }
        )
    runs.append(
        {
            "id": "wsr_live000009",
            "projectId": projects[0],
            "command": "sh ci.sh check",
            "status": "awaiting_archive",
            "createdAt": _iso(WEEK_NOW - timedelta(minutes=2)),
            "metadata": {"branch": "main"},
        }
    )
    return sorted(runs, key=lambda run: str(run["createdAt"]))


def seed_week(backend: LocalBackendProcess) -> SeededWeek:
    """Create the projects and the week's runs on an empty backend."""
    ids = [hook(backend, "projects", {"name": name})["project"]["id"] for name in PROJECT_NAMES]
    runs = week_runs(ids)
    hook(backend, "seed-runs", {"runs": runs})
    return SeededWeek(dict(zip(PROJECT_NAMES, ids, strict=True)), len(runs))
