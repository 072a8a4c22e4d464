"""Packing and upload progress on stderr.

On a terminal: one live line, redrawn at most every 0.1 s, with a bar, bytes, rate
and time left while packing and uploading, and a summary line once each is done.
Otherwise (a pipe, a CI log): one plain line as each step begins, nothing per byte.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..launch.flow import LaunchProgress, Step
from ..launch.pack import PackedArchive, PackProgress
from ..text.format import format_size
from ..text.progress import TransferMeter, meter_line, summary
from .text import one_line

_EVERY = 0.1  # seconds between redraws of the live line


class ProgressPrinter:
    """Turns :class:`PackProgress` and :class:`LaunchProgress` reports into lines."""

    def __init__(
        self, stream: TextIO | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream or sys.stderr
        self.clock = clock
        try:
            self.live = self.stream.isatty()
        except (AttributeError, ValueError):
            self.live = False
        self._drawn_at: float | None = None
        self._open = False
        self._packing: TransferMeter | None = None
        self._upload: TransferMeter | None = None

    # -- drawing ----------------------------------------------------------------

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return 80

    def _line(self, text: str, *, final: bool) -> None:
        """A live line is cut to the width (a wrapped one could not be redrawn); a
        final one, or any line off a terminal, is written whole."""
        if self.live:
            width = max(10, self._columns() - 1)  # a full last column would wrap
            if not final and len(text) > width:
                text = text[: width - 1] + "…"
            self.stream.write(f"\r\x1b[2K{text}" + ("\n" if final else ""))
            self._open = not final
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _due(self, now: float) -> bool:
        """Whether the live line may be redrawn now (the first draw always may)."""
        if self._drawn_at is not None and now - self._drawn_at < _EVERY:
            return False
        self._drawn_at = now
        return True

    def _meter_line(self, verb: str, meter: TransferMeter, extra: str = "") -> None:
        """The live line of a transfer (see :func:`meter_line`); a full last column
        would wrap, so it gets one cell less than the terminal."""
        self._line(meter_line(verb, meter, self._columns() - 1, extra), final=False)

    def finish(self) -> None:
        """End a live line left open (before an error line, say)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    # -- packing --------------------------------------------------------------------

    def pack(self, progress: PackProgress) -> None:
        if not self.live:
            return
        now = self.clock()
        if self._packing is None:
            self._packing = TransferMeter(progress.bytes_total)
        self._packing.update(progress.bytes_done, now)
        if self._due(now):
            self._meter_line("packing", self._packing, f"  ({progress.entries_text})")

    def packed(self, archive: PackedArchive) -> None:
        """``packed 6 files, 7.0 MiB (git-aware; 2 ignored), sha256 8aeacb285611…``"""
        how = "git-aware" if archive.uses_git else ".gitignore honoured"
        if archive.ignored:
            how += f"; {archive.ignored:,} ignored"
        self._line(
            f"packed {archive.contents} ({how}), sha256 {archive.sha256[:12]}…",
            final=True,
        )
        for skipped in archive.skipped:
            self._line(f"  skipped {one_line(skipped.rel)}: {skipped.reason}", final=True)

    # -- launching ------------------------------------------------------------------

    def launch(self, progress: LaunchProgress) -> None:
        if progress.retry is not None:
            self._line(f"{progress.step.value}: retrying ({progress.retry})", final=True)
            return
        if progress.step is Step.UPLOAD:
            self._uploading(progress)
        elif progress.done < progress.total:
            text = f"{progress.run_id or ''} {progress.step.doing}".strip()
            self._line(text, final=not self.live)
        elif progress.step is Step.START:
            self._line(f"started {progress.run_id}", final=True)

    def _uploading(self, progress: LaunchProgress) -> None:
        now = self.clock()
        if progress.done == 0 or self._upload is None:
            self._upload = TransferMeter(progress.total)
            self._drawn_at = None
            if not self.live:
                size = format_size(progress.total)
                self._line(f"{progress.run_id} uploading {size}…", final=True)
        meter = self._upload
        meter.update(progress.done, now)
        if not self.live:
            return
        if progress.done >= progress.total:
            self._line(f"{progress.run_id} uploaded {summary(meter)}", final=True)
        elif self._due(now):
            self._meter_line("uploading", meter)
