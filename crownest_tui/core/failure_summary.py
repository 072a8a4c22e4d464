"""What the failure summary above a failed run's log says, as plain lines.

Folded it is one row (so a failed run's log keeps its two thirds of an 80x24
terminal): the cause, the error lines found, the other facts. Expanded (``x``): every
fact, the last stderr lines and the first error lines with their line numbers.
Untrusted text (the run's output) arrives here already made inert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..api.models import RunStatus, WorkspaceRun
from ..text.format import format_count
from .run_outcome import outcome_lines

STDERR_TAIL = 5
"""Last stderr lines shown expanded (the folded summary shows the last one)."""
ERRORS_SHOWN = 8
"""Error lines listed expanded."""


@dataclass(frozen=True)
class NumberedLine:
    """A line of the log by its (0-based) number, as inert text."""

    number: int
    text: str


@dataclass(frozen=True)
class FailureSummary:
    """Why a run failed, in words, with the evidence from its log."""

    facts: list[str]
    """The result in words, the cause first (see :func:`run_outcome.outcome_lines`)."""
    stderr_tail: list[str] = field(default_factory=list)
    errors: list[NumberedLine] = field(default_factory=list)
    error_count: int = 0

    def folded(self) -> str:
        """One row: the cause, then the error lines found, then the other facts (a
        narrow terminal cuts what comes last)."""
        cause, *others = self.facts
        found = format_count(self.error_count, "error line") + " (e / E)"
        if not self.error_count:
            found = "no error lines found"
        return " · ".join([cause, found, *others])

    def errors_row(self) -> str:
        if not self.error_count:
            return "No error lines found in the log: its last lines may say more (f)."
        first = self.errors[0] if self.errors else None
        where = f", the first at line {first.number + 1}" if first else ""
        return f"{format_count(self.error_count, 'error line')}{where} (e / E)"

    def expanded(self) -> list[tuple[str, list[str]]]:
        """Titled groups of rows: the facts, the last stderr lines, the error lines."""
        groups: list[tuple[str, list[str]]] = [("Why it failed", self.facts)]
        if self.stderr_tail:
            groups.append(("Last stderr lines", self.stderr_tail))
        if self.errors:
            more = self.error_count - len(self.errors)
            rows = [f"{line.number + 1:>7}  {line.text}" for line in self.errors]
            if more > 0:
                rows.append(f"… and {format_count(more, 'more error line')} (e / E)")
            groups.append((f"Error lines ({self.error_count:,})", rows))
        else:
            groups.append(("Error lines", [self.errors_row()]))
        return groups


def summarize(
    run: WorkspaceRun | None,
    now: datetime,
    stderr_tail: list[str],
    errors: list[NumberedLine],
    error_count: int,
) -> FailureSummary | None:
    """The summary of a failed run (``None`` for any other run)."""
    if run is None or run.status != RunStatus.FAILED:
        return None
    return FailureSummary(outcome_lines(run, now), stderr_tail, errors, error_count)
