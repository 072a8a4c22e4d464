"""How the backend receives a command's output: ``("stdout" | "stderr", bytes)`` to a sink.

Under the reaper (Linux) the output comes as :mod:`.relay` frames on one pipe, the
reaper's stdout, already in the order it was written; a second pipe, the reaper's own
stderr, carries only what the reaper itself might say. Where no reaper runs, the
command's own two pipes (or, in terminal mode, pseudo-terminals) are read directly,
and their relative order is only as good as the event loop's reads.

A pipe that floods is read every ``BUSY_PAUSE`` seconds, up to ``READS_PER_WAKE`` x
``READ_BYTES`` at a time, instead of waking the server for every write the command
makes; its buffer (``PIPE_BYTES``, and the relay's queue) holds what comes meanwhile
without blocking the command. A wake that finds the pipe half full or more halves the
pause (down to ``MIN_BUSY_PAUSE``; it grows back below a quarter): a fixed pause took
at most a pipe (1 MiB) every 10 ms, slower than a program writing 8 KiB blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable

from .channels import STDOUT, open_pty
from .relay import HEADER

OutputSink = Callable[[str, bytes], None]
PIPE_BYTES = 1024 * 1024
READ_BYTES = 1024 * 1024
#: Reads a wake may take while they come back full (at most 4 MiB per pause).
READS_PER_WAKE = 4
#: A read at least this big means the command is flooding: pause reading that long.
BUSY_READ_BYTES = 64 * 1024
BUSY_PAUSE = 0.01
MIN_BUSY_PAUSE = BUSY_PAUSE / 8


class FrameDecoder:
    """Turns the relay's frames, however the reads cut them, into sink calls.

    Each byte is copied once: a frame within a read is sliced from it, one cut by
    reads (most are: the relay's frames and our reads are both about 1 MiB) is joined
    from views of them once it is whole; a header cut by reads is joined alone.
    """

    def __init__(self, sink: OutputSink) -> None:
        self._sink = sink
        self._rest = b""  # a header cut by the last read (a few bytes)
        self._parts: list[memoryview] = []  # the body so far of a frame cut by reads
        self._stream = "stdout"  # that frame's
        self._missing = 0  # how many bytes of its body are still to come

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        end, pos = len(data), 0
        if self._rest:  # the header cut by the last read: only it is joined
            pos = HEADER.size - len(self._rest)
            if end < pos:
                self._rest += data
                return
            stream, self._missing = HEADER.unpack(self._rest + data[:pos])
            self._rest, self._parts = b"", []
            self._stream = "stdout" if stream == STDOUT else "stderr"
            if not self._missing:
                self._sink(self._stream, b"")
        if self._missing:
            take = min(self._missing, end - pos)
            self._parts.append(view[pos : pos + take])
            self._missing -= take
            pos += take
            if self._missing:
                return
            body, self._parts = b"".join(self._parts), []
            self._sink(self._stream, body)
        while end - pos >= HEADER.size:
            stream, size = HEADER.unpack_from(data, pos)
            start = pos + HEADER.size
            name = "stdout" if stream == STDOUT else "stderr"
            if end - start < size:
                self._stream, self._missing = name, size - (end - start)
                self._parts = [view[start:]]
                return
            self._sink(name, data[start : start + size])
            pos = start + size
        self._rest = data[pos:]


class PipeReader:
    """Reads one pipe (or pty) from the event loop until its end, pausing while it floods."""

    def __init__(
        self, fd: int, on_data: Callable[[bytes], None], on_end: Callable[[], None]
    ) -> None:
        self._fd = fd
        self._on_data = on_data
        self._on_end = on_end
        self._loop = asyncio.get_running_loop()
        self._paused: asyncio.TimerHandle | None = None
        self._pause = BUSY_PAUSE
        self.open = True
        os.set_blocking(fd, False)
        self._loop.add_reader(fd, self._ready)

    def _ready(self) -> None:
        total = 0
        for _ in range(READS_PER_WAKE):  # a full read: the writer may have more queued
            try:
                data = os.read(self._fd, READ_BYTES)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # EIO: a pty whose every writer is gone
                data = b""
            if not data:
                self.close()
                self._on_end()
                return
            self._on_data(data)
            total += len(data)
            if len(data) < READ_BYTES:
                break
        if total >= PIPE_BYTES // 2:
            self._pause = max(self._pause / 2, MIN_BUSY_PAUSE)
        elif total < PIPE_BYTES // 4:
            self._pause = min(self._pause * 2, BUSY_PAUSE)
        if total >= BUSY_READ_BYTES:
            self._loop.remove_reader(self._fd)
            self._paused = self._loop.call_later(self._pause, self._resume)

    def _resume(self) -> None:
        self._paused = None
        if self.open:
            self._loop.add_reader(self._fd, self._ready)

    def close(self) -> None:
        if not self.open:
            return
        self.open = False
        if self._paused is not None:
            self._paused.cancel()
        self._loop.remove_reader(self._fd)
        os.close(self._fd)


def _pipe() -> tuple[int, int]:
    """A pipe with a 1 MiB buffer, so a brief pause of ours never blocks the writer."""
    read_fd, write_fd = os.pipe()
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(read_fd, setsize, PIPE_BYTES)
    return read_fd, write_fd


class Capture:
    """The output of one spawned process: give it :attr:`child_fds` as stdout and
    stderr, then call :meth:`start`; :attr:`ended` is done when every reader is."""

    def __init__(self, sink: OutputSink, *, framed: bool, tty: bool = False) -> None:
        self._sink = sink
        self._framed = framed
        opener = open_pty if tty and not framed else _pipe
        out, err = opener(), opener()
        self._ours = (out[0], err[0])
        self.child_fds = (out[1], err[1])
        self._readers: list[PipeReader] = []
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def start(self) -> None:
        """The process has its ends: close ours of them and read."""
        for fd in self.child_fds:
            os.close(fd)
        stdout = FrameDecoder(self._sink).feed if self._framed else self._stream("stdout")
        for fd, on_data in zip(self._ours, (stdout, self._stream("stderr")), strict=True):
            self._readers.append(PipeReader(fd, on_data, self._reader_ended))

    def _stream(self, name: str) -> Callable[[bytes], None]:
        return lambda data: self._sink(name, data)

    def _reader_ended(self) -> None:
        if not any(reader.open for reader in self._readers) and not self.ended.done():
            self.ended.set_result(None)

    def close(self) -> None:
        """Stop reading (and close every fd of ours, started or not)."""
        if not self._readers:
            for fd in (*self._ours, *self.child_fds):
                with contextlib.suppress(OSError):
                    os.close(fd)
        for reader in self._readers:
            reader.close()
