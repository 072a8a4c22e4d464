"""Packing and upload progress on stderr: one live line on a terminal, a few plain
lines otherwise (so logs of CI jobs stay short)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..launch.flow import LaunchProgress, Step
from ..launch.pack import PackedArchive, PackProgress
from .text import one_line

_MIB = 1024 * 1024
_EVERY = 0.1  # seconds between redraws of the live line


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f} MiB" if size >= _MIB // 10 else f"{size / 1024:.1f} KiB"


class ProgressPrinter:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        try:
            self.live = self.stream.isatty()
        except (AttributeError, ValueError):
            self.live = False
        self._last = 0.0
        self._open = False

    def _line(self, text: str, *, final: bool) -> None:
        if self.live:
            self.stream.write(f"\r\x1b[2K{text}" + ("\n" if final else ""))
            self._open = not final
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()

    def pack(self, progress: PackProgress) -> None:
        now = time.monotonic()
        if not self.live or now - self._last < _EVERY:
            return
        self._last = now
        self._line(
            f"packing {progress.entries_done}/{progress.entries_total} entries, "
            f"{_mib(progress.bytes_done)} of {_mib(progress.bytes_total)}",
            final=False,
        )

    def packed(self, archive: PackedArchive) -> None:
        how = "git-aware" if archive.uses_git else "every file"
        self._line(
            f"packed {archive.files} files ({how}): {_mib(archive.size)} "
            f"sha256 {archive.sha256[:12]}…",
            final=True,
        )
        for skipped in archive.skipped:
            self._line(f"  skipped {one_line(skipped.rel)}: {skipped.reason}", final=True)

    def launch(self, progress: LaunchProgress) -> None:
        if progress.retry is not None:
            self._line(f"{progress.step.value}: retrying ({progress.retry})", final=True)
            return
        if progress.done < progress.total:
            text = {
                Step.CREATE: "creating the run…",
                Step.UPLOAD: f"uploading {_mib(progress.total)}…",
                Step.FINALIZE: "finalizing the upload…",
                Step.START: "starting…",
            }[progress.step]
            self._line(f"{progress.run_id or ''} {text}".strip(), final=not self.live)
        elif progress.step is Step.START:
            self._line(f"started {progress.run_id}", final=True)
