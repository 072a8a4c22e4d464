"""The relay as a process of its own: what starts a sandboxed run's bwrap.

A sandboxed run's processes end with its PID namespace (:mod:`.runtime`), so it needs
no reaper; its output still needs the relay, to come in the order it was written. The
executor's shell ``exec``s ``python -I -S relay_process.py PARENT MODE COMMAND``: it
opens the channels (pipes, or ptys in terminal mode), forks ``/bin/sh -c COMMAND``
(``exec bwrap …``) on them, relays its output as frames on our stdout until the
command has exited (a pidfd tells), and exits as it did.

It follows the backend's life without the reaper's ``prctl`` (ctypes costs start-up
time): when the backend dies, we are re-parented, our quiet loop notices within a
second, and we kill the command; bwrap's ``--die-with-parent`` ends the sandbox with
us anyway. Standard library only, run with ``-S``: it starts in a few milliseconds.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and not __package__:  # run as a script: PEP 366, so that
    sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    __package__ = "crownest_tui.local"  # the relative imports below work

from .channels import CANNOT_START, open_channels, start_command
from .relay import STDERR, Relay, frame

PIPES, TTY = "pipes", "tty"
_signal = __import__("_signal")  # signal's C module: no enum to import


def argv(python: str, parent: int, command: str, *, tty: bool = False) -> list[str]:
    """The command line that runs ``command`` with its output relayed."""
    return [python, "-I", "-S", __file__, str(parent), TTY if tty else PIPES, command]


def exit_like(status: int) -> int:
    """Exit code for the command's wait status; a death by signal is repeated on us."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        import resource  # only then: the command's core dump is not ours to make

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _signal.signal(-code, _signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


def main(args: list[str]) -> int:
    parent, mode, command = int(args[0]), args[1], args[2]
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)  # a stop signal stops us, no traceback
    if os.getppid() != parent:  # the backend died before we started
        return 128 + int(_signal.SIGTERM)
    try:
        channels = open_channels(tty=mode == TTY)
        pid = os.fork()
    except OSError as exc:  # out of processes, memory, file descriptors or ptys
        os.write(1, frame(STDERR, f"crownest: cannot start: {exc}\n".encode()))
        return CANNOT_START
    if pid == 0:
        start_command(command, channels)
    exited = os.pidfd_open(pid)

    def backend_gone() -> None:
        if os.getppid() != parent:
            os.kill(pid, _signal.SIGKILL)  # the pidfd then ends the relay

    Relay(channels, 1, until=exited, watch=backend_gone).run()
    _, status = os.waitpid(pid, 0)
    return exit_like(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
