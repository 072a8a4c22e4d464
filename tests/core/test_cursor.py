"""Where the runs list's cursor goes when rows change (core/cursor.py)."""

from __future__ import annotations

from crownest_tui.core.cursor import CursorAnchor


def rows(*ids: str) -> dict[str, int]:
    return {run_id: index for index, run_id in enumerate(ids)}


def test_until_the_user_moves_the_cursor_stays_on_the_top_row() -> None:
    anchor = CursorAnchor()
    assert anchor.row(rows("a", "b").get) == 0
    assert anchor.row(rows("new", "a", "b").get) == 0  # runs arrive above: still the top
    assert anchor.on_top


def test_once_moved_the_cursor_follows_its_run() -> None:
    anchor = CursorAnchor()
    anchor.moved_to("b")
    assert anchor.row(rows("a", "b").get) == 1
    assert anchor.row(rows("x", "y", "a", "b").get) == 3
    assert not anchor.on_top


def test_a_followed_run_that_is_gone_sends_the_cursor_back_to_the_top() -> None:
    anchor = CursorAnchor()
    anchor.moved_to("b")
    assert anchor.row(rows("a", "c").get) == 0
    assert anchor.on_top
    assert anchor.row(rows("b", "a").get) == 0  # back on top for good, not on "b" again


def test_a_wanted_run_takes_the_cursor_once_it_is_shown() -> None:
    anchor = CursorAnchor()
    anchor.moved_to("b")
    anchor.want("launched")
    assert anchor.row(rows("a", "b").get) == 1  # not listed yet: the cursor stays on b
    assert anchor.row(rows("launched", "a", "b").get) == 0
    assert anchor.followed == "launched" and anchor.wanted is None
    assert anchor.row(rows("newer", "launched", "a", "b").get) == 1


def test_home_goes_back_to_the_top_and_a_move_forgets_the_wanted_run() -> None:
    anchor = CursorAnchor()
    anchor.want("launched")
    anchor.moved_to("a")  # the user moved before the run was listed
    assert anchor.row(rows("launched", "a").get) == 1
    anchor.to_top()
    assert anchor.row(rows("new", "launched", "a").get) == 0 and anchor.on_top
