"""The relay: a run's stdout and stderr read in one loop, in the order they were written.

It reads the command's two output channels (:mod:`.channels`) and sends what arrives
to the backend as *frames* on one pipe (``<stream: 1 byte><length: 4 bytes,
little-endian><bytes>``), so the backend sees a single ordered sequence and stdout
and stderr stay apart. The reaper (:mod:`.reaper`) runs it in a thread; for a
sandboxed run it is a process of its own (:mod:`.relay_process`) that starts bwrap.

**Order.** A channel in order mode holds one write: a command that writes ``out``,
``err``, ``out`` waits at the third write until the first one is read. Epoll
(edge-triggered) reports the channels in the order they became readable, and one read
per report takes that one write; so flushed writes arrive exactly in the order they
were made.

**Floods.** A flooding channel is read in bulk every ``FLOOD_PAUSE`` seconds, or at
once when a channel still in order mode has a write (its writer waits for us); the
report order still decides which goes first. A writer that fills half its pipe within
the pause halves it (down to ``MIN_FLOOD_PAUSE``; it grows back when the pipe is found
less than a quarter full): with a fixed pause, a 1 MiB pipe took at most about
100 MiB/s, and a program writing in 8 KiB blocks (150 MB/s here) waited for it.
Order across the streams is then kept to within a read: what the flooding pipe held
when the relay got to it.

**A flood alone** (the other stream silent for a ``WINDOW``) leaves the epoll set and is
read every round instead, until a read finds it empty or the other stream writes: a
pipe in an epoll set wakes its watcher at every write, which cost a program writing a
million lines one ``write`` each about a tenth of a microsecond a line. Between two
active streams it stays in the set, whose report order is what keeps their order.

**The backend's pace.** Frames its pipe does not take at once are queued
(:class:`Outbox`, up to ``QUEUE_BYTES``), so the relay goes on reading the command
while the backend is busy.

The relay keeps the channels' writing ends open (their flags are set through them), so
it never sees an end of file: it stops when told (:meth:`Relay.finish`, or the ``until``
fd becoming readable: a pidfd of the command), once every process of the run is gone,
after reading what is left. Standard library only, cheap to import.
"""

from __future__ import annotations

import _thread
import os
import select
import struct
import time

from .channels import PACKET, STDERR, STDOUT, Channel

TYPE_CHECKING = False  # not typing's: importing typing would double the start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HEADER", "STDERR", "STDOUT", "Outbox", "Relay", "frame"]  # STD*: for readers

HEADER = struct.Struct("<BI")
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
#: The shortest pause, for a writer that fills half its pipe in that time (>= 400 MiB/s).
MIN_FLOOD_PAUSE = FLOOD_PAUSE / 8
#: How long the last reads may take once the run's processes are gone.
DRAIN_SECONDS = 2.0
#: How often a quiet relay calls its ``watch``.
WATCH_SECONDS = 1.0


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
        self._queue: list[bytes | memoryview] = []
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
            self._queue.append(memoryview(b"".join(parts))[written:])  # one copy, not two
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

    def _write(self, parts: list[bytes | memoryview]) -> int:
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
    """Reads the channels in write order and sends frames to ``out_fd``: in a thread
    (:meth:`start`, then :meth:`finish`), or in the caller's (:meth:`run`) until the fd
    ``until`` is readable; ``watch`` is called every second while all is quiet."""

    def __init__(
        self,
        channels: list[Channel],
        out_fd: int,
        *,
        until: int | None = None,
        watch: Callable[[], None] | None = None,
    ) -> None:
        self.channels = channels
        if until is None:
            self._wake_r, self._wake_w = os.pipe()
        else:
            self._wake_r, self._wake_w = until, -1
        self._watch = watch
        self._done = _thread.allocate_lock()
        self._done.acquire()
        self._poller = select.epoll()
        self._outbox = Outbox(out_fd)
        self._open: dict[int, Channel] = {}
        #: Channels flooding alone, out of the epoll set (read every round instead).
        self._unwatched: list[int] = []
        self._buffer = memoryview(bytearray(ROUND_BYTES))
        #: The pause after a round that found a flood (see the module's docstring).
        self.flood_pause = FLOOD_PAUSE

    @property
    def lost(self) -> bool:
        """The backend is gone (output is still read, and dropped)."""
        return self._outbox.lost

    def start(self) -> None:
        _thread.start_new_thread(self.run, ())

    def finish(self, timeout: float) -> None:
        """Every writer is gone: read what is left, send it, stop (waits ``timeout`` s)."""
        os.write(self._wake_w, b"x")
        self._done.acquire(timeout=timeout)

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # a thread's error would only print: say it once
            notice = f"crownest: output relay failed: {exc}\n".encode()
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
        idle = -1 if self._watch is None else WATCH_SECONDS
        while not finishing:
            busy = pending or self._unwatched
            ready = self._ready(0 if busy else FLOOD_PAUSE if self._outbox.queued else idle)
            if not ready and self._watch is not None:
                self._watch()
            finishing = self._wake_r in ready
            pending, flooded = self._round(self._order(pending, ready))
            if flooded and not finishing:
                self._pause()
        self._poller.unregister(self._wake_r)
        # The last reads: in report order while there are reports, then what is left.
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            ready = self._ready(0)
            if not ready and not pending and not self._unwatched:
                break
            pending, _ = self._round(self._order(pending, ready))
        for fd in list(self._open):
            while time.monotonic() < deadline and self._round([fd], drain=True)[1]:
                pass

    def _order(self, pending: list[int], ready: list[int]) -> list[int]:
        """This round's reads: what may have more, a flood alone (out of the epoll
        set), then the reported ones in report order."""
        order = pending + [fd for fd in self._unwatched if fd not in pending]
        return order + [fd for fd in ready if fd not in order]

    def _watch_floods(self, had_data: set[int]) -> None:
        """A channel flooding alone that had data leaves the epoll set (its writes then
        wake nobody); it comes back once a read finds it empty, it calms down, or the
        other stream writes (their order needs the reports)."""
        now = time.monotonic()
        for fd, channel in self._open.items():
            if channel.tty:
                continue
            alone = channel.flood and fd in had_data and channel.alone(now)
            watched = fd not in self._unwatched
            if alone and watched:
                self._poller.unregister(fd)
                self._unwatched.append(fd)
            elif not alone and not watched:
                self._unwatched.remove(fd)
                self._poller.register(fd, select.EPOLLIN | select.EPOLLET)  # reports its data

    def _ready(self, timeout: float) -> list[int]:
        """The reported fds, in report order (and another try at what is queued)."""
        ready = [fd for fd, _ in self._poller.poll(timeout)]
        self._outbox.flush()
        return ready

    def _pause(self) -> None:
        """Let a flood pile up (one read instead of hundreds), but only until a stream
        in order mode has a write: its writer waits for us."""
        calm = [fd for fd, channel in self._open.items() if not channel.flood]
        select.select([*calm, self._wake_r], [], [], self.flood_pause)

    def _pace(self, fill: float) -> None:
        """The next pause, from how full (0 to 1) the fullest flooding pipe was when
        read: shorter while half full or more, longer while under a quarter."""
        if fill >= 0.5:
            self.flood_pause = max(self.flood_pause / 2, MIN_FLOOD_PAUSE)
        elif fill < 0.25:
            self.flood_pause = min(self.flood_pause * 2, FLOOD_PAUSE)

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
        had_data: set[int] = set()
        flooded = False
        fill = 0.0  # of the fullest flooding pipe, when read
        used = 0
        for index, fd in enumerate(order):
            channel = self._open.get(fd)
            reads = 0
            while channel is not None:
                if ROUND_BYTES - used < PACKET or len(parts) >= MAX_PARTS:
                    more += order[index:]  # this round is full: the rest next round
                    self._outbox.send(parts)
                    self._pace(1.0)
                    return more, True
                flooding = channel.flood
                size = channel.read_into(self._buffer[used:])
                if size is None:  # its end: nothing more will come
                    if fd in self._unwatched:
                        self._unwatched.remove(fd)
                    else:
                        self._poller.unregister(fd)
                    del self._open[fd]
                    break
                if not size:
                    break
                had_data.add(fd)
                parts += (HEADER.pack(channel.stream, size), self._buffer[used : used + size])
                used += size
                if channel.flood and not flooding:  # it just switched: what it holds now
                    more.append(fd)  # may be newer than the others' writes, read it next
                    break
                if not channel.flood:
                    break
                flooded = True
                if flooding:
                    fill = max(fill, size / channel.capacity)
                reads += 1
                if not channel.switched and size < PACKET:
                    break  # it held less than we could take: we have it all
                if reads == FLOOD_ROUND_READS:  # a writer faster than our reads
                    more.append(fd)
                    break
            if channel is not None and channel.flood and reads:
                channel.switched = False
        self._outbox.send(parts)
        self._watch_floods(had_data)
        if flooded:
            self._pace(fill)
        return more, bool(parts) if drain else flooded
