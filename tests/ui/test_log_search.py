"""Searching a log: the query stays visible while typed, at every size, and ``enter``
/ ``n`` / ``N`` find matches anywhere in the transcript, not only where the match
index has been."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.pilot import Pilot

from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.log.search import MatchIndex, parse_query
from crownest_tui.ui.log.search_control import count_matches
from crownest_tui.ui.log.seek import Seek, seek_match
from crownest_tui.ui.log.transcript import Transcript
from crownest_tui.ui.widgets.log_view import LogView
from tests.ui.log_helpers import LogApp, screen_text, wait_until

NEEDLE = "FAILED"


def status_of(view: LogView) -> str:
    return str(view.search_bar.query_one("#log-search-status").render())


async def settle(pilot: Pilot[None], view: LogView) -> None:
    view.flush()
    await pilot.pause()


def haystack(count: int, needles: set[int]) -> list[OutputChunk]:
    """``count`` lines, ``FAILED`` on the lines in ``needles`` only, in big chunks."""
    batch, chunks = 50_000, []
    for start in range(0, count, batch):
        text = "".join(
            f"tests/test_{n % 97}.py::case_{n} {NEEDLE if n in needles else 'PASSED'}\n"
            for n in range(start, min(start + batch, count))
        )
        chunks.append(OutputChunk("stdout", text, start))
    return chunks


# -- the query is visible while typing ---------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (250, 60), (30, 10)])
async def test_the_query_shows_while_it_is_typed(size: tuple[int, int]) -> None:
    app = LogApp()
    async with app.run_test(size=size) as pilot:
        view = app.log_view
        view.append(haystack(50, {7, 30}))
        await settle(pilot, view)
        await pilot.press("slash", *NEEDLE)
        await settle(pilot, view)
        assert view.search_bar.input.has_focus
        rows = screen_text(app)
        bar = rows[-1]  # the bar is the last row of the screen
        assert NEEDLE in bar, rows
        assert "▔" not in "".join(rows) and "▁" not in bar  # no half-drawn input border
        assert "2 matches" in bar or size[0] < 40  # a narrow bar gives the query the room


async def test_keys_typed_in_one_burst_after_slash_all_reach_the_query() -> None:
    """A paste, or tmux's send-keys, delivers ``/`` and the query before any repaint:
    every key after ``/`` belongs to the search box, none to the log (``t`` = times)."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        view.append(haystack(50, {7, 30}))
        await settle(pilot, view)
        for key, character in [("slash", "/"), *((c, c) for c in "test")]:
            app.post_message(events.Key(key, character))  # all queued before any runs
        await settle(pilot, view)
        assert view.search_bar.input.value == "test"
        assert not view.show_times
        assert "test" in screen_text(app)[-1]
        await pilot.press("slash", "x")  # a slash inside the query is part of it
        assert view.search_bar.input.value == "test/x"


async def test_a_long_regex_error_leaves_the_query_in_sight() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        view.append(haystack(20, set()))
        await settle(pilot, view)
        await pilot.press("slash", *"re:(unclosed group")
        await settle(pilot, view)
        bar = screen_text(app)[-1]
        assert "re:(unclosed group" in bar
        assert "Invalid regular expression" in status_of(view)


async def test_one_match_is_singular_and_escape_after_enter_closes_the_search() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        view.append(haystack(50, {7}))
        await settle(pilot, view)
        await pilot.press("slash", *NEEDLE)
        assert status_of(view) == "1 match"
        await pilot.press("enter")
        assert status_of(view) == "1 of 1"
        assert view.search_bar.is_open and view.lines.has_focus
        await pilot.press("escape")
        assert not view.search_bar.is_open
        assert view.lines.matches is None


def test_counts_read_as_english() -> None:
    assert count_matches(0, more=False) == "no matches"
    assert count_matches(0, more=True) == "no matches yet"
    assert count_matches(1, more=False) == "1 match"
    assert count_matches(1, more=True) == "1+ matches"
    assert count_matches(1234, more=False) == "1,234 matches"


# -- enter / n / N over the whole transcript -----------------------------------------

LONG = 1_000_000


async def test_enter_finds_the_first_match_at_or_after_the_view_of_a_long_log() -> None:
    """Following the end of a million lines, the match on screen is the one found,
    not the first one the index reached (or none, as when the index was too slow)."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        view.append(haystack(LONG, {10, LONG - 5}))
        await settle(pilot, view)
        assert view.follow
        await pilot.press("slash", *NEEDLE, "enter")
        await wait_until(pilot, lambda: view.lines.current_match is not None)
        assert view.lines.current_match == LONG - 5
        assert not view.follow
        assert any(f"case_{LONG - 5} {NEEDLE}" in row for row in screen_text(app))
        await pilot.press("n")  # wraps around to the first
        await wait_until(pilot, lambda: view.lines.current_match == 10)
        assert any(f"case_10 {NEEDLE}" in row for row in screen_text(app))
        await pilot.press("N")  # and back
        await wait_until(pilot, lambda: view.lines.current_match == LONG - 5)


async def test_a_seek_through_a_long_log_does_not_freeze_the_keys() -> None:
    """From the top, the only match is a million lines down: the seek goes on in the
    background (``searching…``) and the view jumps there when it is found."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        view.append(haystack(LONG, {LONG - 1}))
        await settle(pilot, view)
        await pilot.press("g", "slash", *NEEDLE, "enter")
        assert status_of(view) == "searching…" or view.lines.current_match == LONG - 1
        await wait_until(pilot, lambda: view.lines.current_match == LONG - 1, within=60)
        await settle(pilot, view)
        assert any(f"case_{LONG - 1} {NEEDLE}" in row for row in screen_text(app))
        assert status_of(view) in ("line 1,000,000 · counting…", "1 of 1")


# -- the seek itself, against a brute-force answer -------------------------------------


def run_to_end(seek: Seek) -> int | None:
    while True:
        try:
            next(seek)
        except StopIteration as stop:
            found: int | None = stop.value
            return found


def brute_force(
    hits: list[int], total: int, start: int, forward: bool, accept: Callable[[int], bool]
) -> int | None:
    if forward:
        order = [*range(start + 1, total), *range(0, min(start + 1, total))]
    else:
        order = [*range(min(start, total) - 1, -1, -1), *range(total - 1, max(start, 0) - 1, -1)]
    return next((line for line in order if line in hits and accept(line)), None)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.booleans(), st.sampled_from(["hay", "needle", "Needle x", "n"])),
        min_size=0,
        max_size=9000,
    ),
    scanned_blocks=st.integers(0, 200),
    start=st.integers(-1, 9001),
    forward=st.booleans(),
    streams=st.sampled_from(["all", "stdout", "stderr"]),
)
def test_seek_finds_what_a_full_scan_finds(
    lines: list[tuple[bool, str]],
    scanned_blocks: int,
    start: int,
    forward: bool,
    streams: str,
) -> None:
    transcript = Transcript()
    try:
        transcript.append(
            [
                OutputChunk("stderr" if err else "stdout", f"{text}\n", seq)
                for seq, (err, text) in enumerate(lines)
            ]
        )
        matches = MatchIndex(parse_query("needle"))
        for _ in range(scanned_blocks):
            matches.scan(transcript, max_blocks=1)

        def accept(line: int) -> bool:
            return streams == "all" or transcript.stream_of(line) == streams

        hits = [n for n, (_err, text) in enumerate(lines) if "needle" in text.lower()]
        start = min(start, len(lines))
        found = run_to_end(seek_match(matches, transcript, start, forward, accept))
        assert found == brute_force(hits, len(lines), start, forward, accept)
        # What the seek read on from the index went into it, exactly.
        assert matches.lines.tolist() == [n for n in hits if n < matches.scanned]
        while not matches.scan(transcript):
            pass
        assert matches.lines.tolist() == hits
    finally:
        transcript.close()
