"""An append-only file of text records with a sparse index of line offsets.

Records are UTF-8 lines (``\\n``-terminated) written to an anonymous temporary file;
the file disappears when the spool is closed or the process exits. Memory holds one
byte offset per block of :data:`BLOCK` lines (about 0.13 byte per line) and a small
LRU of decoded blocks, so tens of millions of lines fit in a few megabytes.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Sequence
from itertools import accumulate, islice
from pathlib import Path

from textual.cache import LRUCache

from crownest_tui.ui.log.record_codec import ENCODING, ERRORS

BLOCK = 64
"""Lines per index block: reading any line reads at most this many."""

READ_BLOCKS = 1024
"""Blocks :meth:`Spool.records` reads (and decodes) at once: 64k lines."""

__all__ = ["BLOCK", "ENCODING", "ERRORS", "READ_BLOCKS", "Spool"]


class Spool:
    """Append-only line storage on disk."""

    def __init__(self, directory: Path | None = None, cache_blocks: int = 256) -> None:
        # Kept open for the spool's lifetime; close() releases (and deletes) it.
        self._file = tempfile.TemporaryFile(  # noqa: SIM115
            mode="w+b", dir=directory, prefix="crownest-log-"
        )
        self._fd = self._file.fileno()
        self._size = 0
        self._flushed = 0
        self._lines = 0
        self._block_offsets = array("q")
        self._cache: LRUCache[int, list[str]] = LRUCache(cache_blocks)

    @property
    def line_count(self) -> int:
        """Number of complete lines stored."""
        return self._lines

    @property
    def byte_size(self) -> int:
        """Bytes written so far."""
        return self._size

    def close(self) -> None:
        """Close (and so delete) the spool file."""
        self._cache.clear()
        self._file.close()

    def append(self, data: bytes, lines: int) -> None:
        """Append ``lines`` complete records (``data`` ends with ``\\n``)."""
        if not lines:
            return
        before, base = self._lines, self._size
        offsets = self._block_offsets
        if before % BLOCK == 0:
            offsets.append(base)
        # Line ``before + i + 1`` starts after the (i+1)-th newline of data.
        first = -before % BLOCK or BLOCK  # index of the next block start within data
        if first < lines:
            ends = accumulate(map(len, data.split(b"\n")))
            offsets.extend(
                base + end + index
                for index, end in zip(
                    range(first, lines, BLOCK),
                    islice(ends, first - 1, lines - 1, BLOCK),
                    strict=True,
                )
            )
        self._file.write(data)
        self._size += len(data)
        self._lines += lines

    def _flush(self) -> None:
        size = self._size  # read first: a scan thread may flush while lines are added
        if self._flushed != size:
            self._file.flush()
            self._flushed = size

    def block_count(self) -> int:
        """Number of blocks (the last one may be incomplete)."""
        return len(self._block_offsets)

    def read_blocks(self, first: int, last: int) -> bytes:
        """Raw records of blocks ``first`` to ``last`` (exclusive)."""
        offsets = self._block_offsets
        start = offsets[first]
        end = offsets[last] if last < len(offsets) else self._size
        self._flush()
        return os.pread(self._fd, end - start, start)

    @property
    def fileno(self) -> int:
        """The spool file's descriptor (for a process that reads it: see :meth:`extent`)."""
        return self._fd

    def extent(self, first: int) -> tuple[int, int, int]:
        """(byte offset of line ``first``, bytes written, lines written), with all of it
        flushed to the file: another process may read the records in between."""
        self._flush()
        size, lines = self._size, self._lines
        if first >= lines:
            return size, size, lines
        block, skip = divmod(first, BLOCK)
        data = self.read_blocks(block, block + 1) if skip else b""
        within = 0
        for _ in range(skip):
            within = data.index(b"\n", within) + 1
        return self._block_offsets[block] + within, size, lines

    def block(self, index: int) -> list[str]:
        """The decoded records of one block, without their newlines."""
        lines = self._cache.get(index)
        if lines is not None:
            return lines
        data = self.read_blocks(index, index + 1)
        lines = data.decode(ENCODING, ERRORS).split("\n")
        lines.pop()
        if len(lines) == BLOCK:
            self._cache[index] = lines
        return lines

    def record(self, line: int) -> str:
        """One record by line number."""
        return self.block(line // BLOCK)[line % BLOCK]

    def records(self, lines: Sequence[int]) -> list[str]:
        """The records of these line numbers, in ascending order, read in long
        stretches (one read and one decode per 64k lines, not one per block): a
        diff asks for every ninth line of a log as easily as for one."""
        texts: list[str] = []
        at, count = 0, len(lines)
        while at < count:
            first = lines[at] // BLOCK
            last = min(first + READ_BLOCKS, self.block_count())
            rows = self.read_blocks(first, last).decode(ENCODING, ERRORS).split("\n")
            start, end = first * BLOCK, last * BLOCK
            while at < count and start <= lines[at] < end:
                texts.append(rows[lines[at] - start])
                at += 1
            if at < count and lines[at] < start:
                raise ValueError("line numbers must be in ascending order")
        return texts
