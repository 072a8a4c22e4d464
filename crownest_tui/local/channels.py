"""A run's two output channels, as the relay (:mod:`.relay`) reads them.

Each is a pipe that holds one write at a time (one page, packet mode: ``O_DIRECT``
makes every write of up to ``PIPE_BUF`` bytes one packet, and one read takes one
packet), so that the order of the writes of both streams can be told; a stream that
floods becomes an ordinary 1 MiB pipe until it calms down (see :meth:`Channel.count`).
In terminal mode each is a pseudo-terminal instead (``TTY_ROWS`` x ``TTY_COLUMNS``,
output post-processing off, so ``\\n`` stays ``\\n``).

:func:`start_command` is what a forked child does with them: they become its stdout
and stderr, and it runs ``/bin/sh -c COMMAND``. Standard library only, cheap to import
(the reaper and the relay process start with ``-S``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import struct
import time

TYPE_CHECKING = False  # not typing's: importing typing would double the start-up time
if TYPE_CHECKING:
    from typing import NoReturn

#: The C module behind ``signal``, loaded with the interpreter (``signal`` itself
#: imports enum: a fifth of our start-up time).
_signal = __import__("_signal")

STDOUT, STDERR = 1, 2
#: The largest write a packet-mode pipe keeps whole (4096 on Linux).
PACKET = select.PIPE_BUF
PAGE = 4096
FLOOD_PIPE_BYTES = 1 << 20
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
CANNOT_START = 127
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
        self.capacity = PAGE  # bytes its pipe holds (in flood mode, what the kernel gave)
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
            self.capacity = fcntl.fcntl(self.read_fd, F_SETPIPE_SZ, PAGE)
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
            self.capacity = fcntl.fcntl(self.read_fd, F_SETPIPE_SZ, FLOOD_PIPE_BYTES)
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
        limit = SOLO_READS if self.alone(now) else FLOOD_READS
        if size >= PACKET or self._reads >= limit:
            self._flood()

    def alone(self, now: float) -> bool:
        """Whether the run's other streams have been silent for a ``WINDOW``."""
        return all(now - peer.last_read >= WINDOW for peer in self.peers)

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


def start_command(command: str, channels: list[Channel]) -> NoReturn:
    """In a forked child: the channels as stdout and stderr, default signal state
    (Python ignores SIGPIPE and SIGXFSZ, and ignored signals survive exec), then
    ``/bin/sh -c command``.

    (Not ``posix_spawn``: glibc leaves its internal signals 32 and 33 ignored there.)
    """
    try:
        for fd, channel in enumerate(channels, start=1):
            os.dup2(channel.write_fd, fd)
        for sig in (_signal.SIGPIPE, _signal.SIGXFSZ):
            _signal.signal(sig, _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
        os.execv("/bin/sh", ["/bin/sh", "-c", command])
    except BaseException as exc:  # whatever it is, the child must not return
        try:  # noqa: SIM105 - contextlib costs start-up time
            os.write(2, f"crownest: cannot start /bin/sh: {exc}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(CANNOT_START)
