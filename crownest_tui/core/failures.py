"""The one place that turns exceptions into what the UI says about them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ..api.errors import CrowNestError
from ..api.models import WorkspaceRun
from ..text.format import absolute_time, safe_line

CANCEL_SCOPE = "workspace_run:cancel"


@dataclass(frozen=True)
class FailureInfo:
    """An API failure as the UI shows it: title, message and when it happened."""

    title: str
    message: str
    code: str
    status: int | None
    details: str
    when: str


def failure_info(error: BaseException, now: datetime) -> FailureInfo:
    """A :class:`FailureInfo` for any exception (API errors keep their code/status)."""
    if isinstance(error, CrowNestError):
        details = json.dumps(error.details, sort_keys=True) if error.details else ""
        return FailureInfo(
            safe_line(error.title),
            safe_line(error.message),
            safe_line(error.code),
            error.status,
            safe_line(details),
            absolute_time(now),
        )
    return FailureInfo(
        "Unexpected error",
        safe_line(f"{type(error).__name__}: {error}"),
        "internal",
        None,
        "",
        absolute_time(now),
    )


def cancel_failure_text(error: BaseException, run_id: str) -> tuple[str, str]:
    """(title, message) for a cancel that did not happen."""
    if isinstance(error, CrowNestError):
        if error.status == 403:
            return (
                "Not allowed to cancel",
                f"This API key lacks the {CANCEL_SCOPE} scope, so {run_id} was not "
                "canceled. Use a key that has it.",
            )
        message = safe_line(error.message)
        if error.status == 409:
            return ("Run already finished", f"{run_id} had already finished: {message}")
        return (safe_line(error.title), f"Could not cancel {run_id}: {message}")
    return ("Unexpected error", f"Could not cancel {run_id}: {safe_line(str(error))}")


def cancel_refusal(run: WorkspaceRun) -> str:
    """Why ``c`` does nothing on a terminal run."""
    return f"{run.id} is already {safe_line(run.status)}; only active runs can be canceled."


class Refusal(NamedTuple):
    """Why a key does nothing right now: a notification's title and text."""

    title: str
    message: str


def read_only_refusal(what: str) -> Refusal:
    """Why a key does nothing in read-only mode; ``what`` is e.g. "runs are not canceled"."""
    return Refusal(
        "Read-only", f"Read-only mode (--read-only, or read_only in the config): {what} here."
    )


def why_no_cancel(run: WorkspaceRun | None, read_only: bool) -> Refusal | None:
    """Why ``c`` cannot cancel ``run`` (read-only, or the run has ended); ``None`` if it can
    (or there is no run to speak of yet)."""
    if read_only:
        return read_only_refusal("runs are not canceled")
    if run is not None and run.is_terminal:
        return Refusal("Nothing to cancel", cancel_refusal(run))
    return None
