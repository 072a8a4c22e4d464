"""The pen (colours, attributes, link) in force at each line, without replaying the log.

A colour set on one line holds until it is reset, across lines and chunks, for each
stream on its own, as in a terminal. As lines are spooled, :class:`PenIndex` keeps
the stdout and stderr pens at the start of every spool block (:data:`BLOCK` lines),
as ids into a table of the distinct pens met (a few bytes per block); a line's pen is
its block's checkpoint carried over at most ``BLOCK - 1`` earlier lines of the block,
which the spool has cached anyway. Lines with no escape cost one substring test.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

from textual.cache import LRUCache

from crownest_tui.text.pen import PLAIN, Pen
from crownest_tui.text.terminal_line import pen_after
from crownest_tui.ui.log.spool import BLOCK

STREAMS = 2  # stdout, stderr (Transcript's STDOUT, STDERR)


class PenIndex:
    """Pens at block starts, per stream, and the pens after the last complete line."""

    def __init__(self, cache_blocks: int = 64) -> None:
        self._table: list[Pen] = [PLAIN]
        self._ids: dict[Pen, int] = {PLAIN: 0}
        self._at_block = tuple(array("I") for _ in range(STREAMS))
        self.current: list[Pen] = [PLAIN] * STREAMS
        """The pen each stream's next line starts with (and its partial line)."""
        self._lines = 0
        self._starts: LRUCache[int, list[Pen]] = LRUCache(cache_blocks)

    @property
    def blocks(self) -> int:
        """Blocks with a checkpoint."""
        return len(self._at_block[0])

    def _id(self, pen: Pen) -> int:
        found = self._ids.get(pen)
        if found is None:
            found = self._ids[pen] = len(self._table)
            self._table.append(pen)
        return found

    def _checkpoint_until(self, end: int) -> None:
        """Record the current pens at every block start before line ``end``."""
        stdout, stderr = self._at_block
        start = len(stdout) * BLOCK
        if start >= end:
            return
        count = (end - start + BLOCK - 1) // BLOCK
        stdout.extend([self._id(self.current[0])] * count)
        stderr.extend([self._id(self.current[1])] * count)

    def record(self, records: Sequence[str], runs: Sequence[tuple[int, int]]) -> None:
        """Take what a transcript batch spools: ``records[i]`` holds ``runs[i] =
        (stream, lines)`` newline-terminated lines (a header before each is fine: it
        holds no escape)."""
        line = self._lines
        current = self.current
        for record, (stream, lines) in zip(records, runs, strict=True):
            if "\x1b" in record:
                current[stream] = self._carry(record, line, lines, current[stream], stream)
            line += lines
        self._checkpoint_until(line)
        self._lines = line

    def _carry(self, record: str, line: int, lines: int, pen: Pen, stream: int) -> Pen:
        """The pen after ``record`` (lines ``line``... of ``stream``), checkpointing at
        each block start inside it; one pass over the escapes of every block's part."""
        self._checkpoint_until(line + 1)
        end = line + lines
        boundary = (line // BLOCK + 1) * BLOCK
        position = 0
        while boundary < end:
            cut = position
            for _ in range(boundary - line):
                cut = record.index("\n", cut) + 1
            pen = self.current[stream] = pen_after(pen, record, position, cut)
            line, position = boundary, cut
            self._checkpoint_until(line + 1)
            boundary += BLOCK
        return pen_after(pen, record, position)

    def start_of(
        self, index: int, stream: int, block_lines: Callable[[int], list[str]], flags: bytearray
    ) -> Pen:
        """The pen line ``index`` (of ``stream``) starts with; ``block_lines(b)`` reads
        the records of spool block ``b`` and ``flags`` holds each line's stream."""
        block, offset = divmod(index, BLOCK)
        starts = self._starts.get(block)
        if starts is None or offset >= len(starts):  # new, or lines came since
            starts = self._starts[block] = self._block_starts(block, block_lines, flags)
        return starts[offset]

    def _block_starts(
        self, block: int, block_lines: Callable[[int], list[str]], flags: bytearray
    ) -> list[Pen]:
        table = self._table
        pens = [table[ids[block]] for ids in self._at_block]
        starts: list[Pen] = []
        first = block * BLOCK
        for offset, record in enumerate(block_lines(block)):
            stream = flags[first + offset]
            starts.append(pens[stream])
            if "\x1b" in record:
                pens[stream] = pen_after(pens[stream], record)
        return starts
