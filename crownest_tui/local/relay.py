"""The relay: a run's stdout and stderr read in one loop, in the order they were written.

The reaper (:mod:`.reaper`) gives the command its own two output channels and runs
:class:`Relay` in a thread; the relay sends what arrives to the backend as *frames* on
one pipe (``<stream: 1 byte><length: 4 bytes, little-endian><bytes>``), so the
backend sees a single ordered sequence and stdout and stderr stay apart.

**Order.** Two pipes carry no timestamps; what tells the order is when each write
became readable. So each stream's pipe holds one write at a time: one page of buffer in
packet mode (``O_DIRECT``: every write of up to ``PIPE_BUF`` bytes is one packet, and
one read takes one packet). A command that writes ``out``, ``err``, ``out`` waits at
the third write until the first one is read; epoll (edge-triggered) reports the pipes
in the order they became readable, and one read per report takes that one write. So
flushed writes arrive exactly in the order they were made.

**Floods.** That wait costs a writer at every write. A pipe that gets a full packet
(a write of ``PIPE_BUF`` bytes or more: a block-buffered program), or more than
``FLOOD_READS`` writes within ``WINDOW`` seconds (``SOLO_READS`` while the other stream
is silent: there is no order to keep then), becomes an ordinary 1 MiB pipe, read
in bulk every ``FLOOD_PAUSE`` seconds (at once when the other stream, still one write
at a time, has a write), until a window passes calmly (fewer than ``CALM_READS``
writes and ``CALM_BYTES`` bytes). Order across the streams is then kept to within a
read: what the flooding pipe held when the relay got to it.

**The backend's pace.** Frames its pipe does not take at once are queued
(:class:`Outbox`, up to ``QUEUE_BYTES``), so the relay goes on reading the command
while the backend is busy.

**Terminal mode.** Each stream gets its own pseudo-terminal (``isatty()`` is true, so
tools colour, draw progress bars and line-buffer as in a terminal), ``TTY_ROWS`` x
``TTY_COLUMNS``, output post-processing off (``\\n`` stays ``\\n``). Two terminals
give no exact order between them (the kernel moves terminal output in a worker, and
buffers up to 64 KB); each stream's own order is kept.

The relay keeps the writing ends open (the pipe flags are set through them), so it
never sees an end of file: :meth:`Relay.finish`, called once every process of the run
is gone, reads what is left and stops. Standard library only, cheap to import.
"""

from __future__ import annotations

import _thread
import errno
import fcntl
import os
import select
import struct
import time

HEADER = struct.Struct("<BI")
STDOUT, STDERR = 1, 2
#: The largest write a packet-mode pipe keeps whole (4096 on Linux).
PACKET = select.PIPE_BUF
PAGE = 4096
FLOOD_PIPE_BYTES = 1 << 20
#: What one round of reads may take, all channels together.
ROUND_BYTES = 2 << 20
#: Reads of one flooding stream a round, at most.
FLOOD_ROUND_READS = 8
#: At most this many frames a round (``writev`` takes at most 1024 parts).
MAX_PARTS = 1000
#: Frames the relay keeps while the backend does not read, before it waits for it.
QUEUE_BYTES = 32 << 20
#: After a round that found a stream flooding, the relay waits this long (less if a
#: stream in order mode has a write).
FLOOD_PAUSE = 0.01
#: A stream floods when it makes more than ``FLOOD_READS`` writes within ``WINDOW``
#: seconds: exact order costs its writer a wait for the relay at every write.
WINDOW = 1.0
FLOOD_READS = 2000
#: ... and after ``SOLO_READS`` writes when the other stream wrote nothing meanwhile.
SOLO_READS = 256
#: A flooding stream is calm again after a window with fewer reads and bytes than this.
CALM_READS = FLOOD_READS // 4
CALM_BYTES = 256 * 1024
TTY_ROWS, TTY_COLUMNS = 40, 120
#: How long the last reads may take once the run's processes are gone.
DRAIN_SECONDS = 2.0
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux; Python < 3.10 lacks the name
O_DIRECT = getattr(os, "O_DIRECT", 0)


def _set_flag(fd: int, flag: int, on: bool) -> None:
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | flag if on else flags & ~flag)


class Channel:
    """One output stream of the command: the fd it writes to, and the one we read."""

    def __init__(self, stream: int, read_fd: int, write_fd: int, tty: bool) -> None:
        self.stream = stream
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.tty = tty
        self.flood = not tty  # a terminal is neither: it is read as it comes
        self.switched = False  # to flood mode, and not read to the end since
        self._window_start = time.monotonic()
        self._reads = self._bytes = 0
        self.last_read = float("-inf")
        self.peers: list[Channel] = []  # the run's other output streams
        os.set_blocking(read_fd, False)
        if not tty:
            self._order()

    def _order(self) -> None:
        """One write at a time (one page, packet mode)."""
        try:
            fcntl.fcntl(self.read_fd, F_SETPIPE_SZ, PAGE)
            if O_DIRECT:
                _set_flag(self.write_fd, O_DIRECT, True)
        except OSError:  # EBUSY: more than a page is waiting; not Linux
            return
        self.flood = False

    def _flood(self) -> None:
        """An ordinary pipe, as big as we may make it, read in bulk."""
        self.flood = True
        self.switched = True
        try:
            if O_DIRECT:
                _set_flag(self.write_fd, O_DIRECT, False)
            fcntl.fcntl(self.read_fd, F_SETPIPE_SZ, FLOOD_PIPE_BYTES)
        except OSError:  # over the user's pipe memory limit: a page, merged, will do
            pass

    def read_into(self, buffer: memoryview) -> int | None:
        """One read into ``buffer`` (at least ``PACKET`` bytes: a packet-mode read that
        is shorter loses the rest of the packet); how many bytes, 0 if there was
        nothing, None at the end."""
        try:
            size = os.readv(self.read_fd, [buffer])
        except BlockingIOError:
            return 0
        except OSError as exc:
            if exc.errno == errno.EIO:  # a terminal whose every writer is gone
                return None
            raise
        if size == 0:
            return None
        if not self.tty:
            self.count(size)
        return size

    def count(self, size: int) -> None:
        """A read of ``size`` bytes: switch modes when the stream floods or calms."""
        now = time.monotonic()
        if now - self._window_start >= WINDOW:
            calm = self._reads < CALM_READS and self._bytes < CALM_BYTES and size < PACKET
            self._window_start, self._reads, self._bytes = now, 0, 0
            if self.flood and calm:
                self._order()
        self._reads += 1
        self._bytes += size
        self.last_read = now
        if self.flood:
            return
        # Order between the streams needs both: alone, a stream floods sooner.
        alone = all(now - peer.last_read >= WINDOW for peer in self.peers)
        if size >= PACKET or self._reads >= (SOLO_READS if alone else FLOOD_READS):
            self._flood()

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:  # noqa: SIM105 - contextlib costs start-up time
                os.close(fd)
            except OSError:
                pass


def _terminal(fd: int) -> None:
    """Our terminal settings on a pty's terminal end: a size, and no output rewriting."""
    import termios  # only terminal mode pays for it

    attrs = termios.tcgetattr(fd)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", TTY_ROWS, TTY_COLUMNS, 0, 0))


def open_pty() -> tuple[int, int]:
    """(our end, the command's end) of a new pseudo-terminal, set up as a run's."""
    ours, theirs = os.openpty()
    _terminal(theirs)
    return ours, theirs


def open_channels(tty: bool) -> list[Channel]:
    """stdout's and stderr's channels: pipes, or in terminal mode a pty each."""
    channels: list[Channel] = []
    for stream in (STDOUT, STDERR):
        ours, theirs = open_pty() if tty else os.pipe()
        channels.append(Channel(stream, ours, theirs, tty))
    for channel in channels:
        channel.peers = [peer for peer in channels if peer is not channel]
    return channels


def frame(stream: int, data: bytes) -> bytes:
    return HEADER.pack(stream, len(data)) + data


class Outbox:
    """Frames on their way to the backend: written at once when its pipe takes them,
    queued when it does not (up to ``QUEUE_BYTES``), so that the relay goes on reading
    the command, which may be waiting for it, while the backend is busy. The relay
    tries the queue again every round, and every ``FLOOD_PAUSE`` while it holds any."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lost = False  # the backend is gone: output is dropped
        self._queue: list[bytes] = []
        self._queued = 0
        os.set_blocking(fd, False)

    @property
    def queued(self) -> bool:
        return bool(self._queue)

    def send(self, parts: list[bytes | memoryview]) -> None:
        if self.lost or not parts:
            return
        written = 0 if self._queue else self._write(parts)
        if written < sum(len(part) for part in parts):
            self._queue.append(b"".join(parts)[written:])
            self._queued += len(self._queue[-1])
            if self._queued > QUEUE_BYTES:
                self.flush(wait=True)

    def flush(self, wait: bool = False) -> None:
        """Write what is queued, as far as the pipe takes it (with ``wait``: all of it)."""
        while self._queue:
            if wait:
                select.select([], [self.fd], [])
            written = self._write(self._queue[:MAX_PARTS])
            if not written and not wait:
                break
            self._queued -= written
            while written:
                head = self._queue[0]
                if written < len(head):
                    self._queue[0] = head[written:]
                    break
                self._queue.pop(0)
                written -= len(head)

    def _write(self, parts: list[bytes] | list[bytes | memoryview]) -> int:
        try:
            return os.writev(self.fd, parts)
        except BlockingIOError:
            return 0
        except BrokenPipeError:
            self.lost = True
            self._queue.clear()
            self._queued = 0
            return sum(len(part) for part in parts)


class Relay:
    """Reads the channels in write order and sends frames to ``out_fd`` (a thread)."""

    def __init__(self, channels: list[Channel], out_fd: int) -> None:
        self.channels = channels
        self._wake_r, self._wake_w = os.pipe()
        self._done = _thread.allocate_lock()
        self._done.acquire()
        self._poller = select.epoll()
        self._outbox = Outbox(out_fd)
        self._open: dict[int, Channel] = {}
        self._buffer = memoryview(bytearray(ROUND_BYTES))

    @property
    def lost(self) -> bool:
        """The backend is gone (output is still read, and dropped)."""
        return self._outbox.lost

    def start(self) -> None:
        _thread.start_new_thread(self._run, ())

    def finish(self, timeout: float) -> None:
        """Every writer is gone: read what is left, send it, stop (waits ``timeout`` s)."""
        os.write(self._wake_w, b"x")
        self._done.acquire(timeout=timeout)

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # a thread's error would only print: say it once
            notice = f"crownest reaper: output relay failed: {exc}\n".encode()
            self._outbox.send([frame(STDERR, notice)])
        finally:
            self._outbox.flush(wait=True)
            self._poller.close()
            self._done.release()

    def _loop(self) -> None:
        for channel in self.channels:
            # Edge-triggered pipes: the ready list keeps the order writes became
            # readable. Terminals level-triggered: their data comes through a kernel
            # worker and may need more than one read.
            trigger = 0 if channel.tty else select.EPOLLET
            self._poller.register(channel.read_fd, select.EPOLLIN | trigger)
            self._open[channel.read_fd] = channel
        self._poller.register(self._wake_r, select.EPOLLIN)
        pending: list[int] = []
        finishing = False
        while not finishing:
            ready = self._ready(0 if pending else FLOOD_PAUSE if self._outbox.queued else -1)
            finishing = self._wake_r in ready
            pending, flooded = self._round(pending + [fd for fd in ready if fd not in pending])
            if flooded and not finishing:
                self._pause()
        self._poller.unregister(self._wake_r)
        # The last reads: in report order while there are reports, then what is left.
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            ready = self._ready(0)
            if not ready and not pending:
                break
            pending, _ = self._round(pending + [fd for fd in ready if fd not in pending])
        for fd in list(self._open):
            while time.monotonic() < deadline and self._round([fd], drain=True)[1]:
                pass

    def _ready(self, timeout: float) -> list[int]:
        """The reported fds, in report order (and another try at what is queued)."""
        ready = [fd for fd, _ in self._poller.poll(timeout)]
        self._outbox.flush()
        return ready

    def _pause(self) -> None:
        """Let a flood pile up (one read instead of hundreds), but only until a stream
        in order mode has a write: its writer waits for us."""
        calm = [fd for fd, channel in self._open.items() if not channel.flood]
        select.select([*calm, self._wake_r], [], [], FLOOD_PAUSE)

    def _round(self, order: list[int], drain: bool = False) -> tuple[list[int], bool]:
        """Read the channels in ``order`` and send it all as one write; returns the
        channels that may still have more, and whether a flooding one had anything
        (with ``drain``: whether anything was read).

        A channel in order mode holds one write: one read empties it, and the next
        write is reported. A flooding one is read once, unless the read came back
        full; the first time after its switch it is read until it is empty (a packet
        left from before the switch takes a read of its own, and hides what follows).
        At most ``FLOOD_ROUND_READS`` reads, as far as this round's buffer goes; what
        is left is read next round, without waiting for a report. One that has just
        switched is read again only next round, after the other reported ones: what
        comes after the write that switched it may be newer.
        """
        parts: list[bytes | memoryview] = []
        more: list[int] = []
        flooded = False
        used = 0
        for index, fd in enumerate(order):
            channel = self._open.get(fd)
            reads = 0
            while channel is not None:
                if ROUND_BYTES - used < PACKET or len(parts) >= MAX_PARTS:
                    more += order[index:]  # this round is full: the rest next round
                    self._outbox.send(parts)
                    return more, True
                flooding = channel.flood
                size = channel.read_into(self._buffer[used:])
                if size is None:  # its end: nothing more will come
                    self._poller.unregister(fd)
                    del self._open[fd]
                    break
                if not size:
                    break
                parts += (HEADER.pack(channel.stream, size), self._buffer[used : used + size])
                used += size
                if channel.flood and not flooding:  # it just switched: what it holds now
                    more.append(fd)  # may be newer than the others' writes, read it next
                    break
                if not channel.flood:
                    break
                flooded = True
                reads += 1
                if not channel.switched and size < PACKET:
                    break  # it held less than we could take: we have it all
                if reads == FLOOD_ROUND_READS:  # a writer faster than our reads
                    more.append(fd)
                    break
            if channel is not None and channel.flood and reads:
                channel.switched = False
        self._outbox.send(parts)
        return more, bool(parts) if drain else flooded
