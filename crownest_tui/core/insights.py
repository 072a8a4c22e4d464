"""The Insights figures: a window of runs bucketed, rated and ranked (no UI, no I/O).

:func:`summarize` turns the :class:`RunFacts` of a :class:`Window` (both in
``insight_runs``) into :class:`Insights`, the one
value the screen's charts, its tables and ``crownest-tui insights --json`` all show.

Definitions (each figure says what it counts):

* result: ``succeeded``, ``failed``, ``canceled``, or ``active`` for any other
  status (known or not: a status this client does not know is not terminal);
* failure rate: failed ÷ (succeeded + failed); canceled and active runs count for
  neither, so canceling a run never moves the rate;
* duration: ``durationMs`` of ended runs that have one; percentiles are
  nearest-rank (the value of a real run, never an interpolation);
* "holding a sandbox" (against the profile's concurrency): active runs past
  ``archive_uploaded`` (starting, extracting, running, collecting, or unknown).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .insight_runs import RESULTS, RunFacts, Window

__all__ = [
    "DURATION_BINS",
    "RESULTS",
    "ActiveRun",
    "Bucket",
    "GroupFigures",
    "Insights",
    "Ranked",
    "RunFacts",
    "Window",
    "failure_rate",
    "histogram",
    "percentile",
    "summarize",
]

#: An active run past this share of its timeout is marked in "Now".
NEAR_TIMEOUT = 0.8
TOP_N = 8
#: Duration histogram bins: (upper bound in seconds, label); the last is open.
DURATION_BINS: tuple[tuple[float, str], ...] = (
    (1, "< 1s"),
    (5, "1-5s"),
    (15, "5-15s"),
    (30, "15-30s"),
    (60, "30s-1m"),
    (120, "1-2m"),
    (300, "2-5m"),
    (600, "5-10m"),
    (1800, "10-30m"),
    (3600, "30m-1h"),
    (math.inf, "≥ 1h"),
)


_BIN_UPPERS_MS = [upper * 1000 for upper, _label in DURATION_BINS[:-1]]


def percentile(sorted_values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1) of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def failure_rate(succeeded: int, failed: int) -> float | None:
    """failed ÷ (succeeded + failed); ``None`` when neither happened."""
    ended = succeeded + failed
    return None if ended == 0 else failed / ended


@dataclass(frozen=True)
class Bucket:
    """Runs started (created) in one bucket of the window, by result."""

    start: float
    succeeded: int = 0
    failed: int = 0
    canceled: int = 0
    active: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.canceled + self.active

    @property
    def rate(self) -> float | None:
        return failure_rate(self.succeeded, self.failed)


@dataclass(frozen=True)
class GroupFigures:
    """One project's or template's runs: counts, failure rate, duration percentiles."""

    key: str
    runs: int
    succeeded: int
    failed: int
    rate: float | None
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class Ranked:
    """A failure reason or exit code and how many failed runs had it."""

    kind: str  # "reason" | "exit"
    value: str
    count: int


@dataclass(frozen=True)
class ActiveRun:
    """A run in progress, for "Now" (age in seconds; ``timeout_share`` 0..)."""

    id: str
    project_id: str
    status: str
    command: str
    age: float
    timeout_share: float | None

    @property
    def near_timeout(self) -> bool:
        return self.timeout_share is not None and self.timeout_share >= NEAR_TIMEOUT


@dataclass(frozen=True)
class Insights:
    """Every figure of one window (see the module docstring for the definitions)."""

    window: str
    start: float
    end: float
    bucket_seconds: int
    runs: int
    results: dict[str, int]
    rate: float | None
    buckets: list[Bucket]
    projects: list[GroupFigures]
    templates: list[GroupFigures]
    histogram: list[tuple[str, int]]
    p50_ms: float | None
    p95_ms: float | None
    reasons: list[Ranked]
    exit_codes: list[Ranked]
    active: list[ActiveRun]
    holding: int
    concurrency: int | None = None

    def to_json(self, project_names: dict[str, str] | None = None) -> dict[str, Any]:
        """The figures as JSON-ready data (times as ISO-8601 UTC)."""
        names = project_names or {}

        def iso(value: float) -> str:
            return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")

        data = asdict(self)
        data["start"], data["end"] = iso(self.start), iso(self.end)
        for bucket in data["buckets"]:
            bucket["start"] = iso(bucket["start"])
        for project in data["projects"]:
            project["name"] = names.get(project["key"], "")
        for run in data["active"]:
            run["near_timeout"] = run["timeout_share"] is not None and (
                run["timeout_share"] >= NEAR_TIMEOUT
            )
        data["histogram"] = [{"bin": label, "runs": n} for label, n in self.histogram]
        return data


def _group(key: str, results: Counter[str], durations: list[float]) -> GroupFigures:
    durations.sort()
    return GroupFigures(
        key=key,
        runs=results.total(),
        succeeded=results["succeeded"],
        failed=results["failed"],
        rate=failure_rate(results["succeeded"], results["failed"]),
        p50_ms=percentile(durations, 0.5),
        p95_ms=percentile(durations, 0.95),
    )


def _durations(facts: Iterable[RunFacts]) -> list[float]:
    """Sorted durations (ms) of the ended runs that have one."""
    return sorted(
        float(f.duration_ms) for f in facts if f.duration_ms is not None and f.result != "active"
    )


def _groups(facts: Iterable[RunFacts], key: str) -> list[GroupFigures]:
    results: dict[str, Counter[str]] = {}
    durations: dict[str, list[float]] = {}
    for fact in facts:
        name = getattr(fact, key) or "(none)"
        found = results.get(name)
        if found is None:
            found, durations[name] = results.setdefault(name, Counter()), []
        found[fact.result] += 1
        if fact.duration_ms is not None and fact.result != "active":
            durations[name].append(float(fact.duration_ms))
    figures = [_group(name, results[name], durations[name]) for name in results]
    return sorted(figures, key=lambda g: (-g.runs, g.key))


def histogram(durations_ms: Iterable[float]) -> list[tuple[str, int]]:
    """How many durations fall in each of :data:`DURATION_BINS`."""
    counts = [0] * len(DURATION_BINS)
    for value in durations_ms:
        counts[bisect.bisect_right(_BIN_UPPERS_MS, value)] += 1
    return [(label, n) for (_upper, label), n in zip(DURATION_BINS, counts, strict=True)]


def _ranked(kind: str, counter: Counter[str]) -> list[Ranked]:
    top = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_N]
    return [Ranked(kind, value, count) for value, count in top]


def _active(facts: Iterable[RunFacts], now: float) -> list[ActiveRun]:
    found = []
    for fact in facts:
        if fact.result != "active":
            continue
        age = max(0.0, now - (fact.started if fact.started is not None else fact.created))
        share = None
        if fact.timeout_ms and fact.started is not None:
            share = age * 1000 / fact.timeout_ms
        found.append(ActiveRun(fact.id, fact.project_id, fact.status, fact.command, age, share))
    return sorted(found, key=lambda run: (-run.age, run.id))


def bucket_index(created: float, start: float, size: int, count: int) -> int | None:
    """The bucket a creation time falls in, or ``None`` outside the window."""
    if created < start:
        return None
    index = int((created - start) // size)
    return index if index < count else None


def summarize(
    facts: Iterable[RunFacts], window: Window, now: float, concurrency: int | None = None
) -> Insights:
    """The figures of the runs created in ``window`` (ending with the bucket of
    ``now``); "Now" (``active``, ``holding``) counts every active run given."""
    start, end = window.span(now)
    count = window.buckets
    tallies = [Counter[str]() for _ in range(count)]
    kept: list[RunFacts] = []
    in_progress: list[RunFacts] = []  # "Now" is every active run, even an old one
    for fact in facts:
        if fact.result == "active":
            in_progress.append(fact)
        index = bucket_index(fact.created, start, window.bucket, count)
        if index is not None:
            tallies[index][fact.result] += 1
            kept.append(fact)
    buckets = [
        Bucket(start + i * window.bucket, *(tally[r] for r in RESULTS))
        for i, tally in enumerate(tallies)
    ]
    results = Counter(f.result for f in kept)
    failed = [f for f in kept if f.result == "failed"]
    durations = _durations(kept)
    active = _active(in_progress, now)
    return Insights(
        window=window.label,
        start=start,
        end=end,
        bucket_seconds=window.bucket,
        runs=len(kept),
        results={r: results[r] for r in RESULTS},
        rate=failure_rate(results["succeeded"], results["failed"]),
        buckets=buckets,
        projects=_groups(kept, "project_id"),
        templates=_groups(kept, "template"),
        histogram=histogram(durations),
        p50_ms=percentile(durations, 0.5),
        p95_ms=percentile(durations, 0.95),
        reasons=_ranked("reason", Counter(f.failure_reason or "(none)" for f in failed)),
        exit_codes=_ranked(
            "exit", Counter(str(f.exit_code) for f in failed if f.exit_code is not None)
        ),
        active=active,
        holding=sum(1 for f in in_progress if f.holds_sandbox),
        concurrency=concurrency,
    )
