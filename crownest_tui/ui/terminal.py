"""Textual's Linux driver, made safe for a terminal that goes away (issue 12, point 2).

Why the app could hang for ever after ``tmux kill-session``: when a tty hangs up, the
kernel sends its session leader SIGHUP *and SIGCONT*. Textual's driver takes every
SIGCONT for "resumed after Ctrl+Z" and starts application mode again, with a second
writer thread over the dead tty. That writer dies on its first write (EIO; its loop
has no error handling) yet stays the driver's writer, so every later write piles into
its bounded queue (30 slots) that nothing drains. Shutdown's own escape sequences fill
it, and the main thread blocks for ever in ``Queue.put`` (in ``WriterThread.stop`` from
``LinuxDriver.close``, the reported stack; the first writer idles in ``Queue.get``).
Textual's input loop adds a second hang: at the end of input (EIO, then EOF for ever)
it keeps polling and the app never learns that its terminal is gone.

:class:`TerminalDriver` closes each path:

* SIGCONT resumes application mode only after our own Ctrl+Z suspension;
* the writer thread writes through :class:`TerminalOutput`, which turns a write error
  into "terminal gone" and drops output from then on, so the writer never dies with
  its queue filling, and writes after that are not even queued;
* the end of a terminal's input (EOF or EIO) means the terminal is gone;
* a gone terminal asks the app to exit (status 129, as SIGHUP would) and arms the exit
  deadline (``exit_deadline.py``): the process is gone within ~2 s whatever blocks;
* ``close()`` waits for the writer thread at most :data:`WRITER_STOP_TIMEOUT` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import selectors
import signal
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

from .. import exit_deadline

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["TerminalDriver", "exit_on_signals", "terminal_driver"]

WRITER_STOP_TIMEOUT = 1.0
"""Seconds ``close()`` waits for the writer thread to flush and end (a stalled tty)."""
INPUT_POLL = 0.1
"""Seconds between the input loop's checks of its exit flag (and parser ticks)."""
HANGUP_STATUS = exit_deadline.exit_status(signal.SIGHUP)


class TerminalOutput(io.TextIOBase):
    """The tty as seen by Textual's writer thread: errors end output instead of the thread.

    ``on_error`` is called (once) on the first failed write or flush; from then on
    everything written is dropped without touching the tty.
    """

    def __init__(self, tty: IO[str], on_error: Callable[[], None]) -> None:
        super().__init__()
        self._tty = tty
        self._on_error = on_error
        self.failed = False

    def _fail(self) -> None:
        if not self.failed:
            self.failed = True
            self._on_error()

    def write(self, text: str) -> int:
        if not self.failed:
            try:
                self._tty.write(text)
            except (OSError, ValueError):
                self._fail()
        return len(text)

    def flush(self) -> None:
        if not self.failed:
            try:
                self._tty.flush()
            except (OSError, ValueError):
                self._fail()

    def fileno(self) -> int:
        return self._tty.fileno()


class TerminalDriver(LinuxDriver):
    """Textual's :class:`LinuxDriver` that never hangs when its terminal goes away."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self.terminal_gone = threading.Event()
        """Set once the tty hung up (an input EOF/EIO or a write error)."""
        tty = self._file
        assert tty is not None, "Textual's driver needs stderr"
        # Textual types it as the real stderr; the writer thread needs only IO[str].
        self._file = TerminalOutput(tty, self._lose_terminal)  # type: ignore[assignment]

    def start_application_mode(self) -> None:
        if not self.terminal_gone.is_set():
            super().start_application_mode()  # type: ignore[no-untyped-call]

    def _sigcont_application(self, *_: object) -> None:
        """Resume only what our SIGTSTP suspended: a hangup brings a SIGCONT too."""
        if self._must_signal_resume and not self.terminal_gone.is_set():
            super()._sigcont_application()

    def write(self, data: str) -> None:
        writer = self._writer_thread
        if writer is not None and writer.is_alive() and not self.terminal_gone.is_set():
            super().write(data)

    def close(self) -> None:
        """Stop the writer thread, waiting for it a bounded time (it is a daemon)."""
        writer = self._writer_thread
        if writer is None or not writer.is_alive():
            return
        stopper = threading.Thread(target=writer.stop, name="textual-output-stop", daemon=True)
        stopper.start()
        stopper.join(WRITER_STOP_TIMEOUT)

    def run_input_thread(self) -> None:
        """Read keys and mouse events until told to stop or until the input ends.

        The end of a terminal's input (EOF, or EIO from a hung-up tty) means the
        terminal is gone; a stdin that is not a terminal just stops being read.
        """
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                if selector.select(INPUT_POLL):
                    data = self._read_input()
                    if data is None:
                        if self.input_tty:
                            self._lose_terminal()
                        return
                    for message in parser.feed(decode(data)):
                        self.process_message(message)
                for message in parser.tick():
                    self.process_message(message)

    def _read_input(self) -> bytes | None:
        """What stdin has (maybe nothing), or None at its end."""
        try:
            return os.read(self.fileno, 4096) or None
        except BlockingIOError:
            return b""
        except OSError:
            return None

    def _lose_terminal(self) -> None:
        """The tty hung up: drop output, arm the deadline, ask the app to exit."""
        if self.terminal_gone.is_set():
            return
        self.terminal_gone.set()
        exit_deadline.arm(HANGUP_STATUS)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app is done
            self._loop.call_soon_threadsafe(self._app.exit, None, HANGUP_STATUS)


def exit_on_signals(app: App[Any]) -> Callable[[], None]:
    """While ``app`` runs, SIGTERM and SIGHUP make it exit with ``128 + signal``
    (``exit_deadline`` bounds how long that may take); returns the undo."""
    loop = asyncio.get_running_loop()

    def exit_app(status: int) -> None:
        try:
            loop.call_soon_threadsafe(app.exit, None, status)
        except RuntimeError:  # the loop is closed: nothing left to stop gently
            raise SystemExit(status) from None

    return exit_deadline.push_exit_request(exit_app)


def terminal_driver(textual_choice: type[Driver]) -> type[Driver]:
    """:class:`TerminalDriver` where Textual picked its Linux driver, else its choice."""
    return TerminalDriver if textual_choice is LinuxDriver else textual_choice
