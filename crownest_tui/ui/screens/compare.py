"""``=``: a run beside another, by default the last good run of the same work.

The facts that differ (archive, template, env keys, exit code, duration, source
commit) come first, then a unified diff of the two logs with times, ids, hashes and
durations normalised away, so only real differences show.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...api import CrowNestClient, CrowNestError
from ...api.models import WorkspaceRun
from ...core.compare import (
    diff_logs,
    field_differences,
    hunks,
    pick_baseline,
    run_facts,
    unified_rows,
    work_metadata,
)
from ...text.format import format_count, safe_line, truncate
from ..compare_log import ComparedLog, load_log
from ..widgets.context_bar import ContextBar
from ..widgets.diff_view import DiffView

BASELINE_SEARCH_LIMIT = 500
"""How many succeeded runs of the same metadata are looked through for the baseline."""


FIELD_WIDTH = 14
"""The widest label of the facts table ("Archive sha256")."""


def order_pair(first: WorkspaceRun, second: WorkspaceRun) -> tuple[WorkspaceRun, WorkspaceRun]:
    """(base, other): the succeeded run is the base; else the older one."""
    if (first.status == "succeeded") != (second.status == "succeeded"):
        return (first, second) if first.status == "succeeded" else (second, first)
    return (first, second) if first.created_at <= second.created_at else (second, first)


class CompareScreen(Screen[None]):
    """Two runs side by side: differing facts, then the log diff."""

    HELP_TITLE = "Compare runs"
    HELP_SECTIONS = (("Compare", ("compare.next_change", "compare.previous_change")),)
    BINDINGS = [
        Binding("escape", "back", "Back", id="compare.back", tooltip="Back"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]
    DEFAULT_CSS = """
    CompareScreen {
        & > #compare-title { padding: 0 1; text-style: bold; height: auto; }
        & > #compare-facts { height: auto; max-height: 12; margin: 0 1; overflow-x: hidden; }
        & > #compare-status { padding: 0 1; color: $text-muted; height: auto; }
    }
    """

    def __init__(self, client: CrowNestClient, run_id: str, other_id: str | None = None) -> None:
        super().__init__()
        self.client = client
        self.run_id = run_id
        self.other_id = other_id
        self.logs: list[ComparedLog] = []

    def compose(self) -> ComposeResult:
        yield ContextBar()
        yield Static("", id="compare-title", markup=False)
        yield DataTable(id="compare-facts", cursor_type="none", zebra_stripes=True)
        yield Static("Loading the runs…", id="compare-status", markup=False)
        yield DiffView(id="compare-diff")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Compare {self.run_id}"
        self.set_focus(self.query_one(DiffView))
        self.run_worker(self._compare(), exclusive=True, group="compare")

    def on_unmount(self) -> None:
        for log in self.logs:
            log.close()

    def action_back(self) -> None:
        self.dismiss()

    def _status(self, text: str) -> None:
        self.query_one("#compare-status", Static).update(text)

    async def _compare(self) -> None:
        try:
            await self._load_and_diff()
        except CrowNestError as exc:
            self._status(f"Could not compare: {exc}")
            self.notify(str(exc), title="Compare", severity="error", markup=False)

    async def _pair(self) -> tuple[WorkspaceRun, WorkspaceRun] | None:
        run = await self.client.get_run(self.run_id)
        if self.other_id is not None:
            return order_pair(run, await self.client.get_run(self.other_id))
        baseline = await self._baseline(run)
        if baseline is None:
            self._status(
                "No earlier succeeded run of this command with the same metadata. "
                "To compare with another run, mark both with space in the list and press =."
            )
            return None
        return baseline, run

    async def _baseline(self, run: WorkspaceRun) -> WorkspaceRun | None:
        candidates: list[WorkspaceRun] = []
        async for candidate in self.client.iter_runs(
            project_id=run.project_id, status="succeeded", metadata=work_metadata(run.metadata)
        ):
            candidates.append(candidate)
            if len(candidates) >= BASELINE_SEARCH_LIMIT:
                break
        return pick_baseline(run, candidates)

    async def _load_and_diff(self) -> None:
        pair = await self._pair()
        if pair is None:
            return
        base, other = pair
        command = safe_line(other.command)  # untrusted: inert on one line
        self.query_one("#compare-title", Static).update(
            f"- {base.id} ({base.status})   + {other.id} ({other.status})   {command}"
        )
        self._show_facts(base, other)
        started = time.monotonic()
        counts = [0, 0]

        def progress(side: int) -> Callable[[int], None]:
            def heard(lines: int) -> None:
                counts[side] = lines
                self._status(f"Reading the logs: {counts[0]:,} and {counts[1]:,} lines…")

            return heard

        logs = await asyncio.gather(
            load_log(self.client, base, progress(0)),
            load_log(self.client, other, progress(1)),
        )
        self.logs = list(logs)
        base_log, other_log = logs
        self._status(f"Comparing {len(base_log):,} and {len(other_log):,} lines…")
        changes = await asyncio.to_thread(
            diff_logs, base_log.keys, other_log.keys, base_log.text, other_log.text
        )
        grouped = hunks(changes, len(base_log), len(other_log))
        rows = list(unified_rows(grouped))
        self.query_one(DiffView).show(rows, grouped, base_log, other_log)
        removed = sum(change.removed for change in changes)
        added = sum(change.added for change in changes)
        took = time.monotonic() - started
        if not changes:
            summary = "The logs are the same (after times, ids, hashes and durations)."
        else:
            summary = (
                f"{format_count(len(grouped), 'change')}: "
                f"{format_count(removed, 'line')} removed, {added:,} added."
            )
        self._status(
            f"{summary}  {len(base_log):,} vs {len(other_log):,} lines, in {took:.1f}s.  "
            "] next change, [ previous"
        )
        if not other.is_terminal or not base.is_terminal:
            self.notify(
                "A run is still going: this compares what it has printed so far.",
                title="Compare",
                markup=False,
            )

    def _show_facts(self, base: WorkspaceRun, other: WorkspaceRun) -> None:
        table = self.query_one("#compare-facts", DataTable)
        table.clear(columns=True)
        table.add_columns("Field", f"- {base.id}", f"+ {other.id}")
        differences = field_differences(run_facts(base), run_facts(other))
        # Both runs' values in sight at 80 columns: long ones (a sha256) are cut.
        room = max(12, (self.size.width - FIELD_WIDTH - 6) // 2)
        for difference in differences:
            table.add_row(
                Text(difference.label),
                Text(truncate(difference.base, room)),
                Text(truncate(difference.other, room)),
            )
        if not differences:
            table.add_row(Text("(every field)"), Text("the same"), Text("the same"))
