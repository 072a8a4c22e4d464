"""The Insights screen's row panes: failure reasons and exit codes (rows that open the
runs list), and the active runs of "Now". Each is a note line over a table, handed
the whole :class:`Insights` (state down); everything from the API is made inert."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from ...core.insights import Insights
from ...text.format import format_duration, safe_line
from ..charts import hbar


class NotedTable(Vertical):
    """A note line over a table of rows (``#NAME-note``, ``#NAME-table``)."""

    DEFAULT_CSS = "NotedTable { height: 1fr; } NotedTable DataTable { height: 1fr; }"
    NAME = ""
    COLUMNS: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.NAME}-note")
        yield DataTable(id=f"{self.NAME}-table", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)


class FailuresPane(NotedTable):
    """Top failure reasons, then exit codes; a row's key is ``kind:value``."""

    NAME = "failures"
    COLUMNS = ("kind", "failure", "runs", "share of failed")

    def show(self, insights: Insights) -> None:
        table = self.query_one(DataTable)
        table.clear()
        failed = insights.results["failed"]
        for ranked in (*insights.reasons, *insights.exit_codes):
            kind = "reason" if ranked.kind == "reason" else "exit code"
            share = ranked.count / failed if failed else 0.0
            bar = f"{hbar(share, 1.0, 20):<20} {share:.0%}"
            value = Text(safe_line(ranked.value))
            table.add_row(kind, value, str(ranked.count), bar, key=f"{ranked.kind}:{ranked.value}")
        note = (
            f"{failed:,} failed runs in the window · enter: the runs list filtered by that row"
            if failed
            else "No failed runs in this window."
        )
        self.query_one(Static).update(Content(note))


class NowPane(NotedTable):
    """Every active run, longest first, and the sandboxes held against the plan's."""

    NAME = "now"
    COLUMNS = ("age", "run", "project", "status", "timeout", "command")

    def show(self, insights: Insights, projects: dict[str, str]) -> None:
        limit, holding = insights.concurrency, insights.holding
        summary = f"Holding a sandbox: {holding:,}"
        if limit:
            summary += f" of {limit:,} ▕{hbar(holding, limit, 16):<16}▏"
        else:
            summary += " (no concurrency set in the profile)"
        summary += f" · {len(insights.active):,} active · ⚠ past 80% of timeout"
        self.query_one(Static).update(Content(summary))
        table = self.query_one(DataTable)
        table.clear()
        for run in insights.active:
            timeout = "-" if run.timeout_share is None else f"{run.timeout_share:.0%}"
            if run.near_timeout:
                timeout = f"⚠ {timeout}"
            table.add_row(
                format_duration(run.age),
                run.id,
                Text(safe_line(projects.get(run.project_id, run.project_id))),
                Text(safe_line(run.status)),
                timeout,
                Text(safe_line(run.command)[:60]),
                key=run.id,
            )
