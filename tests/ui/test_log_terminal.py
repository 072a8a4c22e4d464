"""The log shows a real run's output as its terminal would: colours held across lines
per stream, colon SGR, redrawn lines, backspace, OSC 8 links that open, cell widths;
in the detail screen and in a split-tail pane."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient, StreamState
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.log.render import GUTTER_WIDTH
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.tail_pane import TailPane
from tests.ui.colour_corpus import LINK, SHOWN, script
from tests.ui.log_helpers import LogApp, wait_until
from tests.ui.palette import run_command
from tests.ui.test_detail import DetailHost, client_of, detail, start_run, stream_ended

SIZE = (100, 40)
OPEN_LINK = "Open the link on the current match's line, or the lowest link in view"


class OpensUrls:
    """Remembers what the app was asked to open (a test must not start a browser)."""

    opened: list[str]

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.opened.append(url)


class DetailApp(OpensUrls, DetailHost):
    def __init__(self, client: CrowNestClient, run_id: str, **options: Any) -> None:
        super().__init__(client, run_id, **options)
        self.opened = []


class PaneApp(OpensUrls, App[None]):
    """One split-tail pane following a run."""

    def __init__(self, client: CrowNestClient, run_id: str) -> None:
        super().__init__()
        self.client, self.run_id, self.opened = client, run_id, []

    def compose(self) -> ComposeResult:
        yield TailPane(self.client, self.run_id)


def rows_of(view: LogView) -> list[list[Segment]]:
    """The body segments (gutter left out) of every row of the log on screen."""
    lines = view.lines
    rows = []
    for y in range(lines.size.height):
        strip = lines.render_line(y).crop(GUTTER_WIDTH, lines.size.width)
        rows.append(list(strip))
    return rows


def row_text(row: list[Segment]) -> str:
    return "".join(segment.text for segment in row).rstrip()


def row_starting(view: LogView, text: str) -> list[Segment]:
    for row in rows_of(view):
        if row_text(row).startswith(text):
            return row
    raise AssertionError(f"no row starts with {text!r}: {[row_text(r) for r in rows_of(view)]}")


def colour_of(view: LogView, text: str) -> str | None:
    """The foreground colour of the segment(s) holding ``text`` (one colour)."""
    for row in rows_of(view):
        for segment in row:
            if text in segment.text:
                style = segment.style
                if style is None or style.color is None:
                    return None
                return style.color.name
    raise AssertionError(f"{text!r} not on screen")


def check_the_corpus(view: LogView) -> None:
    texts = [row_text(row) for row in rows_of(view)]
    assert [t for t in texts if t] == SHOWN or sorted(t for t in texts if t) == sorted(SHOWN)
    assert all("\x1b" not in t and "\x07" not in t for t in texts)
    # The colour holds on the next lines until reset, chunk boundaries included...
    for text in ("RED starts", "still red 2", "still red 3"):
        assert colour_of(view, text) == "color(1)", text
    # ...each stream on its own: stderr is not red, and its yellow does not leak.
    assert colour_of(view, "warn yellow") == "color(3)"
    assert colour_of(view, "still yellow on stderr") == "color(3)"
    assert colour_of(view, "err plain") != "color(1)"
    assert colour_of(view, "plain again") != "color(1)"
    assert colour_of(view, "colon 256") == "color(45)"
    assert colour_of(view, "truecolour") == "#ff8000"
    bold = next(s for s in row_starting(view, "bold,") if "bold" in s.text)
    assert bold.style is not None and bold.style.bold
    # Wide text, combining marks, ZWJ emoji: the tab takes each x to the same column.
    columns = {cell_len(t[: t.index("x|")]) for t in texts if t.endswith("x|")}
    assert columns == {8}


async def click_on(pilot: Pilot[Any], view: LogView, text: str) -> None:
    lines = view.lines
    for y, row in enumerate(rows_of(view)):
        line = row_text(row)
        if text in line:
            x = GUTTER_WIDTH + cell_len(line[: line.index(text)]) + 1
            await pilot.click(lines, offset=(x, y))
            return
    raise AssertionError(f"{text!r} not on screen")


async def ended_detail_log(pilot: Pilot[Any]) -> LogView:
    """The detail screen's log once the run's stream has ended, all of it shown."""
    screen = detail(pilot)
    await wait_until(pilot, lambda: stream_ended(screen))
    view = screen.query_one("#log-view", LogView)
    view.flush()
    await pilot.pause()
    return view


async def test_detail_log_renders_the_corpus_and_opens_its_link(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 corpus.py", {"corpus.py": script()})
        app = DetailApp(client, run_id)
        async with app.run_test(size=SIZE) as pilot:
            view = await ended_detail_log(pilot)
            check_the_corpus(view)
            await click_on(pilot, view, "not a link")  # javascript: stays inert
            await click_on(pilot, view, "the docs")
            assert app.opened == [LINK]
            view.lines.focus()
            await pilot.press("l")  # the lowest link in view
            assert app.opened == [LINK, LINK]


async def test_split_pane_renders_the_corpus(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 corpus.py", {"corpus.py": script()})
        app = PaneApp(client, run_id)
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(TailPane)
            await wait_until(pilot, lambda: pane.stream_status.state is StreamState.ENDED)
            view = pane.log_view
            view.flush()
            await pilot.pause()
            check_the_corpus(view)
            await click_on(pilot, view, "the docs")
            assert app.opened == [LINK]


async def test_l_opens_the_lowest_link_or_the_current_match_s(
    backend: LocalBackendProcess,
) -> None:
    links = "".join(
        f"row {i} \x1b]8;;https://example.com/{i}\x1b\\link {i}\x1b]8;;\x1b\\\n" for i in range(200)
    )
    program = f"import sys\nsys.stdout.write({links!r})\nprint('no link here')\n"
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 links.py", {"links.py": program})
        app = DetailApp(client, run_id)
        async with app.run_test(size=SIZE) as pilot:
            view = await ended_detail_log(pilot)
            view.lines.focus()
            await pilot.press("l")
            assert app.opened == ["https://example.com/199"]
            await pilot.press("slash", *"row 42 ", "enter")
            await pilot.press("l")
            assert app.opened[-1] == "https://example.com/42"
            # Help lists it by its id, and the palette runs it.
            entries = {e.binding_id: e for s in help_sections(app.screen) for e in s.entries}
            assert entries["log.open_link"].key == "l"
            await run_command(pilot, "open the link", OPEN_LINK)
            assert app.opened[-1] == "https://example.com/42"


class QuietLogApp(OpensUrls, LogApp):
    def __init__(self) -> None:
        super().__init__()
        self.opened = []
        self.notes: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notes.append(message)


async def test_l_without_a_link_in_view_says_so() -> None:
    app = QuietLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append([OutputChunk("stdout", "plain\n\x1b]8;;ftp://x/\x07no\x1b]8;;\x07\n", 1)])
        view.flush()
        view.lines.focus()
        await pilot.press("l")
        assert app.opened == [] and app.notes == ["No link in view"]
