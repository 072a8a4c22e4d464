"""The detail screen's header: what matters on two rows, every field on ``i``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ...api.models import WorkspaceRun
from ...text.format import (
    absolute_time,
    format_duration,
    format_size,
    metadata_chips,
    relative_time,
    run_duration,
    safe_line,
    status_label,
)
from ..themes import on_theme, themed_status_style
from .kv_table import Row, inert, kv_table

SHORT_SHA = 12


def when(moment: datetime | None, now: datetime) -> str:
    """``3 minutes ago (2026-11-28 20:14:03 UTC)``, or ``—``."""
    if moment is None:
        return "—"
    return f"{relative_time(moment, now)} ({absolute_time(moment)})"


class RunHeader(Static):
    """Shows ``run`` (set by the screen); ``tick()`` re-renders the live duration.

    Folded (the default) it is two rows: status, id and command; then project,
    template, duration, exit code and failure. ``expanded`` shows every field, so the
    log keeps most of a small terminal until the details are asked for.
    """

    DEFAULT_CSS = """
    RunHeader { height: auto; padding: 0 1; }
    """

    run: reactive[WorkspaceRun | None] = reactive(None)
    """The run shown; ``None`` while it loads."""

    full_sha: reactive[bool] = reactive(False)
    """Show the archive's whole sha256 instead of its first characters (expands)."""

    expanded: reactive[bool] = reactive(False)
    """Show every field of the run, not only the two summary rows (``i``)."""

    problem: reactive[str | None] = reactive(None)
    """Why the run cannot be shown (not found, not allowed…): said instead of
    "Loading run…", or above a run that has since disappeared. Plain text."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        project_names: Mapping[str, str] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        """``project_names`` (id -> name, as the runs list loaded them) lets the header
        name the project; the API has no call to fetch one project."""
        super().__init__(id=id)
        self.clock = clock
        self.project_names = project_names or {}

    def on_mount(self) -> None:
        on_theme(self, self.refresh_header)

    def tick(self) -> None:
        if self.run is not None and not self.run.is_terminal:
            self.refresh_header()

    def watch_run(self) -> None:
        self.refresh_header()

    def watch_full_sha(self, full_sha: bool) -> None:
        if full_sha:
            self.expanded = True  # the sha256 is one of the fields shown expanded
        self.refresh_header()

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-expanded")
        self.refresh_header()

    def watch_problem(self) -> None:
        self.refresh_header()

    def refresh_header(self) -> None:
        run, problem = self.run, self.problem
        said = inert(problem) if problem else None
        if said is not None:
            said.stylize("bold red" if run is None else "red")
        if run is None:
            self.update(said or "Loading run…")
            return
        if self.expanded:
            hint = Text("i: fewer fields", style="dim")
            shown = Group(self._title(run), kv_table(self._rows(run), columns=2), hint)
        else:
            shown = Group(self._title(run, one_line=True), self._summary(run))
            if said is not None:  # one row too: the log keeps its share
                said.no_wrap, said.overflow = True, "ellipsis"
        self.update(Group(said, shown) if said is not None else shown)

    def _title(self, run: WorkspaceRun, one_line: bool = False) -> Table:
        style = themed_status_style(self, run.status)
        title = Table.grid(padding=(0, 2), expand=one_line)
        title.add_column(no_wrap=True)
        title.add_column(no_wrap=True)
        if one_line:
            title.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        title.add_row(
            Text(status_label(run.status).upper(), style=style),
            Text(run.id, style="bold"),
            Text(safe_line(run.command)) if one_line else inert(run.command),
        )
        return title

    def _summary(self, run: WorkspaceRun) -> Table:
        """``3m 05s · exit 1 · command_exit · project · template`` and the ``i`` hint;
        what a narrow terminal cuts first comes last."""
        parts = Text(overflow="ellipsis", no_wrap=True)
        template = f"{run.template_slug or '—'} {run.template_version}".strip()
        facts: list[Text] = [Text(self._elapsed(run))]
        if run.exit_code is not None:
            facts.append(Text(f"exit {run.exit_code}", "bold red" if run.exit_code else ""))
        failure = run.failure_reason or run.failure_class  # both are shown expanded
        if failure:
            facts.append(Text(safe_line(str(failure)), "bold red"))
        facts += [Text(safe_line(self._project_name(run.project_id))), Text(safe_line(template))]
        parts.append(Text(" · ", style="dim").join(facts))
        summary = Table.grid(padding=(0, 2), expand=True)
        summary.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        summary.add_column(no_wrap=True)
        summary.add_row(parts, Text("i: more", style="dim"))
        return summary

    def _elapsed(self, run: WorkspaceRun) -> str:
        """The duration (live while running), or how long ago a waiting run was made."""
        now = self.clock()
        duration = run_duration(run, now)
        return (
            duration
            if run.started_at is not None
            else f"created {relative_time(run.created_at, now)}"
        )

    def _project_name(self, project_id: str) -> str:
        return self.project_names.get(project_id) or project_id

    def _project(self, project_id: str) -> str:
        name = self.project_names.get(project_id)
        return f"{name} ({project_id})" if name else project_id

    def _rows(self, run: WorkspaceRun) -> list[Row]:
        now = self.clock()
        failure = " / ".join(str(x) for x in (run.failure_reason, run.failure_class) if x)
        exit_style = "bold red" if run.exit_code not in (None, 0) else ""
        rows: list[Row] = [
            ("Project", self._project(run.project_id)),
            ("Template", f"{run.template_slug or '—'} {run.template_version}".strip()),
            ("Created", when(run.created_at, now)),
            ("Duration", run_duration(run, now)),
            ("Started", when(run.started_at, now)),
            ("Finished", when(run.finished_at, now)),
            ("Exit code", Text("—" if run.exit_code is None else str(run.exit_code), exit_style)),
            ("Failure", Text(failure or "—", "bold red" if failure else "")),
            ("Sandbox", run.sandbox_id or "—"),
            ("Command id", run.command_id or "—"),
            ("Archive", self._archive(run)),
            ("Keep sandbox", "yes" if run.keep_sandbox else "no"),
            ("Timeout", format_duration(run.timeout_ms / 1000) if run.timeout_ms else "—"),
            ("Env keys", ", ".join(run.env_keys) or "—"),
            ("Metadata", metadata_chips(run.metadata) or "—"),
            ("Source", metadata_chips(run.source_metadata) or "—"),
        ]
        return rows

    def _archive(self, run: WorkspaceRun) -> str:
        if run.archive is None:
            return "—"
        sha = run.archive.sha256 if self.full_sha else run.archive.sha256[:SHORT_SHA] + "…"
        return f"{format_size(run.archive.size_bytes)}  sha256 {sha}"
