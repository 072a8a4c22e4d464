"""Include and exclude filters over the transcript, and the view they leave.

Filters stack: a line is *kept* when it matches every include filter (``&``) and no
exclude filter (``-``); with ``context`` N, the N lines either side of a kept line are
kept too (unless excluded). :class:`FilterIndex` holds one flag byte
per scanned line and answers like :class:`~crownest_tui.ui.log.transcript.Transcript`
does for the stream filter (``count`` / ``rank`` / ``select``), so the view can use it
as the mapping from view positions to transcript lines: a separate, small layer.
The flags of a slice are computed by :func:`scan_slice` (in a thread, from raw spool
blocks); :meth:`FilterIndex.add` takes them in on the event loop.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from crownest_tui.core.chunk import StreamFilter
from crownest_tui.ui.log.line_scan import LinePattern
from crownest_tui.ui.log.scan_job import ScanJob, and_flags
from crownest_tui.ui.log.search import Query
from crownest_tui.ui.log.spool import BLOCK
from crownest_tui.ui.log.transcript import Line, Transcript

from ...text.sanitize import plain_text

FilterKind = Literal["include", "exclude"]
RANK_BLOCK = 256
"""Lines per prefix count of shown lines (``select`` reads at most this many flags)."""
MAX_CONTEXT = 1000
_FLIP = bytes([1, 0]) + bytes(254)


@dataclass(frozen=True)
class LineFilter:
    """One filter: show only lines matching (include), or hide them (exclude)."""

    kind: FilterKind
    query: Query

    @property
    def chip(self) -> str:
        """How the filter is named on its chip: ``& text`` or ``- text``."""
        return f"{'&' if self.kind == 'include' else '-'} {self.query.text}"


@dataclass(frozen=True)
class FilterSet:
    """The filters in force, in the order they were added, and the context size."""

    filters: tuple[LineFilter, ...] = ()
    context: int = 0

    @property
    def active(self) -> bool:
        """Whether anything is filtered out."""
        return bool(self.filters)

    def adding(self, line_filter: LineFilter) -> FilterSet:
        return replace(self, filters=(*self.filters, line_filter))

    def without(self, index: int) -> FilterSet:
        """The set without filter ``index`` (negative counts from the end)."""
        filters = list(self.filters)
        if filters:
            del filters[index]
        return replace(self, filters=tuple(filters))

    def with_context(self, lines: int) -> FilterSet:
        return replace(self, context=max(0, min(lines, MAX_CONTEXT)))

    @cached_property
    def job(self) -> ScanJob:
        """The scan that finds what the filters match: ``all_of`` the includes,
        ``any_of`` the excludes."""
        patterns = (
            [f.query.pattern for f in self.includes],
            [f.query.pattern for f in self.excludes],
        )
        return ScanJob(tuple(patterns[0]), tuple(patterns[1]))

    @property
    def includes(self) -> list[LineFilter]:
        return [f for f in self.filters if f.kind == "include"]

    @property
    def excludes(self) -> list[LineFilter]:
        return [f for f in self.filters if f.kind == "exclude"]

    def keeps_text(self, shown: str) -> bool:
        """Whether a line of shown text passes (context aside): for partial lines."""

        def hits(line_filter: LineFilter) -> bool:
            return LinePattern(line_filter.query.pattern).matches_text(shown)

        return all(map(hits, self.includes)) and not any(map(hits, self.excludes))


@dataclass(frozen=True)
class SliceFlags:
    """Flags of lines ``first .. first + len(hits) - 1`` (one byte each)."""

    first: int
    hits: bytes
    """1 where the line matches every include filter (all 1 without includes)."""
    excluded: bytes
    """1 where the line matches some exclude filter."""


def scan_slice(transcript: Transcript, filters: FilterSet, first: int, last: int) -> SliceFlags:
    """The flags of complete lines ``first .. last - 1`` (safe to call in a thread)."""
    block = first // BLOCK
    data = transcript.spool.read_blocks(block, -(-last // BLOCK))
    skip, lines = first - block * BLOCK, last - block * BLOCK
    if data.count(b"\n") != lines:  # more lines arrived meanwhile: keep to the asked ones
        end = 0
        for _ in range(lines):
            end = data.index(b"\n", end) + 1
        data = data[:end]

    every, some = filters.job.flags(data, lines)
    return slice_flags(first, last - first, every and every[skip:], some and some[skip:])


def slice_flags(first: int, count: int, every: bytes | None, some: bytes | None) -> SliceFlags:
    """The slice of ``count`` lines from ``first`` whose :class:`ScanJob` flags (of
    :attr:`FilterSet.job`) are ``every`` and ``some`` (None: no include, no exclude)."""
    hits = b"\x01" * count if every is None else every
    return SliceFlags(first, hits, bytes(count) if some is None else some)


def _dilate(hits: bytes, context: int) -> bytes:
    """``hits`` with each 1 spread over ``context`` lines either side."""
    if not context or not hits:
        return hits
    size = len(hits)
    bits = int.from_bytes(hits, "little")
    spread = bits
    for step in range(1, context + 1):
        spread |= (bits << 8 * step) | (bits >> 8 * step)
    return (spread & ((1 << 8 * size) - 1)).to_bytes(size, "little")


@dataclass
class FilterIndex:
    """The lines a :class:`FilterSet` keeps, as far as they have been scanned.

    Memory: one byte per scanned line (two under a stdout/stderr filter); the match
    flags themselves are kept only for the last few lines that context still needs."""

    filters: FilterSet
    transcript: Transcript
    scanned: int = 0
    """Complete lines scanned so far (lines ``0 .. scanned - 1``)."""
    _hits_tail: bytes = b""  # kept matches among the last 2 * context scanned lines
    _excluded_tail: bytes = b""  # exclusions of the last context scanned lines
    _kept: bytearray = field(default_factory=bytearray)
    _streams: StreamFilter = "all"
    _shown: bytearray = field(default_factory=bytearray)
    _prefix: array[int] = field(default_factory=lambda: array("q"))

    def add(self, flags: SliceFlags) -> bool:
        """Take in a scanned slice (ignored unless it continues the index); True if taken."""
        if flags.first != self.scanned or not flags.hits:
            return False
        first, context = flags.first, self.filters.context
        kept_here = and_flags(flags.hits, flags.excluded.translate(_FLIP))
        hits = self._hits_tail + kept_here
        hits_start = first - len(self._hits_tail)
        excluded = self._excluded_tail + flags.excluded
        low = first - len(self._excluded_tail)  # earlier lines may gain context lines
        reach = max(0, low - context)
        kept = _dilate(hits[reach - hits_start :], context)[low - reach :]
        kept = and_flags(kept, excluded.translate(_FLIP))
        self.scanned = first + len(flags.hits)
        self._hits_tail = hits[-2 * context :] if context else b""
        self._excluded_tail = excluded[-context:] if context else b""
        del self._kept[low:]
        self._kept += kept
        self._update_shown(low)
        return True

    # -- the view mapping, like Transcript's ------------------------------------------

    def hidden(self) -> int:
        """Scanned lines the filters hide."""
        return self.scanned - self._kept.count(1)

    def count(self, streams: StreamFilter) -> int:
        """Complete lines shown (kept, under the stream filter, scanned so far)."""
        self._use(streams)
        prefix = self._prefix
        if not prefix:
            return 0
        block = len(prefix) - 1
        return prefix[block] + self._shown.count(1, block * RANK_BLOCK)

    def rank(self, streams: StreamFilter, index: int) -> int:
        """Position of line ``index`` among the shown lines (those before it, if hidden)."""
        self._use(streams)
        index = min(index, self.scanned)
        if not self._prefix:
            return 0
        block = min(index // RANK_BLOCK, len(self._prefix) - 1)
        return self._prefix[block] + self._shown.count(1, block * RANK_BLOCK, index)

    def select(self, streams: StreamFilter, position: int) -> int:
        """The line shown at ``position``."""
        self._use(streams)
        prefix = self._prefix
        block = bisect_right(prefix, position) - 1
        seen, find = prefix[block], self._shown.find
        index = find(1, block * RANK_BLOCK)
        while seen < position:
            index = find(1, index + 1)
            seen += 1
        return index

    def shows(self, streams: StreamFilter, index: int) -> bool:
        """Whether complete line ``index`` is shown."""
        self._use(streams)
        return index < len(self._shown) and self._shown[index] == 1

    def partials_shown(self, streams: StreamFilter) -> list[Line]:
        """The partial lines the filters (and ``streams``) keep."""
        keeps = self.filters.keeps_text
        lines = self.transcript.partials_shown(streams)
        return [line for line in lines if keeps(plain_text(line.raw))]

    # -- shown lines: kept lines under a stream filter --------------------------------

    def _use(self, streams: StreamFilter) -> None:
        if streams != self._streams:
            self._streams = streams
            self._shown = bytearray()
            del self._prefix[:]
            self._update_shown(0)

    def _update_shown(self, low: int) -> None:
        """Recompute shown flags and prefix counts from line ``low`` on."""
        block = low // RANK_BLOCK
        start = block * RANK_BLOCK
        streams = self._streams
        if streams == "all":
            self._shown = self._kept  # the same flags: no second copy
        else:
            kept = bytes(self._kept[start:])
            stderr = self.transcript.stream_flags(start, start + len(kept))
            kept = and_flags(kept, stderr if streams == "stderr" else stderr.translate(_FLIP))
            if self._shown is self._kept:
                self._shown = bytearray(self._kept[:start])
            del self._shown[start:]
            self._shown += kept
        shown, prefix = self._shown, self._prefix
        del prefix[block:]
        total = prefix[-1] + shown.count(1, start - RANK_BLOCK, start) if prefix else 0
        for first in range(start, len(shown), RANK_BLOCK):
            prefix.append(total)
            total += shown.count(1, first, first + RANK_BLOCK)


@dataclass(frozen=True)
class FilteredLines:
    """A :class:`FilterIndex` under one stream filter, answering without a ``streams``
    argument (``key``, ``count``, ``rank``, ``select``): the shape of a line map whose
    layers stack (main's ``ui/log/line_map.py``), so folds can sit on the filters."""

    index: FilterIndex
    streams: StreamFilter

    @property
    def key(self) -> Hashable:
        """Changes whenever the kept lines may have changed (a new slice, new filters)."""
        return (self.streams, id(self.index), self.index.scanned)

    def count(self) -> int:
        return self.index.count(self.streams)

    def rank(self, index: int) -> int:
        return self.index.rank(self.streams, index)

    def select(self, position: int) -> int:
        return self.index.select(self.streams, position)
