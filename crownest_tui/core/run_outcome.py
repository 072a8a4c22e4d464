"""Why a run ended as it did, in words: exit codes, failure classes and reasons.

The runs list's "Why" column (:func:`why_cell`) and the detail screen's failure
summary (:func:`outcome_lines`) both say it from here, so they never disagree. The
failure classes and reasons are the contract's (crownest-api.md); unknown values
are shown as they are.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..api.models import FailureClass, FailureReason, RunStatus, WorkspaceRun
from ..text.format import format_duration, safe_line

WARN_SHARE = 0.8
"""A running run past this share of its timeout is shown in the warning colour."""

EXIT_MEANINGS: dict[int, str] = {
    0: "success",
    1: "general error",
    2: "misuse or usage error",
    126: "found but not executable",
    127: "command not found",
    130: "interrupted (SIGINT, Ctrl-C)",
    137: "killed (SIGKILL; often out of memory)",
    139: "crashed (SIGSEGV, segmentation fault)",
    143: "terminated (SIGTERM)",
}

CLASS_MEANINGS: dict[str, str] = {
    FailureClass.CANCELED: "canceled by a user",
    FailureClass.PLATFORM: "a platform error, not the command's fault",
    FailureClass.USER_COMMAND: "the command failed",
    FailureClass.USER_INPUT: "the input was refused (archive or request)",
}

REASON_MEANINGS: dict[str, str] = {
    FailureReason.ARCHIVE_INVALID: "the archive is not a valid .tar.gz",
    FailureReason.ARCHIVE_TOO_LARGE: "the archive is larger than the upload limit",
    FailureReason.COMMAND_EXIT: "the command exited with a non-zero code",
    FailureReason.EXTRACTION_FAILED: "the archive could not be extracted",
    FailureReason.INTERNAL_ERROR: "an internal error of the platform",
    FailureReason.SANDBOX_CONFLICT: "the sandbox was busy with another run",
    FailureReason.SANDBOX_UNAVAILABLE: "no sandbox was available",
    FailureReason.TIMEOUT: "the run took longer than its timeout",
    FailureReason.UPLOAD_MISSING: "the archive was never uploaded",
}


class Level(StrEnum):
    """How a why cell is coloured."""

    PLAIN = "plain"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class WhyCell:
    """The runs list's "Why" column for one run."""

    text: str
    level: Level = Level.PLAIN


def exit_meaning(code: int) -> str:
    """What an exit code usually means (shell conventions: above 128, a signal)."""
    known = EXIT_MEANINGS.get(code)
    if known is not None:
        return known
    if 128 < code < 128 + 65:
        number = code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            return f"killed by signal {number}"
        return f"killed by signal {number} ({name})"
    return "the command's own failure code"


def short_duration(seconds: float) -> str:
    """:func:`format_duration` in fewer cells, for the Why column: ``0.8s``, ``1s``,
    ``45s``, ``10m``, ``2m30s``, ``1h``, ``1h30m`` (zeros left out)."""
    text = format_duration(seconds).replace(" 00s", "").replace(" 00m", "")
    return text.replace(" ", "").replace(".0s", "s")


def _elapsed(run: WorkspaceRun, now: datetime) -> float | None:
    if run.started_at is None:
        return None
    end = run.finished_at or now
    return max(0.0, (end - run.started_at).total_seconds())


def _words(value: object) -> str:
    return safe_line(str(value)).replace("_", " ")


def why_cell(run: WorkspaceRun, now: datetime) -> WhyCell:
    """``exit 1``, ``timeout 10m``, ``canceled``, ``archive invalid`` for a finished run;
    ``7m / 10m`` (a warning past 80%) for a running one with a timeout, ``no timeout``
    for one without; ``""`` before it starts."""
    if not run.is_terminal:
        elapsed = _elapsed(run, now)
        if elapsed is None:
            return WhyCell("")
        if not run.timeout_ms:
            return WhyCell("no timeout")  # the Duration column has the time
        limit = run.timeout_ms / 1000
        level = Level.WARNING if elapsed >= WARN_SHARE * limit else Level.PLAIN
        return WhyCell(f"{short_duration(elapsed)} / {short_duration(limit)}", level)
    reason, klass = run.failure_reason, run.failure_class
    if run.status == RunStatus.CANCELED or klass == FailureClass.CANCELED:
        return WhyCell("canceled", Level.WARNING)
    if reason == FailureReason.TIMEOUT:
        after = f" {short_duration(run.timeout_ms / 1000)}" if run.timeout_ms else ""
        return WhyCell(f"timeout{after}", Level.ERROR)
    if reason not in (None, FailureReason.COMMAND_EXIT):
        return WhyCell(_words(reason), Level.ERROR)
    if run.exit_code is not None:
        return WhyCell(f"exit {run.exit_code}", Level.ERROR if run.exit_code else Level.PLAIN)
    if run.status == RunStatus.FAILED:
        return WhyCell(_words(klass) if klass else "failed", Level.ERROR)
    return WhyCell(_words(run.status))


def outcome_lines(run: WorkspaceRun, now: datetime) -> list[str]:
    """The result in words, one fact a line, the cause first: the failure reason
    explained (a timeout, an invalid archive…), the exit code and what it usually
    means, the failure class, and the duration against the timeout."""
    lines: list[str] = []
    reason, klass = run.failure_reason, run.failure_class
    if reason == FailureReason.TIMEOUT and run.timeout_ms:
        lines.append(f"timeout: stopped after {format_duration(run.timeout_ms / 1000)}")
    elif reason not in (None, FailureReason.COMMAND_EXIT):  # the exit code says that one
        meaning = REASON_MEANINGS.get(reason, "")
        lines.append(f"{_words(reason)}: {meaning}" if meaning else _words(reason))
    if run.exit_code is not None:
        lines.append(f"exit {run.exit_code}: {exit_meaning(run.exit_code)}")
    if klass is not None:
        meaning = CLASS_MEANINGS.get(klass, "")
        lines.append(f"{_words(klass)}: {meaning}" if meaning else _words(klass))
    lines.append(timing_line(run, now))
    return lines


def timing_line(run: WorkspaceRun, now: datetime) -> str:
    """``ran 4m 10s of a 10m 00s timeout (42%)``, or ``ran 12s (no timeout)``."""
    elapsed = (
        run.duration_ms / 1000
        if run.duration_ms is not None and run.is_terminal
        else _elapsed(run, now)
    )
    if elapsed is None:
        return "never started"
    ran = f"ran {format_duration(elapsed)}"
    if not run.timeout_ms:
        return f"{ran} (no timeout)"
    limit = run.timeout_ms / 1000
    return (
        f"{ran} of a {format_duration(limit)} timeout ({min(999, round(elapsed / limit * 100))}%)"
    )
