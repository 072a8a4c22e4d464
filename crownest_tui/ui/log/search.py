"""Search over the transcript: query parsing, an incremental match index, navigation.

A query is plain text unless it starts with ``re:`` or the search bar's regex toggle
is on. Either way it is *smart case*: all lower case matches any case. Matching is done
against the text as shown (escape sequences removed, ``\\r`` resolved, tabs expanded),
one line at a time, so a match never spans lines.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from crownest_tui.ui.log.spool import BLOCK, ENCODING, ERRORS
from crownest_tui.ui.log.transcript import Transcript

from ...text.sanitize import SPECIAL, plain_text

REGEX_PREFIX = "re:"
_HEADERS = re.compile(r"^[0-9a-f]*\x1f", re.MULTILINE)


class SearchError(ValueError):
    """A query that cannot be used (an invalid regular expression)."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query."""

    text: str
    """What the user typed."""
    regex: bool
    """True when ``text`` is a regular expression."""
    pattern: re.Pattern[str]
    """The compiled pattern, matched against one sanitized line at a time."""


def parse_query(text: str, regex: bool = False) -> Query:
    """Compile a query; raise :class:`SearchError` with a readable message if invalid."""
    source = text
    if source.startswith(REGEX_PREFIX):
        source, regex = source[len(REGEX_PREFIX) :], True
    flags = re.MULTILINE | (re.IGNORECASE if source == source.lower() else 0)
    if not regex:
        return Query(text, False, re.compile(re.escape(source), flags))
    try:
        return Query(text, True, re.compile(source, flags))
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise SearchError(f"Invalid regular expression{where}: {error.msg}") from None


def match_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Non-empty match spans of ``pattern`` in one line of shown text."""
    return [match.span() for match in pattern.finditer(text) if match.end() > match.start()]


class MatchIndex:
    """Line numbers of complete lines that match a query, built incrementally."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.lines = array("q")
        self.scanned = 0
        """Complete lines scanned so far (lines ``0 .. scanned - 1``)."""

    def scan(self, transcript: Transcript, max_blocks: int = 16) -> bool:
        """Scan up to ``max_blocks`` more blocks; return True when up to date."""
        total = transcript.spool.line_count
        if self.scanned >= total:
            return True
        end_line = min(self.scanned + max_blocks * BLOCK - self.scanned % BLOCK, total)
        self.lines.extend(self.matching_lines(transcript, self.scanned, end_line))
        self.scanned = end_line
        return end_line >= total

    def record(self, low: int, high: int, lines: list[int]) -> None:
        """Take the matches of lines ``low .. high - 1`` found by :meth:`matching_lines`
        into the index, if they continue it (a seek that reads on from the index)."""
        if low == self.scanned and high > low:
            self.lines.extend(lines)
            self.scanned = high

    def matching_lines(self, transcript: Transcript, low: int, high: int) -> list[int]:
        """Matching complete lines in ``low .. high - 1``, read from the spool (the index
        is neither used nor changed: this answers for lines it has not reached)."""
        high = min(high, transcript.spool.line_count)
        if low >= high:
            return []
        first, last = low // BLOCK, -(-high // BLOCK)
        data = transcript.spool.read_blocks(first, last).decode(ENCODING, ERRORS)
        text = _HEADERS.sub("", data)
        if SPECIAL.search(text.replace("\n", "")) is not None:
            text = "\n".join(plain_text(line) for line in text.split("\n"))
        return self._find(text, first * BLOCK, low, high)

    def _find(self, text: str, line: int, low: int, high: int) -> list[int]:
        """Lines in ``low .. high - 1`` of ``text`` (whose first line is ``line``)."""
        search = self.query.pattern.search
        found: list[int] = []
        position = 0
        while True:
            match = search(text, position)
            if match is None:
                return found
            start = match.start()
            line += text.count("\n", position, start)
            if line >= high:
                return found
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            spans_lines = "\n" in match.group() or match.end() == match.start()
            if line >= low and (
                not spans_lines or match_spans(self.query.pattern, text[line_start:line_end])
            ):
                found.append(line)
            position = line_end + 1
            line += 1
            if position > len(text):
                return found

    def next_after(self, line: int) -> int | None:
        """First matching line after ``line``."""
        index = bisect_right(self.lines, line)
        return self.lines[index] if index < len(self.lines) else None

    def previous_before(self, line: int) -> int | None:
        """Last matching line before ``line``."""
        index = bisect_left(self.lines, line)
        return self.lines[index - 1] if index else None

    def ordinal(self, line: int) -> int:
        """How many matching lines come before ``line``."""
        return bisect_left(self.lines, line)
