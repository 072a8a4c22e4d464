"""The one table of a run's status changes; every change of status is checked against it.

The happy path is ``awaiting_archive`` → ``archive_uploaded`` → ``starting`` →
``extracting`` → ``running`` → ``collecting`` → ``succeeded``. Besides it:

* **cancel**: every active status may become ``canceled`` (the contract: "everything
  else is active and may be canceled");
* **failure**: once the server works on the run (``starting`` to ``collecting``) it may
  fail: a rejected archive or an extraction error while ``extracting``, the command's
  exit code or timeout after ``collecting``, and an internal error or a server
  shutdown (or restart) from any of them.

Terminal statuses lead nowhere. A change outside the table is a bug of the backend:
:func:`check_transition` raises :class:`IllegalTransition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ..api.models import RunStatus

AWAITING_ARCHIVE = RunStatus.AWAITING_ARCHIVE
ARCHIVE_UPLOADED = RunStatus.ARCHIVE_UPLOADED
STARTING = RunStatus.STARTING
EXTRACTING = RunStatus.EXTRACTING
RUNNING = RunStatus.RUNNING
COLLECTING = RunStatus.COLLECTING
SUCCEEDED = RunStatus.SUCCEEDED
FAILED = RunStatus.FAILED
CANCELED = RunStatus.CANCELED

#: status → the statuses it may change to.
TRANSITIONS: Final[Mapping[RunStatus, frozenset[RunStatus]]] = MappingProxyType(
    {
        AWAITING_ARCHIVE: frozenset({ARCHIVE_UPLOADED, CANCELED}),
        ARCHIVE_UPLOADED: frozenset({STARTING, CANCELED}),
        STARTING: frozenset({EXTRACTING, FAILED, CANCELED}),
        EXTRACTING: frozenset({RUNNING, FAILED, CANCELED}),
        RUNNING: frozenset({COLLECTING, FAILED, CANCELED}),
        COLLECTING: frozenset({SUCCEEDED, FAILED, CANCELED}),
        SUCCEEDED: frozenset(),
        FAILED: frozenset(),
        CANCELED: frozenset(),
    }
)


class IllegalTransition(RuntimeError):
    """A status change the life cycle does not have (a bug, never a client's fault)."""

    def __init__(self, run_id: str, before: RunStatus, after: RunStatus) -> None:
        super().__init__(f"run {run_id} cannot go from {before} to {after}")
        self.before = before
        self.after = after


def check_transition(run_id: str, before: RunStatus, after: RunStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``before`` may change to ``after``."""
    if after not in TRANSITIONS[before]:
        raise IllegalTransition(run_id, before, after)
