"""A run's supervisor: the one ancestor every process of the run keeps, however it hides.

The executor's shell ``exec``s ``python -I -S reaper.py PARENT GRACE COMMAND``, so this
process is the run's session leader, the pid the executor knows. It becomes a Linux
*child subreaper* (``PR_SET_CHILD_SUBREAPER``): a process of the run whose parent dies
is re-parented to it instead of to init. So even a daemon that double-forks, calls
``setsid`` and empties its environment (leaving the run's session, group and
``CROWNEST_RUN_ID`` marker) stays its descendant, and the ``ppid`` links in ``/proc``
still lead to it.

It runs ``/bin/sh -c COMMAND`` as its child, stdin inherited, stdout and stderr its own
channels (pipes, or in terminal mode a pseudo-terminal each) that :mod:`.relay` reads
in a thread, in the order they were written, and sends on as frames on our own stdout
(byte-exact and unbuffered). Then:

* the command ends by itself: whatever it left running is killed (SIGKILL, as the
  executor always did with a run's leftovers), and the supervisor exits exactly as
  the command did (same exit code, or death by the same signal);
* SIGTERM, SIGINT or SIGHUP arrives (the executor's cancel or timeout), or the backend
  dies (``PR_SET_PDEATHSIG`` turns that into SIGTERM): SIGTERM and SIGCONT go to every
  descendant, SIGKILL to whatever is left after the grace period, again until none
  is left; then it exits as the command did.

Only what a process can do to itself is needed (no root, no cgroups). Standard
library only, and run with ``-S``, so it starts in a few milliseconds.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

if __name__ == "__main__" and not __package__:  # run as a script: PEP 366, so that
    sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    __package__ = "crownest_tui.local"  # the relative import below works

from . import channels, relay

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
WATCHED = STOP_SIGNALS | {signal.SIGCHLD}
CHILD_EXITED = frozenset({signal.SIGCHLD})
#: How long the last SIGKILL rounds may take before giving up (a process stuck in the
#: kernel, state D, cannot die until its I/O ends).
KILL_PATIENCE = 5.0
KILL_ROUND = 0.05
CANNOT_START = channels.CANNOT_START
#: How long the relay may take to send the last output once the run is over.
RELAY_PATIENCE = relay.DRAIN_SECONDS + 3.0
PIPES, TTY = "pipes", "tty"


def argv(python: str, parent: int, grace: float, command: str, *, tty: bool = False) -> list[str]:
    """The command line that runs ``command`` under this supervisor (its output as
    :mod:`.relay` frames; ``tty``: on a pseudo-terminal per stream)."""
    mode = TTY if tty else PIPES
    return [python, "-I", "-S", __file__, str(parent), repr(float(grace)), mode, command]


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0)) == 0
    except (AttributeError, OSError):  # not Linux
        return False


def descendants(root: int) -> list[int]:
    """Every process below ``root`` in the ``/proc`` parent links (zombies included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                raw = handle.read()
        except OSError:  # gone meanwhile
            continue
        ppid = int(raw[raw.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    seen = {root}  # a pid reused during the scan must not make us loop
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in seen:
                seen.add(pid)
                found.append(pid)
                todo.append(pid)
    return found


class Supervisor:
    """Reaps every child (the command and adopted orphans) and ends the rest on demand."""

    def __init__(self, command_pid: int) -> None:
        self.command_pid = command_pid
        self.status: int | None = None
        self.me = os.getpid()

    def reap(self) -> bool:
        """Collect every child that has exited; True while any child remains."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True
            if pid == self.command_pid:
                self.status = status

    def signal_all(self, *signals: signal.Signals) -> None:
        for pid in descendants(self.me):
            for sig in signals:
                try:  # noqa: SIM105 - contextlib costs start-up time
                    os.kill(pid, sig)
                except OSError:  # already gone
                    pass

    def wait_command(self) -> bool:
        """Wait for the command to end; False if a stop signal came first."""
        while self.status is None:
            info = signal.sigwaitinfo(WATCHED)
            if info.si_signo in STOP_SIGNALS:
                return False
            self.reap()
        return True

    def stop(self, grace: float) -> None:
        """TERM every descendant, wait up to ``grace`` for them all, then KILL the rest."""
        self.signal_all(signal.SIGTERM, signal.SIGCONT)
        deadline = time.monotonic() + grace
        while self.reap():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            # Every descendant's exit ends as the exit of one of our children.
            signal.sigtimedwait(CHILD_EXITED, left)
        self.kill_all()

    def kill_all(self) -> None:
        """SIGKILL every descendant, again and again, until none is left."""
        deadline = time.monotonic() + KILL_PATIENCE
        while self.reap() and time.monotonic() < deadline:
            self.signal_all(signal.SIGKILL)
            signal.sigtimedwait(CHILD_EXITED, KILL_ROUND)


def exit_like(status: int | None) -> int:
    """Exit code for the command's wait status; a death by signal is repeated on us."""
    if status is None:  # it outlived KILL_PATIENCE: report it as killed
        return 128 + signal.SIGKILL
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        _prctl(PR_SET_DUMPABLE, 0)  # the command may have dumped core; we must not
        try:  # noqa: SIM105
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL has no handler to reset
            pass
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.waitstatus_to_exitcode(status)


def main(args: list[str]) -> int:
    parent, grace, mode, command = int(args[0]), float(args[1]), args[2], args[3]
    # Blocked before anything is started (the relay's thread too): no signal can slip
    # between the checks below, and every one comes to sigwaitinfo.
    signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the backend died before we could ask to follow it
        return 128 + signal.SIGTERM
    try:
        outputs = channels.open_channels(tty=mode == TTY)
        pid = os.fork()
    except OSError as exc:  # out of processes, memory, file descriptors or ptys
        os.write(1, relay.frame(relay.STDERR, f"crownest reaper: cannot start: {exc}\n".encode()))
        return CANNOT_START
    if pid == 0:
        channels.start_command(command, outputs)
    output = relay.Relay(outputs, out_fd=1)
    output.start()  # after the fork: the child never inherits a running thread
    supervisor = Supervisor(pid)
    if supervisor.wait_command():
        supervisor.kill_all()  # what the command left behind does not outlive the run
    else:
        supervisor.stop(grace)
    output.finish(RELAY_PATIENCE)
    return exit_like(supervisor.status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
