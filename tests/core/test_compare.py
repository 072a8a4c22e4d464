"""Comparing two runs: normalising lines, diffing their keys, grouping hunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crownest_tui.api.models import WorkspaceRun
from crownest_tui.core.compare import (
    Change,
    diff_keys,
    diff_logs,
    field_differences,
    hunks,
    line_keys,
    normalise,
    pick_baseline,
    run_facts,
    same_after_normalising,
    unified_rows,
)


def test_what_changes_from_run_to_run_on_its_own_is_normalised() -> None:
    first = "2026-12-01T10:00:01.123Z wsr_01JABCDEF12 took 1.25s in sbx_9f8e7d6c sha 3f2a9b1c0d"
    second = "2026-12-02T11:22:33Z wsr_01JZZZZZZ99 took 980ms in sbx_00112233 sha 9c8d7e6f5a"
    assert normalise(first) == normalise(second)
    assert normalise("\x1b[32mPASSED\x1b[0m at 10:00:01") == normalise("PASSED at 23:59:59")


def test_real_differences_survive_normalising() -> None:
    assert normalise("test_parse PASSED") != normalise("test_format PASSED")
    assert normalise("collected 1234567 items") != normalise("collected 1234568 items")
    assert normalise("exit 1") != normalise("exit 2")
    assert normalise("assert 3 == 4") != normalise("assert 3 == 5")


def test_keys_of_a_batch_are_the_keys_of_each_line() -> None:
    lines = ["a 10:00:00", "b", "", "c 0xdeadbeef", "\x1b[31mred\x1b[0m"]
    keys = line_keys(lines)
    assert list(keys.exact) == [line_keys([line]).exact[0] for line in lines]
    assert len(line_keys([])) == 0


def logs_diff(base: list[str], other: list[str]) -> list[Change]:
    return diff_logs(
        line_keys(base),
        line_keys(other),
        lambda lines: [base[i] for i in lines],
        lambda lines: [other[i] for i in lines],
    )


def test_lines_that_differ_only_in_noise_line_up_by_their_other_words() -> None:
    """Every line has its own uuid: the test names still line the logs up."""
    base = [f"test_{i} PASSED sandbox {i:08x}-1111-2222-3333-444455556666" for i in range(300)]
    other = list(base)
    other[150] = "test_150 FAILED sandbox 00000000-1111-2222-3333-444455556666"
    other.insert(151, "E   assert 1 == 2")
    other = [line.replace("-1111-", "-9999-") for line in other]
    assert logs_diff(base, other) == [Change(150, 151, 150, 152)]


def test_a_log_diff_shows_real_differences_only() -> None:
    base = [
        "collecting",
        "test_a PASSED in 0.10s",
        "test_b PASSED in 0.20s",
        "3 passed at 10:00:01",
    ]
    other = [
        "collecting",
        "test_a PASSED in 0.31s",
        "test_b FAILED in 0.25s",
        "E  assert 1 == 2",
        "2 passed, 1 failed at 11:20:00",
    ]
    assert logs_diff(base, other) == [Change(2, 4, 2, 5)]
    assert logs_diff(base, base) == []
    # same shape, a real number changed: still a change
    assert logs_diff(["exit 1"], ["exit 2"]) == [Change(0, 1, 0, 1)]


def test_big_logs_are_aligned_by_their_unique_lines() -> None:
    base = [f"test_{i} PASSED in 0.{i % 9}s" for i in range(20_000)]
    other = list(base)
    other[5000] = "test_5000 FAILED"
    other.insert(12_000, "a warning")
    del other[18_000]
    assert logs_diff(base, other) == [
        Change(5000, 5001, 5000, 5001),
        Change(12_000, 12_000, 12_000, 12_001),
        Change(17_999, 18_000, 18_000, 18_000),
    ]


def test_a_diff_of_equal_logs_is_empty_and_changes_are_found_in_place() -> None:
    base = line_keys(["start", "one", "two", "three", "end"])
    assert diff_keys(base.exact, base.exact) == []
    other = line_keys(["start", "one", "TWO", "three", "extra", "end"])
    assert diff_keys(base.exact, other.exact) == [Change(2, 3, 2, 3), Change(4, 4, 4, 5)]


def apply(base: list[int], other: list[int], changes: list[Change]) -> list[int]:
    """Rebuild ``other`` from ``base`` and the changes (what a diff must allow)."""
    result: list[int] = []
    a = 0
    for change in changes:
        result.extend(base[a : change.a0])
        result.extend(other[change.b0 : change.b1])
        a = change.a1
    return result + base[a:]


@given(st.lists(st.integers(0, 5), max_size=60), st.lists(st.integers(0, 5), max_size=60))
def test_the_changes_turn_one_log_into_the_other(base: list[int], other: list[int]) -> None:
    check_changes(base, other)


@given(st.lists(st.integers(0, 3000), max_size=3000), st.lists(st.integers(0, 3000), max_size=3000))
def test_the_patience_path_turns_one_log_into_the_other(base: list[int], other: list[int]) -> None:
    check_changes(base, other)


def check_changes(base: list[int], other: list[int]) -> None:
    changes = diff_keys(base, other)
    assert apply(base, other, changes) == other
    assert all(c.removed or c.added for c in changes)


@given(st.lists(st.integers(0, 3), max_size=80), st.lists(st.integers(0, 3), max_size=80))
def test_unified_rows_show_every_change_once_with_context(
    base: list[int], other: list[int]
) -> None:
    changes = diff_keys(base, other)
    rows = list(unified_rows(hunks(changes, len(base), len(other), context=2)))
    removed = [row.line for row in rows if row.kind == "removed"]
    added = [row.line for row in rows if row.kind == "added"]
    assert removed == [line for c in changes for line in range(c.a0, c.a1)]
    assert added == [line for c in changes for line in range(c.b0, c.b1)]
    for row in rows:
        if row.kind == "context":
            assert 0 <= row.line < len(base)


def test_hunks_join_changes_whose_context_touches() -> None:
    changes = [Change(10, 11, 10, 11), Change(15, 16, 15, 16), Change(40, 41, 40, 41)]
    grouped = hunks(changes, 100, 100, context=3)
    assert [len(h.changes) for h in grouped] == [2, 1]
    assert grouped[0].header() == "@@ -8,12 +8,12 @@"
    assert (grouped[1].a0, grouped[1].a1) == (37, 44)


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def run(
    run_id: str, status: str, command: str = "pytest", minutes_ago: int = 0, **extra: object
) -> WorkspaceRun:
    fields: dict[str, object] = {
        "id": run_id,
        "orgId": "org_test",
        "projectId": "prj_test",
        "status": status,
        "command": command,
        "createdAt": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }
    return WorkspaceRun.model_validate(fields)


def test_the_baseline_is_the_newest_succeeded_run_of_the_same_work() -> None:
    failing = run("wsr_failing", "failed", metadata={"suite": "a", "crownest.tty": "1"})
    candidates = [
        failing,
        run("wsr_old", "succeeded", minutes_ago=60, metadata={"suite": "a"}),
        run("wsr_new", "succeeded", minutes_ago=5, metadata={"suite": "a"}),
        run("wsr_newer_failed", "failed", minutes_ago=1, metadata={"suite": "a"}),
        run("wsr_other_meta", "succeeded", minutes_ago=2, metadata={"suite": "b"}),
        run("wsr_other_cmd", "succeeded", "make", minutes_ago=2, metadata={"suite": "a"}),
    ]
    baseline = pick_baseline(failing, candidates)
    assert baseline is not None and baseline.id == "wsr_new"
    assert pick_baseline(failing, candidates[3:]) is None


def test_only_the_facts_that_differ_are_listed() -> None:
    base = run(
        "wsr_a",
        "succeeded",
        exitCode=0,
        durationMs=1500,
        envKeys=["A"],
        archive={"sha256": "aa" * 32, "sizeBytes": 10},
        sourceMetadata={"commit": "c1"},
    )
    other = run(
        "wsr_b",
        "failed",
        exitCode=1,
        durationMs=1500,
        envKeys=["A"],
        archive={"sha256": "bb" * 32, "sizeBytes": 10},
        sourceMetadata={"commit": "c2"},
    )
    differences = field_differences(run_facts(base), run_facts(other))
    assert [d.label for d in differences] == [
        "Status",
        "Exit code",
        "Archive sha256",
        "Source commit",
    ]
    assert differences[1].base == "0" and differences[1].other == "1"


words = st.sampled_from(
    [
        "in",
        "took",
        "0.51s",
        "12ms",
        "3 s",
        "10:00:01",
        "2026-12-01T10:00:00Z",
        "exit",
        "1",
        "2",
        "3f2a9b1c",
        "0xdeadbeef",
        "wsr_01JABCDEF",
        "PASSED",
        "FAILED",
        "test_7",
        "a.b",
        ":",
        "-",
    ]
)


@given(st.lists(words, max_size=8), st.lists(words, max_size=8))
def test_comparing_the_differing_part_is_comparing_the_normalised_lines(
    x: list[str], y: list[str]
) -> None:
    one, two = " ".join(x), " ".join(y)
    assert same_after_normalising(one, two) == (normalise(one) == normalise(two))


@given(st.lists(words, max_size=8), st.data())
def test_lines_of_one_shape_compare_as_their_normalised_forms(
    x: list[str], data: st.DataObject
) -> None:
    """Same length, digits changed in place: the fast path of the comparison."""
    one = " ".join(x)
    digits = st.sampled_from("0123456789")
    two = "".join(data.draw(digits) if c.isdigit() else c for c in one)
    assert same_after_normalising(one, two) == (normalise(one) == normalise(two))
