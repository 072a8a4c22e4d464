"""The fold layer of the log view's line map, checked against a plain list."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crownest_tui.core.fold_state import FoldState
from crownest_tui.core.sections import SectionIndex
from crownest_tui.ui.log.folds import FoldedLines
from tests.core.test_sections import MARKERS, records


@dataclass
class EveryOther:
    """A lower map showing some lines (``shown``): a stand-in for any filter."""

    shown: list[bool]

    @property
    def key(self) -> Hashable:
        return tuple(self.shown)

    def lines(self) -> list[int]:
        return [i for i, keep in enumerate(self.shown) if keep]

    def count(self) -> int:
        return len(self.lines())

    def rank(self, index: int) -> int:
        return sum(self.shown[:index])

    def select(self, position: int) -> int:
        return self.lines()[position]


def hidden_by_folds(index: SectionIndex, state: FoldState, lower: EveryOther) -> set[int]:
    """What folds hide: a folded section only while ``lower`` shows its header."""
    hidden = set(index.hidden_lines)
    shown = set(lower.lines())
    for number, section in enumerate(index.sections):
        end = section.end(index.lines)
        if state.folded(number) and section.start in shown:
            hidden.update(range(section.start + 1, end + 1))
        elif section.marker:
            hidden.add(end)
    return hidden


def check(folds: FoldedLines, lower: EveryOther, index: SectionIndex, state: FoldState) -> None:
    folds.over(lower).update()
    hidden = hidden_by_folds(index, state, lower)
    visible = [line for line in lower.lines() if line not in hidden]
    assert folds.count() == len(visible)
    for position, line in enumerate(visible):
        assert folds.select(position) == line
        assert folds.rank(line) == position
        assert not folds.hides(line)
    for line in hidden:
        assert folds.hides(line)


@settings(max_examples=300, deadline=None)
@example(  # Buildkite's last --- inside a group: the group is not stable yet
    ["::group::G", "--- K", "section_start:1:a\rA", "::endgroup::"], 1, [True, False] * 25, [], True
)
@given(
    st.lists(MARKERS, min_size=1, max_size=50),
    st.integers(min_value=1, max_value=6),
    st.lists(st.booleans(), min_size=50, max_size=50),
    st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=4),
    st.booleans(),
)
def test_folds_match_a_plain_list_as_output_streams(
    lines: list[str],
    batch: int,
    shown: list[bool],
    choices: list[tuple[int, bool]],
    active: bool,
) -> None:
    index = SectionIndex()
    state = FoldState(index)
    folds = FoldedLines(index, state)
    for first in range(0, len(lines), batch):
        part = lines[first : first + batch]
        index.scan(records(part, 1_000 + first * 500), first, len(part))
        lower = EveryOther(shown[: first + len(part)])
        check(folds, lower, index, state)  # while it streams (incremental)
    state.set_run(active, [len(lines) - 1] if not active else [])
    for number, folded in choices:
        if number < len(index.sections):
            state.choose(number, folded)
    check(folds, EveryOther(shown[: len(lines)]), index, state)
    state.choose_all(True)
    check(folds, EveryOther(shown[: len(lines)]), index, state)


def test_a_running_group_is_open_and_folds_once_it_ends() -> None:
    index = SectionIndex()
    state = FoldState(index)
    folds = FoldedLines(index, state)
    lower = EveryOther([True] * 6)
    index.scan(records(["::group::Build", "make", "cc a.c"]), 0, 3)
    assert folds.over(EveryOther([True] * 3)).count() == 3
    index.scan(records(["::endgroup::", "after", "::error::boom"]), 3, 3)
    folds.over(lower).update()
    assert [folds.select(p) for p in range(folds.count())] == [0, 4, 5]
    assert folds.rank(2) == 0  # a folded line: where its fold is
    state.set_run(active=False, failure_lines=[2])  # it failed in there: open again
    assert folds.over(lower).count() == 5
