"""Lines picked out of a transcript for the failure summary, made inert."""

from __future__ import annotations

from collections.abc import Iterable

from crownest_tui.core.failure_summary import NumberedLine
from crownest_tui.ui.log.transcript import Transcript

from ...text.sanitize import plain_text

EXCERPT_WIDTH = 300
"""Characters kept of one line (the summary shows one row of each)."""
LOOK_BACK = 200
"""Stderr lines looked at, from the last, for non-blank ones."""


def _inert(raw: str) -> str:
    """One line as a person reads it (no escapes, controls or CR redraws; its
    indentation kept: pytest's ``E   `` lines read better with it)."""
    return plain_text(raw[: EXCERPT_WIDTH * 4]).rstrip()[:EXCERPT_WIDTH]


def numbered(transcript: Transcript, numbers: Iterable[int]) -> list[NumberedLine]:
    """The complete lines ``numbers``, as inert one-line text."""
    return [NumberedLine(n, _inert(transcript.line(n).raw)) for n in numbers]


def stderr_tail(transcript: Transcript, count: int) -> list[str]:
    """The last ``count`` non-blank stderr lines (a partial one included), oldest first."""
    found = [text for line in transcript.partials_shown("stderr") if (text := _inert(line.raw))]
    total = transcript.count("stderr")
    position = total - 1
    while len(found) < count and position >= 0 and total - position <= LOOK_BACK:
        text = _inert(transcript.line(transcript.select("stderr", position)).raw)
        if text:
            found.insert(0, text)
        position -= 1
    return found[-count:]
