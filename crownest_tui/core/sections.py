"""CI log sections, found as output is stored: GitHub, GitLab and Buildkite markers.

* GitHub Actions: ``::group::NAME`` … ``::endgroup::`` (nested groups nest).
* GitLab CI: ``section_start:TS:NAME[collapsed=true]`` … ``section_end:TS:NAME``,
  usually wrapped in ``ESC[0K``; the header text follows the marker after ``\\r``.
* Buildkite: a line starting ``--- `` (collapsed), ``+++ `` (expanded) or ``~~~ ``
  (collapsed, de-emphasised) starts a section that runs to the next such header;
  ``^^^ +++`` expands the current one. As on Buildkite, when no ``+++`` header was
  seen, the last ``---`` section is expanded.

:meth:`SectionIndex.scan` reads each batch of stored records (``<hex ms>\\x1f<raw>\\n``,
see :mod:`crownest_tui.ui.log.transcript`) with one regular expression that only
stops at lines starting like a marker, so a log without markers costs about 0.1 µs a
line. The index keeps one small :class:`Section` per section (never the text of the
log) and the line numbers of GitHub annotations (``::error::`` and the like).
Markers must start their line (after blanks or escape sequences); a ``--- a/`` or
``+++ b/`` line of a diff is not a header.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

from ..text.sanitize import plain_text
from .annotations import KINDS

Dialect = Literal["github", "gitlab", "buildkite"]

MAX_SECTIONS = 100_000
"""Sections kept; markers after that many are shown as plain lines."""
MAX_DEPTH = 32
"""Deepest nesting kept; deeper starts are plain lines."""
NAME_LIMIT = 200
"""Characters of a section's name kept."""

_LEAD = r"[ \t]*(?:\x1b(?:\[[0-?]*[ -/]*[@-~]|_[^\x07\x1b\n]*(?:\x07|\x1b\\)))*"
"""Blanks and escape sequences (CSI, or Buildkite's ``ESC _ bk;t=… BEL`` times) that
may come before a marker."""
_CANDIDATE = re.compile(
    r"\x1f(?=[ \t\x1b:s\-+~^])"  # a record's text that may start with a marker
    + _LEAD
    + r"(?:::(?:group|endgroup|error|warning|notice)|section_(?:start|end):"
    r"|(?:---|\+\+\+|~~~|\^\^\^) )"
)
_HEX = re.compile(r"[0-9a-f]*")
_GITHUB = re.compile(r"[ \t]*::(group|endgroup)::(.*)\Z", re.DOTALL)
_GITLAB = re.compile(r"section_(start|end):(\d{1,12}):([A-Za-z0-9_.\-]+)(?:\[([^\]\n]*)\])?")
_BUILDKITE = re.compile(
    _LEAD + r"(?:(\^\^\^ \+\+\+)(?: .*)?|(---|\+\+\+|~~~) (.*))\Z",
    re.DOTALL,
)
_DIFF_PATHS = ("a/", "b/", "/dev/null")
_ANNOTATION = re.compile(r"[ \t]*::(error|warning|notice)[ \t:]")


@dataclass(slots=True)
class Section:
    """One section: its header line, where it ends, what it is called, its times."""

    start: int
    """The header line (shown as the section's one foldable line)."""
    name: str
    """What the header says (plain text, at most :data:`NAME_LIMIT` characters)."""
    dialect: Dialect
    depth: int
    parent: int
    """Number of the enclosing section, -1 at the top."""
    start_ms: int | None
    collapsed: bool
    """Folded unless something opens it (the dialect's default)."""
    faint: bool = False
    """A Buildkite ``~~~`` section (shown de-emphasised)."""
    key: str = ""
    """What its end marker names (GitLab's section name)."""
    last: int = -1
    """Its last line, the end marker included; -1 while it is open."""
    end_ms: int | None = None
    marker: bool = False
    """Its last line is an end marker (hidden: the header says it all)."""
    dash: bool = False
    """A Buildkite ``---`` section."""

    @property
    def is_open(self) -> bool:
        return self.last < 0

    def end(self, lines: int) -> int:
        """Its last line (the last line so far while it is open)."""
        return self.last if self.last >= 0 else lines - 1

    def body_lines(self, lines: int) -> int:
        """Lines under its header (not counting the end marker)."""
        return max(0, self.end(lines) - self.start - (1 if self.marker else 0))


def _name(text: str) -> str:
    shown = plain_text(text).strip()
    return shown[:NAME_LIMIT]


class SectionIndex:
    """The sections and annotations of one transcript, kept up to date by :meth:`scan`."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.starts = array("q")
        """Header line of each section, in order (for bisecting)."""
        self.annotation_lines = array("q")
        self.annotation_kinds = bytearray()
        """Index into :data:`~crownest_tui.core.annotations.KINDS` per annotation."""
        self.hidden_lines = array("q")
        """Stray marker lines shown nowhere (``^^^ +++``, an unmatched end)."""
        self.open: list[int] = []
        """Numbers of the open sections, outermost first."""
        self.lines = 0
        """Lines scanned."""
        self.last_ms: int | None = None
        """Event time of the last line scanned."""
        self.generation = 0
        """Bumped whenever a section starts, ends or changes."""
        self.plus_seen = False
        self.last_dash = -1
        self.full = False
        """True once :data:`MAX_SECTIONS` were found (later markers are plain lines)."""

    # -- reading ---------------------------------------------------------------------

    def header_at(self, line: int) -> int | None:
        """The number of the section whose header is ``line``."""
        number = bisect_right(self.starts, line) - 1
        return number if number >= 0 and self.starts[number] == line else None

    def containing(self, line: int) -> int | None:
        """The innermost section that ``line`` is part of (its header included)."""
        number = bisect_right(self.starts, line) - 1
        lines = max(self.lines, line + 1)
        while number >= 0:
            section = self.sections[number]
            if section.end(lines) >= line:
                return number
            number = section.parent
        return None

    def annotation_at(self, line: int) -> int | None:
        """The annotation kind (index into ``KINDS``) of ``line``, if it is one."""
        found = bisect_right(self.annotation_lines, line) - 1
        if found >= 0 and self.annotation_lines[found] == line:
            return self.annotation_kinds[found]
        return None

    def last_expanded_dash(self) -> int:
        """The ``---`` section Buildkite shows expanded (none once a ``+++`` was seen)."""
        return -1 if self.plus_seen else self.last_dash

    # -- indexing --------------------------------------------------------------------

    def scan(self, data: str, first: int, count: int) -> None:
        """Index ``count`` records (``data``) whose first is line ``first``."""
        line, position = first, 0
        changed = False
        for match in _CANDIDATE.finditer(data):
            separator = match.start()
            line_start = data.rfind("\n", 0, separator) + 1
            head = data[line_start:separator]
            if _HEX.fullmatch(head) is None:
                continue  # a \x1f inside the text of a line, not a record's separator
            line += data.count("\n", position, line_start)
            position = line_start
            line_end = data.find("\n", separator)
            text = data[separator + 1 : line_end if line_end >= 0 else len(data)]
            time_ms = int(head, 16) if head else None
            changed |= self._line(line, text, time_ms)
        self.lines = first + count
        tail = data.rfind("\n", 0, len(data) - 1) + 1
        head = data[tail : data.find("\x1f", tail)]
        if head and _HEX.fullmatch(head):
            self.last_ms = int(head, 16)
        if changed:
            self.generation += 1

    def _line(self, line: int, text: str, time_ms: int | None) -> bool:
        """Take one candidate line; True when it changed the sections."""
        if (github := _GITHUB.match(text)) is not None:
            if github.group(1) == "group":
                return self._open(line, "github", _name(github.group(2)), time_ms, True)
            return self._close(line, "github", "", time_ms, "marker")
        if (annotation := _ANNOTATION.match(text)) is not None:
            self.annotation_lines.append(line)
            self.annotation_kinds.append(KINDS.index(annotation.group(1)))
            return False
        if "section_" in text:
            return self._gitlab(line, text, time_ms)
        if (buildkite := _BUILDKITE.match(text)) is not None:
            sign = buildkite.group(1) or buildkite.group(2)
            return self._buildkite(line, sign, buildkite.group(3) or "", time_ms)
        return False

    def _gitlab(self, line: int, text: str, time_ms: int | None) -> bool:
        markers = list(_GITLAB.finditer(text))
        if not markers:
            return False
        starts = [m for m in markers if m.group(1) == "start"]
        rest = plain_text(_GITLAB.sub("", text)).strip()
        changed = False
        for marker in markers:
            if marker.group(1) == "end":
                when = time_ms if time_ms is not None else int(marker.group(2)) * 1000
                how = "header" if starts else "text" if rest else "marker"
                changed |= self._close(line, "gitlab", marker.group(3), when, how)
        for marker in starts:
            when = time_ms if time_ms is not None else int(marker.group(2)) * 1000
            options = marker.group(4) or ""
            collapsed = "collapsed=true" in options.replace(" ", "")
            name = rest or marker.group(3)
            opened = self._open(line, "gitlab", name[:NAME_LIMIT], when, collapsed)
            if opened:
                self.sections[-1].key = marker.group(3)
            changed |= opened
        return changed

    def _buildkite(self, line: int, sign: str, title: str, time_ms: int | None) -> bool:
        open_buildkite = self._innermost("buildkite", "")
        if sign == "^^^ +++":
            self.hidden_lines.append(line)
            if open_buildkite is not None:
                self.sections[open_buildkite].collapsed = False
                return True
            return False
        if title.startswith(_DIFF_PATHS):
            return False
        name = _name(title)
        if not name and sign != "+++":
            return False
        if open_buildkite is not None:
            self._close_to(open_buildkite, line - 1, line - 1, time_ms, marker=False)
        opened = self._open(line, "buildkite", name, time_ms, sign != "+++", faint=sign == "~~~")
        if opened:
            number = len(self.sections) - 1
            if sign == "---":
                self.sections[number].dash = True
                self.last_dash = number
            elif sign == "+++":
                self.plus_seen = True
        return opened or open_buildkite is not None

    def _open(
        self,
        line: int,
        dialect: Dialect,
        name: str,
        time_ms: int | None,
        collapsed: bool,
        faint: bool = False,
    ) -> bool:
        if self.full or len(self.open) >= MAX_DEPTH:
            return False
        if self.starts and self.starts[-1] == line:
            return False  # one section per header line
        if len(self.sections) >= MAX_SECTIONS:
            self.full = True
            return False
        parent = self.open[-1] if self.open else -1
        section = Section(line, name, dialect, len(self.open), parent, time_ms, collapsed, faint)
        self.sections.append(section)
        self.starts.append(line)
        self.open.append(len(self.sections) - 1)
        return True

    def _innermost(self, dialect: Dialect, key: str) -> int | None:
        for number in reversed(self.open):
            section = self.sections[number]
            if section.dialect == dialect and (not key or section.key == key):
                return number
        return None

    def _close(self, line: int, dialect: Dialect, key: str, time_ms: int | None, how: str) -> bool:
        """End the innermost open section of ``dialect`` (named ``key``) at ``line``:
        ``how`` says what else the line is: a ``"marker"`` only, a ``"header"`` of a
        section starting there, or ``"text"`` to show."""
        number = self._innermost(dialect, key)
        if number is None:
            if how == "marker":
                self.hidden_lines.append(line)  # an end with nothing to end: still a marker
            return False
        last = line - 1 if how == "header" else line
        self._close_to(number, last, line - 1, time_ms, marker=how == "marker")
        return True

    def _close_to(
        self, number: int, last: int, inner_last: int, time_ms: int | None, marker: bool
    ) -> None:
        """Close section ``number`` at ``last`` and those inside it at ``inner_last``."""
        while self.open:
            top = self.open.pop()
            section = self.sections[top]
            section.end_ms = time_ms
            if top == number:
                section.last = max(last, section.start)
                section.marker = marker and last > section.start
                return
            section.last = max(inner_last, section.start)
