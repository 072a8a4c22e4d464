"""Marked lines of a log view, moving between them, and what ``y``/``Y`` copy."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from crownest_tui.ui.log.transcript import Transcript

from ...text.sanitize import plain_text

COPY_LIMIT = 100_000
"""Most lines one ``y`` copies (terminals cap what OSC 52 may carry)."""


class Marks:
    """Transcript line numbers the user marked, in order."""

    def __init__(self) -> None:
        self.lines: list[int] = []

    def __len__(self) -> int:
        return len(self.lines)

    def __contains__(self, line: object) -> bool:
        index = bisect_left(self.lines, line) if isinstance(line, int) else -1
        return 0 <= index < len(self.lines) and self.lines[index] == line

    def toggle(self, line: int) -> bool:
        """Mark ``line``, or unmark it if marked; True when it is now marked."""
        if line in self:
            self.lines.remove(line)
            return False
        insort(self.lines, line)
        return True

    def after(self, line: int | None) -> int | None:
        """The next mark after ``line``, wrapping to the first."""
        if not self.lines:
            return None
        index = bisect_right(self.lines, -1 if line is None else line)
        return self.lines[index % len(self.lines)]

    def before(self, line: int | None) -> int | None:
        """The previous mark before ``line``, wrapping to the last."""
        if not self.lines:
            return None
        index = bisect_left(self.lines, self.lines[-1] + 1 if line is None else line) - 1
        return self.lines[index % len(self.lines)]

    def span(self) -> tuple[int, int] | None:
        """First and last marked lines (None without marks)."""
        return (self.lines[0], self.lines[-1]) if self.lines else None


def copy_text(transcript: Transcript, first: int, last: int) -> tuple[str, int]:
    """Lines ``first .. last`` as shown (escapes removed), and how many were taken."""
    last = min(last, first + COPY_LIMIT - 1, transcript.committed - 1)
    lines = [plain_text(transcript.line(n).raw) for n in range(first, last + 1)]
    return "\n".join(lines), len(lines)


def first_line_at_seq(transcript: Transcript, seq: int) -> int | None:
    """The first complete line started by event ``seq`` or a later one (None: not yet).

    Lines are numbered as they complete, so their seqs only step back where a partial
    line of one stream completes after lines of the other: a bisection finds the
    place, then a short walk back finds the first."""
    total = transcript.committed

    def seq_of(line: int) -> int:
        found = transcript.seq_of(line)
        return -1 if found is None else found

    if not total or seq_of(total - 1) < seq:
        return None
    line = bisect_left(range(total), seq, key=seq_of)
    while line > 0 and seq_of(line - 1) >= seq:
        line -= 1
    return min(line, total - 1)


def reference(run_id: str, seq: int) -> str:
    """What ``Y`` copies: ``wsr_…:seq``, which ``crownest-tui open wsr_… --at-seq N``
    opens at that line."""
    return f"{run_id}:{seq}"
