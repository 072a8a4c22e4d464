"""A run's output as lines: chunks in, lines out, nothing dropped.

Chunks are joined per stream: a line is complete when its stream writes ``\\n``, and
complete lines are numbered in the order they complete (so a partial stdout line is
not split by stderr output that arrives meanwhile). Complete lines go to a
:class:`~crownest_tui.ui.log.spool.Spool` on disk; the up to two partial lines (one per
stream) stay in memory and are shown after the complete ones, growing as text arrives.

Each stored record is ``<time>\\x1f<raw text>``: ``time`` is the event time (in hex
milliseconds since the epoch, empty when unknown) of the chunk that started the line.
The sequence number of that chunk is kept beside the spool, once per change of seq
(about 12 bytes per chunk that ends lines).
Memory per line is one stream flag byte plus the spool's sparse index.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from crownest_tui.core.chunk import OutputChunk, Stream, StreamFilter
from crownest_tui.text.pen import Pen
from crownest_tui.ui.log.pens import PenIndex
from crownest_tui.ui.log.spool import BLOCK, ENCODING, ERRORS, Spool

STDOUT, STDERR = 0, 1
SEPARATOR = "\x1f"
LinesHook = Callable[[int, str], None]
"""Called once a batch with the first new line's number and the new records."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the transcript, raw (not yet sanitized)."""

    stream: Stream
    time_ms: int | None
    raw: str
    partial: bool = False
    seq: int | None = None
    """Sequence number of the event that started the line."""


class RecordIndexer(Protocol):
    """Reads each batch of records as it is stored (an index kept beside the spool)."""

    def scan(self, data: str, first: int, count: int) -> None:
        """``count`` records (``data``, each ``<time>\\x1f<raw>\\n``) from line ``first``."""
        ...


class _Pending:
    """The partial line of one stream."""

    __slots__ = ("order", "parts", "seq", "start")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.start: int | None = None
        self.seq = 0
        self.order = 0

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


def _millis(time: datetime | None) -> int | None:
    return None if time is None else int(time.timestamp() * 1000)


def _header(time_ms: int | None) -> str:
    return SEPARATOR if time_ms is None else f"{time_ms:x}{SEPARATOR}"


class Transcript:
    """Every line of a run's stdout and stderr, stored on disk as it arrives."""

    def __init__(self, directory: Path | None = None) -> None:
        self.spool = Spool(directory)
        self._flags = bytearray()
        self._stderr_before = array("q")  # stderr lines before each block
        self._stderr_total = 0
        self._pending = (_Pending(), _Pending())
        self._order = 0
        self._seq_lines = array("I")  # first line of each run of lines of one seq
        self._seqs = array("q")  # and that seq
        self.indexers: list[RecordIndexer] = []
        """Indexes fed every batch of complete lines (sections, for one)."""
        self.pens = PenIndex()
        self.on_lines: LinesHook | None = None
        """Sees every batch of complete lines as it is stored (the error-line index)."""

    def close(self) -> None:
        """Release the spool file."""
        self.spool.close()

    @property
    def committed(self) -> int:
        """Number of complete lines."""
        return self.spool.line_count

    def append(self, chunks: Iterable[OutputChunk]) -> int:
        """Take a batch of chunks; return the number of lines it completed."""
        records: list[str] = []
        runs: list[tuple[int, int, int, int]] = []  # stream, lines, their seqs
        pending = self._pending
        last_time: datetime | None = None
        last_ms: int | None = None
        for chunk in chunks:
            text = chunk.text
            if not text:
                continue
            stream = STDERR if chunk.stream == "stderr" else STDOUT
            if chunk.time is not last_time:
                last_time, last_ms = chunk.time, _millis(chunk.time)
            partial = pending[stream]
            newline = text.rfind("\n")
            if newline < 0:
                if not partial.parts:
                    partial.start, partial.seq = last_ms, chunk.seq
                    self._order += 1
                    partial.order = self._order
                partial.parts.append(text)
                continue
            body = text[:newline]
            lines = body.count("\n") + 1
            first_seq = partial.seq if partial.parts else chunk.seq
            first = _header(partial.start if partial.parts else last_ms) + partial.text()
            if lines > 1:
                body = body.replace("\n", "\n" + _header(last_ms))
            records.append(first + body + "\n")
            runs.append((stream, lines, first_seq, chunk.seq))
            rest = text[newline + 1 :]
            partial.parts = [rest] if rest else []
            partial.start, partial.seq = last_ms, chunk.seq
            if rest:
                self._order += 1
                partial.order = self._order
        if not records:
            return 0
        total = 0
        flags, before = self._flags, self.spool.line_count
        for stream, lines, first_seq, rest_seq in runs:
            flags.extend(b"\x01" * lines if stream else bytes(lines))
            self._note_seq(before + total, first_seq)
            if lines > 1:
                self._note_seq(before + total + 1, rest_seq)
            total += lines
        data = "".join(records)
        self._index_blocks(before, total)
        self.pens.record(records, [(stream, lines) for stream, lines, _seq, _rest in runs])
        if self.on_lines is not None:
            self.on_lines(before, data)
        self.spool.append(data.encode(ENCODING, ERRORS), total)
        for indexer in self.indexers:
            indexer.scan(data, before, total)
        return total

    def _note_seq(self, line: int, seq: int) -> None:
        """Lines from ``line`` on were started by event ``seq`` (until the next note)."""
        seqs = self._seqs
        if not seqs or seqs[-1] != seq:
            self._seq_lines.append(line)
            seqs.append(seq)

    def seq_of(self, index: int) -> int | None:
        """The seq of the event that started complete line ``index``."""
        position = bisect_right(self._seq_lines, index) - 1
        return self._seqs[position] if position >= 0 else None

    def _index_blocks(self, before: int, added: int) -> None:
        """Record the stderr count at each block start that the new lines cross."""
        prefix, flags = self._stderr_before, self._flags
        start = len(prefix) * BLOCK
        while start < before + added:
            previous = start - BLOCK
            count = prefix[-1] + flags.count(1, previous, start) if prefix else 0
            prefix.append(count)
            start += BLOCK

    # -- reading ---------------------------------------------------------------------

    def partials(self) -> list[Line]:
        """The partial (still growing) lines, oldest first."""
        found = [
            (p.order, Line("stderr" if i else "stdout", p.start, p.text(), True, p.seq))
            for i, p in enumerate(self._pending)
            if p.parts
        ]
        return [line for _order, line in sorted(found, key=lambda item: item[0])]

    def line(self, index: int) -> Line:
        """A complete line by its number."""
        record = self.spool.record(index)
        head, _sep, raw = record.partition(SEPARATOR)
        stream: Stream = "stderr" if self._flags[index] else "stdout"
        return Line(stream, int(head, 16) if head else None, raw, False, self.seq_of(index))

    def start_pen(self, index: int | None, stream: Stream) -> Pen:
        """The pen (colours in force) a line starts with: complete line ``index``, or
        the partial line of ``stream`` when ``index`` is None."""
        if index is None:
            return self.pens.current[STDERR if stream == "stderr" else STDOUT]
        return self.pens.start_of(index, self._flags[index], self.spool.block, self._flags)

    @property
    def stderr_flags(self) -> bytearray:
        """One byte per complete line: 1 for stderr (read-only for callers)."""
        return self._flags

    def stream_of(self, index: int) -> Stream:
        """The stream of a complete line."""
        return "stderr" if self._flags[index] else "stdout"

    def stream_flags(self, low: int, high: int) -> bytes:
        """One byte per complete line ``low .. high - 1``: 1 for stderr, 0 for stdout."""
        return bytes(self._flags[low:high])

    def last_stderr(self) -> int | None:
        """The last complete stderr line (None before any)."""
        found = self._flags.rfind(1)
        return found if found >= 0 else None

    def stderr_before(self, index: int) -> int:
        """Number of stderr lines among complete lines ``0 .. index - 1``."""
        prefix = self._stderr_before
        if not prefix:
            return 0
        block = min(index // BLOCK, len(prefix) - 1)
        return prefix[block] + self._flags.count(1, block * BLOCK, index)

    def count(self, streams: StreamFilter) -> int:
        """Number of complete lines shown under a stream filter."""
        total = self.spool.line_count
        if streams == "all":
            return total
        stderr = self.stderr_before(total)
        return stderr if streams == "stderr" else total - stderr

    def rank(self, streams: StreamFilter, index: int) -> int:
        """Position of complete line ``index`` among the lines a filter shows."""
        if streams == "all":
            return index
        stderr = self.stderr_before(index)
        return stderr if streams == "stderr" else index - stderr

    def select(self, streams: StreamFilter, position: int) -> int:
        """The complete line at ``position`` among the lines a filter shows."""
        if streams == "all":
            return position
        prefix = self._stderr_before
        want = 1 if streams == "stderr" else 0

        def shown_before(block: int) -> int:
            stderr = prefix[block]
            return stderr if want else block * BLOCK - stderr

        block = bisect_right(range(len(prefix)), position, key=shown_before) - 1
        seen = shown_before(block)
        flags = self._flags
        index = block * BLOCK
        while True:
            if flags[index] == want:
                if seen == position:
                    return index
                seen += 1
            index += 1

    def partials_shown(self, streams: StreamFilter) -> Sequence[Line]:
        """Partial lines that a filter shows."""
        lines = self.partials()
        if streams == "all":
            return lines
        return [line for line in lines if line.stream == streams]
