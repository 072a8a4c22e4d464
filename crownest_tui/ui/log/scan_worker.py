"""The scan worker: a process that runs a :class:`ScanJob` over the spool file.

Why a process: a block scan is a few long C-level passes, each holding the GIL for
milliseconds; in a thread of the app they stall every key (and the GIL hand-overs
slow the scan too). A process of its own has its own GIL and the other core.

:mod:`~crownest_tui.ui.log.scan_process` starts it with the spool's file descriptor
inherited and writes one JSON request to its stdin: ``fd``, ``start`` and ``end`` (byte
offsets of whole records, flushed), ``first`` (the line at ``start``), ``job`` and
``chunk`` (bytes scanned at once, :data:`CHUNK_BYTES` unless given) and ``nice`` (see
:func:`lower_priority`). It answers on
stdout a chunk at a time: a :data:`HEADER` (first line, line count), then one flag
byte per line for each non-empty group of the job; a header with count 0 ends the
answer. When the app has gone its next write fails, and it stops. Imports only the
standard library and line_scan's own modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import sys
from collections.abc import Iterator

from crownest_tui.ui.log.scan_job import ScanJob

HEADER = struct.Struct("<qI")
"""Before each chunk's flags: its first line and its number of lines."""
CHUNK_BYTES = 1 << 17
"""Bytes of records scanned at once (about 3k lines of typical output): the passes over
it stay in the CPU's cache (256 KiB or 1 MiB cost up to a quarter more per line)."""


def scan_file(
    fd: int, start: int, end: int, first: int, job: ScanJob, chunk: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """The messages answering a scan of bytes ``start .. end`` of ``fd`` (whole records,
    the first of them line ``first``), ``chunk`` bytes at a time, the end message last."""
    position, line = start, first
    while position < end:
        size = min(chunk, end - position)
        data = os.pread(fd, size, position)
        cut = data.rfind(b"\n") + 1
        while not cut:  # one record longer than a chunk: read on to its end
            size = min(2 * size, end - position)
            data = os.pread(fd, size, position)
            cut = data.rfind(b"\n") + 1
            if not cut and position + len(data) >= end:
                raise ValueError("the scanned range does not end with a whole record")
        data = data[:cut]
        count = data.count(b"\n")
        every, some = job.flags(data, count)
        yield b"".join([HEADER.pack(line, count), every or b"", some or b""])
        position += cut
        line += count
    yield HEADER.pack(line, 0)


def make_idle(pid: int) -> bool:
    """Put process ``pid`` (0: this one) on ``SCHED_IDLE``; False where there is none."""
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        return False
    return True


def lower_priority(nice: int) -> None:
    """Give this process the lowest CPU priority there is, so the app it answers wins a
    core whenever it wants one: ``SCHED_IDLE`` where there is one (Linux: it runs only on
    time no ordinary process wants), else ``nice`` steps lower.

    Why not a nice level alone: at nice +5 a worker still has a third of the app's
    weight, so on a machine with as many workers as cores the app lost about a quarter
    of its core to the worker beside it, in slices of milliseconds, while it handled
    keys and repainted. The cost: while other programs keep every core busy, an idle
    worker waits for them, and the scan takes longer than at a nice level."""
    if not make_idle(0):
        with contextlib.suppress(AttributeError, OSError):  # (no nice on some systems)
            os.nice(nice)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> int:
    """Read the request from stdin, answer on stdout; 0 also when the app went away."""
    request = json.loads(sys.stdin.buffer.read())
    job = ScanJob.from_json(request["job"])
    out = sys.stdout.fileno()
    fd, start, end = int(request["fd"]), int(request["start"]), int(request["end"])
    chunk = int(request.get("chunk", CHUNK_BYTES))
    lower_priority(int(request.get("nice", 0)))
    try:
        for message in scan_file(fd, start, end, int(request["first"]), job, chunk):
            _write_all(out, message)
    except BrokenPipeError:  # the app stopped reading: the scan is not wanted any more
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
