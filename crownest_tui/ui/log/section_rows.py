"""How section headers, annotations and marker lines look in the log view.

A section's header line becomes one row: ``▸`` (folded) or ``▾`` (open), indented by
its depth, its name, then its line count and duration (from event times; ``running``
while it is open and the run is active). A GitHub ``::error::`` (``::warning::``,
``::notice::``) line becomes a coloured mark, ``file:line:col``, its title and message.
GitLab markers left on other lines are removed. Every piece of text here comes from
the run: it is made plain (no escapes) and never read as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from crownest_tui.core.annotations import KINDS, parse_annotation
from crownest_tui.core.fold_state import FoldState
from crownest_tui.core.sections import Section, SectionIndex
from crownest_tui.ui.log.render import LineStyles, body_text
from crownest_tui.ui.log.transcript import Line

from ...text.format import format_count, format_duration
from ...text.sanitize import plain_text

RowDecorator = Callable[[int, Line, LineStyles, Console], Sequence[Strip] | None]
"""Rows of its own for a complete line (by number), or None for the usual rows."""

FOLDED_GLYPH, OPEN_GLYPH = "▸", "▾"
MESSAGE_LIMIT = 2_000
_GITLAB_MARKER = re.compile(r"section_(?:start|end):\d{1,12}:[A-Za-z0-9_.\-]+(?:\[[^\]\n]*\])?")


def section_summary(section: Section, index: SectionIndex, running: bool) -> str:
    """``12 lines · 3.4s`` (``running`` while it runs)."""
    parts = [format_count(section.body_lines(index.lines), "line")]
    end_ms = section.end_ms if section.end_ms is not None else index.last_ms
    if section.start_ms is not None and end_ms is not None:
        parts.append(format_duration((end_ms - section.start_ms) / 1000))
    if running:
        parts.append("running")
    return " · ".join(parts)


class SectionRows:
    """The :data:`RowDecorator` of a log view with sections."""

    def __init__(self, index: SectionIndex, state: FoldState) -> None:
        self.index, self.state = index, state

    def __call__(
        self, number: int, line: Line, styles: LineStyles, console: Console
    ) -> Sequence[Strip] | None:
        index = self.index
        header = index.header_at(number)
        text: Text | None
        if header is not None:
            text = self.header(header, styles)
        elif (kind := index.annotation_at(number)) is not None:
            text = self.annotation(line, KINDS[kind], styles)
        elif "section_" in line.raw and _GITLAB_MARKER.search(line.raw):
            bare = Line(line.stream, line.time_ms, _GITLAB_MARKER.sub("", line.raw))
            text = body_text(bare, styles, None)
        else:
            return None
        if text is None:
            return None
        return [Strip(text.render(console), text.cell_len)]

    def header(self, number: int, styles: LineStyles) -> Text:
        section = self.index.sections[number]
        folded = self.state.folded(number)
        running = section.is_open and self.state.run_active
        name_style = styles.time if section.faint else styles.base + Style(bold=True)
        text = Text(style=styles.base, no_wrap=True)
        text.append("  " * section.depth)
        text.append(FOLDED_GLYPH if folded else OPEN_GLYPH, styles.base + Style(bold=True))
        text.append(" ")
        text.append(section.name or "(unnamed section)", name_style)
        text.append("  " + section_summary(section, self.index, running), styles.time)
        return text

    def annotation(self, line: Line, kind: str, styles: LineStyles) -> Text | None:
        found = parse_annotation(line.raw)
        if found is None:
            return None
        mark = {
            "error": styles.stderr_mark + Style(reverse=True),
            "warning": styles.badge,
            "notice": styles.current_match,
        }[kind]
        text = Text(style=styles.stderr if kind == "error" else styles.base, no_wrap=True)
        text.append(f" {kind} ", mark)
        if found.location:
            text.append(" " + plain_text(found.location), styles.time)
        if found.title:
            text.append(" " + plain_text(found.title) + ":", Style(bold=True))
        message = found.message[:MESSAGE_LIMIT].replace("\r", "").replace("\n", " ↵ ")
        message = plain_text(message)
        text.append(" " + message)
        return text
