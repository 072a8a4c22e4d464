"""Which lines of a run's output are error lines: one table of patterns, one fast scan.

Lines are scanned as they arrive, a whole batch at a time: the batch's text (the
transcript's records, as they go to the spool) has its escape sequences removed,
and each pattern's *needle* (a piece of
plain text every match contains) is searched for with ``str.find`` over the joined
text. Only the lines a needle hits are checked against the
pattern's full regular expression, so a million ordinary lines cost a few string
searches, not a million regex calls.

The built-in table covers common test runners, compilers and tools; users add
their own regular expressions in the config (``[errors] patterns``), which are
searched for as they are (multi-line mode: ``^`` and ``$`` match at each line).
Stderr lines that contain the word "error" (any case) count too.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

MAX_ERROR_LINES = 1_000_000
"""Error lines indexed per transcript (8 bytes each); later ones are not marked."""

_ESCAPES = re.compile(
    r"\x1b(?:"
    r"\[[0-?]*[ -/]*[@-~]"  # CSI (colours, cursor moves, erase)
    r"|[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC/DCS/... strings, kept to one line
    r"|[ -/]*[0-~]?"  # other ESC sequences
    r")"
)
"""Starts with a literal ESC, so ``sub`` skips plain text at ``str.find`` speed."""


@dataclass(frozen=True)
class ErrorPattern:
    """One row of the table: what kind of error line, the plain text every match
    contains (``needle``), and the full regular expression checked on a candidate
    line (``None``: the needle alone decides)."""

    name: str
    needle: str
    line: str | None = None


BUILTIN_PATTERNS: tuple[ErrorPattern, ...] = (
    ErrorPattern("python traceback", "Traceback (most recent call last)"),
    # Rows sharing a needle are found in one pass: "rror" serves three of them.
    ErrorPattern("exception", "rror", r"Error:"),
    ErrorPattern("compiler error", "rror", r"(?:^|: )(?:fatal )?error(?:\[E\d+\])?:"),
    ErrorPattern("annotation", "rror", r"^::error(?:\s[^:]*)?::"),
    ErrorPattern("exception", "Exception:"),
    ErrorPattern("test failed", "FAILED", r"\bFAILED\b"),
    ErrorPattern("pytest assertion", "E   ", r"^E   "),
    ErrorPattern("pytest summary", "short test summary info"),
    ErrorPattern("npm error", "npm ", r"^npm (?:ERR!|error) "),
    ErrorPattern("panic", "panic", r"^panic: |panicked at"),
    ErrorPattern("fatal", "fatal:", r"^fatal: "),
    ErrorPattern("error log", "ERROR", r"\bERROR\b"),
    ErrorPattern("crash", "Segmentation fault"),
)
STDERR_PATTERN = ErrorPattern("stderr error", "error", r"(?i)\berror")
"""Applied to stderr lines only, case-insensitively."""


class PatternError(ValueError):
    """A user's pattern is not a valid regular expression."""


def check_patterns(patterns: Iterable[str]) -> list[str]:
    """The user's patterns, each compiled once to be sure; raises PatternError."""
    checked: list[str] = []
    for pattern in patterns:
        try:
            re.compile(pattern, re.MULTILINE)
        except re.error as error:
            raise PatternError(f"{pattern!r} is not a regular expression: {error}") from None
        if re.fullmatch(pattern, ""):
            raise PatternError(f"{pattern!r} matches an empty line, so every line would match")
        checked.append(pattern)
    return checked


def plain(text: str) -> str:
    """``text`` with escape sequences and carriage returns removed (line feeds kept;
    other control characters stay: no pattern looks for them)."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    return text.replace("\r", "") if "\r" in text else text


@dataclass(frozen=True)
class _Probe:
    """A compiled needle search and the line checks of the patterns sharing it."""

    needle: str
    checks: tuple[re.Pattern[str] | None, ...]


def _probes(patterns: Sequence[ErrorPattern]) -> tuple[_Probe, ...]:
    grouped: dict[str, list[re.Pattern[str] | None]] = {}
    for pattern in patterns:
        check = None if pattern.line is None else re.compile(pattern.line)
        grouped.setdefault(pattern.needle, []).append(check)
    return tuple(_Probe(needle, tuple(checks)) for needle, checks in grouped.items())


class ErrorMatcher:
    """Finds error lines in batches of lines (built-in table plus ``extra`` regexes).

    A batch is one string of lines separated (or ended) by ``\\n``. Each line may
    start with a prefix that ends at the first ``prefix_end`` character (the
    transcript's time stamp): patterns never see it.
    """

    def __init__(self, extra: Sequence[str] = (), *, builtin: bool = True) -> None:
        self.extra = tuple(check_patterns(extra))
        self._probes = _probes(BUILTIN_PATTERNS if builtin else ())
        self._user = tuple(re.compile(p, re.MULTILINE) for p in self.extra)
        self._stderr = _probes([STDERR_PATTERN])[0] if builtin else None

    def is_error(self, line: str, stderr: bool = False) -> bool:
        """One line (raw or plain) on its own."""
        return bool(self.scan(line, b"\x01" if stderr else b""))

    def scan(
        self, text: str, stderr: Sequence[int] = b"", first: int = 0, prefix_end: str = ""
    ) -> list[int]:
        """Positions (0 for the first line of ``text``) of its error lines. Line ``i``
        of ``text`` is on stderr when ``stderr[first + i]`` is true."""
        text = plain(text)
        found: set[int] = set()
        for probe in self._probes:
            found.update(_hits(text, probe, prefix_end))
        if self._user:
            bodies = _prefixes(prefix_end).sub("", text) if prefix_end else text
            for regex in self._user:
                found.update(_regex_hits(bodies, regex))
        if self._stderr is not None and 1 in stderr[first:]:
            hits = _hits(text.lower(), self._stderr, prefix_end)
            found.update(at for at in hits if stderr[first + at])
        return sorted(found)


@cache
def _prefixes(prefix_end: str) -> re.Pattern[str]:
    """Each line's prefix, up to and including the first ``prefix_end``."""
    end = re.escape(prefix_end)
    return re.compile(f"^[^\\n{end}]*{end}", re.MULTILINE)


class _LineCounter:
    """Line numbers of offsets in a text, for offsets that only grow."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 0

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _hits(text: str, probe: _Probe, prefix_end: str = "") -> list[int]:
    """Lines of ``text`` where the probe's needle is and one of its checks matches
    (both after the line's prefix)."""
    lines: list[int] = []
    counter = _LineCounter(text)
    needle, find, position = probe.needle, text.find, 0
    while (hit := find(needle, position)) >= 0:
        start = text.rfind("\n", 0, hit) + 1
        end = find("\n", hit + len(needle))
        end = len(text) if end < 0 else end
        body = start
        if prefix_end:
            body = text.find(prefix_end, start, end) + 1 or start
            if hit < body:  # inside the prefix: look again after it
                position = body
                continue
        line = text[body:end]
        if any(check is None or check.search(line) for check in probe.checks):
            lines.append(counter.at(start))
        position = end + 1
    return lines


def _regex_hits(text: str, regex: re.Pattern[str]) -> list[int]:
    """Lines of ``text`` where a match of ``regex`` starts (once per line)."""
    lines: list[int] = []
    counter = _LineCounter(text)
    search, position = regex.search, 0
    while position <= len(text) and (match := search(text, position)) is not None:
        lines.append(counter.at(match.start()))
        end = text.find("\n", match.start())
        if end < 0:
            break
        position = end + 1
    return lines


class ErrorIndex:
    """The error lines of one transcript, by line number, in order."""

    def __init__(self, matcher: ErrorMatcher) -> None:
        self.matcher = matcher
        self._lines = array("q")

    def __len__(self) -> int:
        return len(self._lines)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int):
            return False
        at = bisect_left(self._lines, line)
        return at < len(self._lines) and self._lines[at] == line

    @property
    def full(self) -> bool:
        """No more error lines are indexed (see :data:`MAX_ERROR_LINES`)."""
        return len(self._lines) >= MAX_ERROR_LINES

    def add(self, first: int, text: str, stderr: Sequence[int] = b"", prefix_end: str = "") -> None:
        """Index a batch of new complete lines, numbered from ``first`` (see
        :meth:`ErrorMatcher.scan`; ``stderr`` is indexed by line number)."""
        if self.full:
            return
        found = self.matcher.scan(text, stderr, first, prefix_end)
        room = MAX_ERROR_LINES - len(self._lines)
        self._lines.extend(first + at for at in found[:room])

    def first(self) -> int | None:
        return self._lines[0] if self._lines else None

    def lines(self, limit: int | None = None) -> list[int]:
        """The first ``limit`` error lines (all by default)."""
        return list(self._lines[:limit])

    def after(self, line: int) -> int | None:
        """The first error line after ``line``."""
        at = bisect_right(self._lines, line)
        return self._lines[at] if at < len(self._lines) else None

    def before(self, line: int) -> int | None:
        """The last error line before ``line``."""
        at = bisect_left(self._lines, line)
        return self._lines[at - 1] if at else None

    def ordinal(self, line: int) -> int:
        """How many error lines come before ``line`` (1-based position when it is one)."""
        return bisect_left(self._lines, line)
