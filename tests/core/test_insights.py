"""The Insights figures: buckets, rates, percentiles, histogram, ranks and "Now"."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from crownest_tui.core.insights import (
    DURATION_BINS,
    RESULTS,
    RunFacts,
    Window,
    failure_rate,
    histogram,
    percentile,
    summarize,
)

NOW = datetime(2026, 11, 28, 12, 7, 30, tzinfo=UTC).timestamp()
STATUSES = ("succeeded", "failed", "canceled", "running", "awaiting_archive", "queued_later")


def fact(
    n: int,
    status: str = "succeeded",
    ago: float = 60.0,
    *,
    project: str = "prj_a",
    template: str = "python",
    duration_ms: int | None = 1000,
    exit_code: int | None = None,
    reason: str | None = None,
    started_ago: float | None = None,
    timeout_ms: int | None = None,
) -> RunFacts:
    return RunFacts(
        id=f"wsr_{n:08d}",
        project_id=project,
        template=template,
        status=status,
        created=NOW - ago,
        started=None if started_ago is None else NOW - started_ago,
        duration_ms=duration_ms,
        exit_code=exit_code,
        failure_reason=reason,
        timeout_ms=timeout_ms,
        command=f"cmd {n}",
    )


def test_windows_end_with_the_bucket_of_now_on_round_times() -> None:
    start, end = Window.HOUR.span(NOW)
    assert datetime.fromtimestamp(end, UTC) == datetime(2026, 11, 28, 12, 10, tzinfo=UTC)
    assert end - start == 3600 and Window.HOUR.buckets == 12
    start, end = Window.WEEK.span(NOW)
    assert datetime.fromtimestamp(end, UTC) == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    assert Window.WEEK.buckets == 28 and Window.DAY.buckets == 24


def test_window_keys_step_and_stop_at_the_ends() -> None:
    assert Window.HOUR.step(1) is Window.DAY and Window.DAY.step(1) is Window.WEEK
    assert Window.WEEK.step(1) is Window.WEEK and Window.HOUR.step(-1) is Window.HOUR
    assert Window.parse(" 7D ") is Window.WEEK


def test_runs_are_bucketed_by_creation_and_result() -> None:
    facts = [
        fact(1, "succeeded", ago=30),
        fact(2, "failed", ago=40, exit_code=1, reason="command_exit"),
        fact(3, "running", ago=50, duration_ms=None),
        fact(4, "succeeded", ago=10 * 60),
        fact(5, "canceled", ago=2 * 3600),  # outside the hour
    ]
    insights = summarize(facts, Window.HOUR, NOW)
    assert insights.runs == 4
    last = insights.buckets[-1]
    assert (last.succeeded, last.failed, last.canceled, last.active) == (1, 1, 0, 1)
    assert insights.buckets[-3].succeeded == 1  # 10 minutes ago: two buckets back
    assert sum(b.total for b in insights.buckets) == 4
    assert insights.results == {"succeeded": 2, "failed": 1, "canceled": 0, "active": 1}
    assert insights.rate == 1 / 3


def test_failure_rate_leaves_canceled_and_active_runs_out() -> None:
    assert failure_rate(3, 1) == 0.25
    assert failure_rate(0, 0) is None
    facts = [fact(1, "canceled"), fact(2, "running"), fact(3, "failed")]
    assert summarize(facts, Window.HOUR, NOW).rate == 1.0


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50 and percentile(values, 0.95) == 95
    assert percentile([7.0], 0.95) == 7 and percentile([], 0.5) is None


@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1), st.floats(0, 1))
def test_a_percentile_is_one_of_the_values_and_grows_with_the_share(
    values: list[float], share: float
) -> None:
    ordered = sorted(values)
    found = percentile(ordered, share)
    assert found in ordered
    assert found is not None and found <= (percentile(ordered, min(1.0, share + 0.1)) or 0)


@given(st.lists(st.integers(0, 10 * 3600 * 1000)))
def test_the_histogram_counts_every_duration_once(durations: list[int]) -> None:
    bins = histogram(float(d) for d in durations)
    assert [label for label, _n in bins] == [label for _upper, label in DURATION_BINS]
    assert sum(n for _label, n in bins) == len(durations)


def test_histogram_bin_edges() -> None:
    bins = dict(histogram([999.0, 1000.0, 59_999.0, 3_600_000.0]))
    assert bins["< 1s"] == 1 and bins["1-5s"] == 1 and bins["30s-1m"] == 1 and bins["≥ 1h"] == 1


run_facts = st.builds(
    lambda n, status, ago, project: fact(n, status, ago, project=project),
    st.integers(0, 10**6),
    st.sampled_from(STATUSES),
    st.floats(-600, 8 * 86_400),
    st.sampled_from(("prj_a", "prj_b")),
)


@given(st.lists(run_facts, unique_by=lambda f: f.id), st.sampled_from(list(Window)))
def test_every_run_of_the_window_is_counted_once(facts: list[RunFacts], window: Window) -> None:
    insights = summarize(facts, window, NOW)
    start, end = window.span(NOW)
    inside = [f for f in facts if start <= f.created < end]
    assert insights.runs == len(inside) == sum(b.total for b in insights.buckets)
    assert sum(insights.results.values()) == len(inside)
    assert set(insights.results) == set(RESULTS)
    assert sum(p.runs for p in insights.projects) == len(inside)
    for bucket in insights.buckets:
        assert bucket.rate is None or 0 <= bucket.rate <= 1


def test_groups_have_rates_and_duration_percentiles() -> None:
    facts = [
        *(fact(i, "succeeded", project="prj_a", duration_ms=1000 * (i + 1)) for i in range(10)),
        fact(20, "failed", project="prj_b", template="base", duration_ms=500, exit_code=2),
        fact(21, "running", project="prj_b", template="base", duration_ms=None),
    ]
    insights = summarize(facts, Window.HOUR, NOW)
    by_project = {g.key: g for g in insights.projects}
    assert by_project["prj_a"].p50_ms == 5000 and by_project["prj_a"].p95_ms == 10_000
    assert by_project["prj_a"].rate == 0.0 and by_project["prj_b"].rate == 1.0
    assert [g.key for g in insights.templates] == ["python", "base"]
    assert insights.p50_ms == 5000  # 11 ended runs with a duration


def test_failure_reasons_and_exit_codes_are_ranked_among_failed_runs() -> None:
    facts = [
        fact(1, "failed", reason="timeout"),
        fact(2, "failed", reason="command_exit", exit_code=1),
        fact(3, "failed", reason="command_exit", exit_code=1),
        fact(4, "failed", reason="command_exit", exit_code=2),
        fact(5, "failed"),
        fact(6, "succeeded", exit_code=0),
    ]
    insights = summarize(facts, Window.HOUR, NOW)
    assert [(r.value, r.count) for r in insights.reasons] == [
        ("command_exit", 3),
        ("(none)", 1),
        ("timeout", 1),
    ]
    assert [(r.value, r.count) for r in insights.exit_codes] == [("1", 2), ("2", 1)]


def test_now_lists_active_runs_longest_first_and_marks_near_timeouts() -> None:
    facts = [
        fact(1, "running", ago=300, started_ago=290, timeout_ms=300_000, duration_ms=None),
        fact(2, "running", ago=100, started_ago=90, timeout_ms=600_000, duration_ms=None),
        fact(3, "awaiting_archive", ago=1000, duration_ms=None),
        fact(4, "succeeded"),
        fact(5, "running", ago=30 * 86_400, started_ago=30 * 86_400, duration_ms=None),
    ]
    insights = summarize(facts, Window.HOUR, NOW, concurrency=25)
    assert [run.id for run in insights.active] == [
        "wsr_00000005",  # older than the window, still holding a sandbox
        "wsr_00000003",
        "wsr_00000001",
        "wsr_00000002",
    ]
    near = {run.id: run.near_timeout for run in insights.active}
    assert near == {
        "wsr_00000005": False,
        "wsr_00000003": False,
        "wsr_00000001": True,
        "wsr_00000002": False,
    }
    assert insights.holding == 3 and insights.concurrency == 25
    assert insights.runs == 4  # the month-old run is not one of the window's


def test_json_has_iso_times_and_project_names() -> None:
    insights = summarize([fact(1, "failed", reason="timeout")], Window.HOUR, NOW)
    data = insights.to_json({"prj_a": "web"})
    assert data["start"] == "2026-11-28T11:10:00Z" and data["buckets"][0]["start"].endswith("Z")
    assert data["projects"][0]["name"] == "web"
    assert data["reasons"] == [{"kind": "reason", "value": "timeout", "count": 1}]
