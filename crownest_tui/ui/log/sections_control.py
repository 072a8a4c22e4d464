"""The sections of one log view: found as lines are stored, folded, followed, jumped to.

:class:`SectionsControl` plugs a :class:`~crownest_tui.core.sections.SectionIndex`
into the transcript, the fold layer into the lines' map and the header rows into
their rendering; the log view calls it for its keys (``z``, ``Z``, the outline) and
once a frame, around laying its lines out, so that folds changing as the run goes
on (a group ends and folds) never move what a paused reader is looking at.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from crownest_tui.core.fold_state import FoldState
from crownest_tui.core.sections import SectionIndex
from crownest_tui.ui.log.folds import FoldedLines
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.outline import SectionOutline
from crownest_tui.ui.log.section_rows import SectionRows
from crownest_tui.ui.log.transcript import Transcript

SECTION_BINDINGS: list[BindingType] = [
    Binding(
        "z",
        "toggle_section",
        "Fold",
        show=False,
        id="log.fold",
        tooltip="Fold or open the section at the top (or click its header)",
    ),
    Binding(
        "Z",
        "toggle_all_sections",
        "Fold all",
        show=False,
        id="log.fold_all",
        tooltip="Fold every section, or open them all",
    ),
    Binding(
        "O",
        "section_outline",
        "Outline",
        show=False,
        id="log.outline",
        tooltip="Outline: list the sections and jump to one",
    ),
]
"""The log view's section keys (``O``: ``o`` cycles the streams, ``s`` is the detail
screen's sha256)."""


class SectionsControl:
    """Sections of one transcript, shown by one :class:`LogLines`."""

    def __init__(self, transcript: Transcript, lines: LogLines) -> None:
        self.transcript, self.lines = transcript, lines
        self.index = SectionIndex()
        self.state = FoldState(self.index)
        self.folds = FoldedLines(self.index, self.state)
        transcript.indexers.append(self.index)
        lines.folds = self.folds
        lines.decorate = SectionRows(self.index, self.state)
        self._failed = False
        self._failed_at = -1
        self._anchor: tuple[int | None, int] = (None, 0)

    @property
    def count(self) -> int:
        """Sections found so far."""
        return len(self.index.sections)

    # -- which section -----------------------------------------------------------------

    def current(self) -> int | None:
        """The section ``z`` acts on: the innermost one around the top line, or else the
        first header on screen."""
        lines, index = self.lines, self.index
        top = lines.top_line()
        if top is not None and (found := index.containing(top)) is not None:
            return found
        for row in range(lines.size.height):
            line = lines.line_at_row(row)
            if line is None:
                break
            if (found := index.header_at(line)) is not None:
                return found
        return None

    def header_on_row(self, row: int) -> int | None:
        """The section whose header is on screen row ``row``."""
        line = self.lines.line_at_row(row)
        return None if line is None else self.index.header_at(line)

    # -- folding -----------------------------------------------------------------------

    def toggle(self, number: int) -> None:
        """Fold or open section ``number``; its header goes to the top of the view."""
        self.state.choose(number, folded=not self.state.folded(number))
        self.show_header(number)

    def toggle_all(self) -> None:
        """Fold every section, or open them all when all are folded."""
        folded = self.state.folded
        any_open = any(not folded(number) for number in range(self.count))
        top = self.lines.top_line()
        self.state.choose_all(folded=any_open)
        self.lines.invalidate()
        if top is not None and not self.lines.following:
            self.lines.scroll_programmatically(self.lines.rank(top))

    def show_header(self, number: int, open_it: bool = False) -> None:
        """Open what hides section ``number`` (and it too, if ``open_it``) and put its
        header at the top."""
        start = self.index.sections[number].start
        self.state.open_around(start)
        if open_it and self.state.folded(number):
            self.state.choose(number, folded=False)
        self.lines.invalidate()
        self.lines.scroll_programmatically(self.lines.rank(start))

    def reveal(self, line: int) -> None:
        """Open the sections that hide ``line`` (a search found it there)."""
        if self.state.open_around(line):
            self.lines.invalidate()

    def outline(self) -> SectionOutline:
        """The outline screen over these sections (it returns the number picked)."""
        return SectionOutline(self.index, self.state)

    # -- the run -----------------------------------------------------------------------

    def set_run(self, active: bool, failed: bool) -> None:
        """The run is (not) active; ``failed``: the sections it failed in open."""
        if (active, failed) == (self.state.run_active, self._failed):
            return
        self._failed = failed
        self._failed_at = -1
        self.state.set_run(active, self._failure_lines())

    def _failure_lines(self) -> list[int]:
        """The last line, and the last stderr line, when the run failed."""
        if not self._failed:
            return []
        transcript = self.transcript
        self._failed_at = transcript.committed
        found = [transcript.committed - 1] if transcript.committed else []
        last_stderr = transcript.last_stderr()
        if last_stderr is not None:
            found.append(last_stderr)
        return found

    # -- once a frame ------------------------------------------------------------------

    def before_sync(self) -> None:
        """Take in new sections (and where a failed run ended), noting the paused
        view's top line first."""
        top = None if self.lines.following else self.lines.top_line()
        self._anchor = (top, self.folds.generation)
        if self._failed and self._failed_at != self.transcript.committed:
            self.state.set_run(self.state.run_active, self._failure_lines())
        self.folds.update()

    def after_sync(self) -> None:
        """Keep the noted top line at the top if the folds changed (a section that
        ends while the reader is in it stays open)."""
        top, generation = self._anchor
        self._anchor = (None, 0)
        self.lines.view_map()  # laid out for what is shown now
        if top is None or generation == self.folds.generation:
            return
        if self.folds.hides(top) and self.state.open_around(top):
            self.lines.invalidate()
        self.lines.scroll_programmatically(self.lines.rank(top))
