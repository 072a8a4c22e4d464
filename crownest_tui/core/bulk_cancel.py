"""Cancel many runs at once: which of them can be, then one cancel each, a few at a time.

Shared by the runs list (``space`` marks, ``c`` cancels the marked runs) and the
``cancel`` command. A run that has ended by the time its cancel arrives (409) is
skipped, never a failure: it is what was wanted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import WorkspaceRun
from ..text.format import format_count, safe_line
from .failures import cancel_failure_text

#: Cancels in flight at once (the API answers each in a few milliseconds).
CONCURRENT_CANCELS = 4


class Outcome(StrEnum):
    CANCELED = "canceled"
    SKIPPED = "skipped"  # it had already ended
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What one cancel came to: the run as the API answered, or the error."""

    run_id: str
    outcome: Outcome
    run: WorkspaceRun | None = None
    error: CrowNestError | None = None

    @property
    def text(self) -> str:
        """``wsr_… canceled`` / ``… had already ended (succeeded)`` / ``… failed: why``."""
        if self.outcome is Outcome.CANCELED:
            status = safe_line(self.run.status) if self.run is not None else "canceled"
            return f"{self.run_id} {'canceled' if status == 'canceled' else f'is {status}'}"
        if self.outcome is Outcome.SKIPPED:
            status = f" ({safe_line(self.run.status)})" if self.run is not None else ""
            return f"{self.run_id} had already ended{status}: skipped"
        error = self.error if self.error is not None else RuntimeError("unknown error")
        return cancel_failure_text(error, self.run_id)[1]


@dataclass(frozen=True, slots=True)
class Selection:
    """Marked runs split into those to cancel and those that have already ended."""

    active: tuple[WorkspaceRun, ...]
    ended: tuple[WorkspaceRun, ...]
    unlisted: tuple[str, ...] = ()
    """Marked runs the list does not hold now (filtered out since): left alone."""


def split_by_state(runs: Iterable[WorkspaceRun], unlisted: Iterable[str] = ()) -> Selection:
    """Which runs a cancel would reach, which it would skip (in the given order)."""
    listed = list(runs)
    return Selection(
        tuple(run for run in listed if not run.is_terminal),
        tuple(run for run in listed if run.is_terminal),
        tuple(unlisted),
    )


def skipped_text(ended: Sequence[WorkspaceRun]) -> str:
    """``Already ended, skipped: wsr_a (succeeded), wsr_b (failed)``."""
    names = ", ".join(f"{run.id} ({safe_line(run.status)})" for run in ended)
    return f"Already ended, skipped: {names}"


def summary_text(results: Sequence[CancelResult]) -> str:
    """``3 canceled, 1 skipped, 1 failed``: the counts that are not zero."""
    parts = []
    for outcome in Outcome:
        count = sum(result.outcome is outcome for result in results)
        if count:
            parts.append(f"{count} {outcome.value}")
    return ", ".join(parts) or format_count(0, "run")


async def cancel_one(client: CrowNestClient, run_id: str) -> CancelResult:
    """Cancel one run; a 409 (it has ended meanwhile) is a skip, with its state."""
    try:
        return CancelResult(run_id, Outcome.CANCELED, run=await client.cancel_run(run_id))
    except CrowNestError as error:
        if error.status == 409:
            try:
                run = await client.get_run(run_id)
            except CrowNestError:
                run = None
            if run is None or run.is_terminal:
                return CancelResult(run_id, Outcome.SKIPPED, run=run)
        return CancelResult(run_id, Outcome.FAILED, error=error)


async def cancel_runs(
    client: CrowNestClient,
    run_ids: Sequence[str],
    *,
    on_result: Callable[[CancelResult], None] | None = None,
    concurrency: int = CONCURRENT_CANCELS,
) -> list[CancelResult]:
    """Cancel every run of ``run_ids`` (a few at a time); the results in that order.

    ``on_result`` hears each result as it comes (for progress)."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(run_id: str) -> CancelResult:
        async with gate:
            result = await cancel_one(client, run_id)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(run_id) for run_id in run_ids)))
