"""Cancel the marked runs of the list in one worker: progress, then each result, in toasts."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker

from ...api.client import CrowNestClient
from ...core.bulk_cancel import CancelResult, Outcome, Selection, cancel_runs, summary_text
from ...text.format import format_count
from ..messages import RunChanged
from ..widgets.runs_table import RunsTable

#: Result lines a toast shows before it says how many more there are.
SHOWN_RESULTS = 8
#: A long bulk cancel says how far it is every this many runs.
PROGRESS_EVERY = 10


def results_text(results: list[CancelResult], ended_before: int) -> str:
    """The per-run lines of the final toast (the first few, then a count)."""
    lines = [result.text for result in results[:SHOWN_RESULTS]]
    if len(results) > SHOWN_RESULTS:
        lines.append(f"… and {format_count(len(results) - SHOWN_RESULTS, 'more run')}")
    if ended_before:
        lines.append(f"{format_count(ended_before, 'marked run')} had already ended: skipped")
    return "\n".join(lines)


class BulkCancel:
    """One bulk cancel of ``selection`` from ``screen`` (its worker, its toasts)."""

    def __init__(
        self, screen: Screen[None], client: CrowNestClient, table: RunsTable, selection: Selection
    ) -> None:
        self.screen = screen
        self.client = client
        self.table = table
        self.selection = selection
        self.done = 0

    def start(self) -> Worker[list[CancelResult]]:
        count = format_count(len(self.selection.active), "run")
        self.screen.notify(f"Canceling {count}…", title="Bulk cancel", timeout=3, markup=False)
        return self.screen.run_worker(
            self._run(),
            group="bulk-cancel",
            description="cancel the marked runs",
            exit_on_error=False,
        )

    def _heard(self, result: CancelResult) -> None:
        if result.run is not None:
            self.screen.post_message(RunChanged(result.run))
        self.done += 1
        total = len(self.selection.active)
        if total > PROGRESS_EVERY and self.done % PROGRESS_EVERY == 0 and self.done < total:
            self.screen.notify(
                f"{self.done} of {total} done…", title="Bulk cancel", timeout=3, markup=False
            )

    async def _run(self) -> list[CancelResult]:
        run_ids = [run.id for run in self.selection.active]
        results = await cancel_runs(self.client, run_ids, on_result=self._heard)
        settled = [r.run_id for r in results if r.outcome is not Outcome.FAILED]
        self.table.clear_picks([*settled, *(run.id for run in self.selection.ended)])
        failed = any(result.outcome is Outcome.FAILED for result in results)
        self.screen.notify(
            results_text(results, len(self.selection.ended)),
            title=f"Bulk cancel: {summary_text(results)}",
            severity="warning" if failed else "information",
            timeout=12,
            markup=False,
        )
        return results
