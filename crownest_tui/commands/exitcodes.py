"""The exit statuses of the subcommands (table in the package docstring)."""

from __future__ import annotations

import signal
import sys
from typing import Final, TextIO

from ..api.errors import CONNECTION_ERROR, MISSING_CREDENTIAL, CrowNestError
from ..api.models import RunStatus, WorkspaceRun
from .text import one_line

OK: Final = 0
RUN_FAILED: Final = 1
USAGE: Final = 2
REFUSED: Final = 65
NOT_FOUND: Final = 66
UNAVAILABLE: Final = 69
IO_ERROR: Final = 74
NOT_YET: Final = 75
PROTOCOL: Final = 76
NOT_ALLOWED: Final = 77
INTERRUPTED: Final = 130


def for_error(error: CrowNestError) -> int:
    """The exit status for an API error."""
    if error.code == MISSING_CREDENTIAL or error.status in (401, 403):
        return NOT_ALLOWED
    if error.status == 404:
        return NOT_FOUND
    if error.status is None and error.code == CONNECTION_ERROR:
        return UNAVAILABLE
    if error.status is not None and (error.status >= 500 or error.status == 429):
        return UNAVAILABLE
    if error.status is not None and 400 <= error.status < 500:
        return REFUSED
    return PROTOCOL


def for_run(run: WorkspaceRun) -> int:
    """A finished run's status as a process exit status (never 0 unless it succeeded)."""
    code = run.exit_code
    if code is not None and code < 0:
        code = 128 + min(-code, int(signal.SIGRTMAX))  # killed by a signal, shell style
    if code is None or not 0 <= code <= 255:
        code = OK if run.status == RunStatus.SUCCEEDED else RUN_FAILED
    if code == OK and run.status != RunStatus.SUCCEEDED:
        return RUN_FAILED
    return code


def fail(message: str, status: int, stream: TextIO | None = None) -> int:
    """Print ``crownest-tui: error: <message>`` as one line on stderr; return ``status``."""
    print(f"crownest-tui: error: {one_line(message)}", file=stream or sys.stderr, flush=True)
    return status


def fail_api(error: CrowNestError, what: str = "") -> int:
    """One line for an API error (server text made inert), with its exit status."""
    prefix = f"{what}: " if what else ""
    return fail(f"{prefix}{error.message} [{error.code}]", for_error(error))


class CommandFailed(Exception):
    """A command already printed its error line; exit with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(f"exit status {status}")
        self.status = status
