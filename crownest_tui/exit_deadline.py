"""Leaving on time: after SIGTERM, SIGHUP or a lost terminal the process is gone in ~2 s.

A signal (or the terminal driver, when its tty hangs up) *arms* the deadline: a daemon
timer that, :data:`FORCED_EXIT_AFTER` seconds later, runs the forced-exit callbacks
(``cli.py`` stops ``--demo``'s backend child and removes its folder; ``--local``'s
backend is a service of its own, left running) and ends the process with ``os._exit``,
whatever the other threads are blocked on. A clean exit that finishes first simply
never sees the timer fire.

While :func:`signals_end_the_process` is in force, SIGTERM and SIGHUP arm the deadline,
then ask whoever registered with :func:`push_exit_request` (the running app) to exit
with ``128 + signal``; with nobody registered they raise :class:`SystemExit`, so
``with`` blocks (the backend child's) unwind as usual. These are ``signal.signal``
handlers, not event-loop ones, on purpose: Python runs them even while the main thread
is blocked on a lock (a writer queue that a stalled terminal keeps full).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

FORCED_EXIT_AFTER = 1.5
"""Seconds from the signal to the forced exit (the cleanups then get the rest of 2 s)."""
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

ExitRequest = Callable[[int], None]

_lock = threading.RLock()  # re-entrant: a signal handler may interrupt its holder
_cleanups: list[Callable[[], object]] = []
_requests: list[ExitRequest] = []
_timer: threading.Timer | None = None


def exit_status(signum: int) -> int:
    """What a shell reports for a process ended by ``signum``."""
    return 128 + signum


def arm(status: int, after: float = FORCED_EXIT_AFTER) -> None:
    """Force the exit with ``status`` in ``after`` seconds (once; later calls do nothing)."""
    global _timer
    with _lock:
        if _timer is not None:
            return
        _timer = threading.Timer(after, _force_exit, args=(status,))
        _timer.daemon = True
        _timer.name = "crownest-exit-deadline"
        _timer.start()


def armed() -> bool:
    """True once the process is on its way out (a signal came or the terminal went)."""
    return _timer is not None


def _force_exit(status: int) -> None:
    with _lock:
        cleanups = list(reversed(_cleanups))
    for cleanup in cleanups:
        with contextlib.suppress(Exception):
            cleanup()
    os._exit(status)


@contextlib.contextmanager
def on_forced_exit(cleanup: Callable[[], object]) -> Iterator[None]:
    """Run ``cleanup`` (it must be quick) if the deadline forces the exit in the body."""
    with _lock:
        _cleanups.append(cleanup)
    try:
        yield
    finally:
        with _lock:
            _cleanups.remove(cleanup)


def push_exit_request(request: ExitRequest) -> Callable[[], None]:
    """Make ``request(status)`` the answer to an exit signal; returns its remover."""
    with _lock:
        _requests.append(request)

    def remove() -> None:
        with _lock, contextlib.suppress(ValueError):
            _requests.remove(request)

    return remove


def _on_exit_signal(signum: int, frame: FrameType | None) -> None:
    first = not armed()
    status = exit_status(signum)
    arm(status)
    with _lock:
        request = _requests[-1] if _requests else None
    if request is not None:
        request(status)
    elif first:
        raise SystemExit(status)


@contextlib.contextmanager
def signals_end_the_process() -> Iterator[None]:
    """SIGTERM and SIGHUP end the process within the deadline (see the module doc)."""
    # An ignored signal stays ignored (``nohup crownest-tui logs --follow …``).
    ours = [sig for sig in EXIT_SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN]
    previous = {sig: signal.signal(sig, _on_exit_signal) for sig in ours}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
