"""The runs list's data side: pages, refresh schedule, backoff, and the one failure handler.

:class:`RunsLoader` is the base of the runs screen. It keeps a :class:`RunList` loaded
through the client in exclusive workers, refreshes it on a schedule (backing off while
the API fails) and turns every failed job into a banner or a notification. The screen
that inherits it decides how to show things (:meth:`RunsLoader.show_runs`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import work
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import NoActiveWorker, Worker, WorkerState, get_current_worker

from ...api.client import CrowNestClient
from ...api.models import Page, WorkspaceRun
from ...core.failures import FailureInfo, cancel_failure_text, failure_info
from ...core.filters import RunFilters
from ...core.refresh import RefreshSchedule
from ...core.run_list import ListOptions, RunList
from ...text.format import safe_line
from ..messages import RunChanged, RunsSeen

Clock = Callable[[], datetime]
MAX_PAGE = 500


class RunsLoader(Screen[None]):
    """Loads, pages and refreshes runs for the current filters (no widgets here)."""

    filters: reactive[RunFilters] = reactive(RunFilters, init=False)
    """The server-side filters in force; changing them reloads from the first page."""

    failure: reactive[FailureInfo | None] = reactive(None, init=False)
    """The last load failure, ``None`` once a load succeeds again."""

    projects: reactive[dict[str, str]] = reactive(dict, init=False)
    """Known projects (id -> name)."""

    def __init__(self, client: CrowNestClient, options: ListOptions, *, clock: Clock) -> None:
        super().__init__()
        self.client = client
        self.options = options
        self.clock = clock
        self.schedule = RefreshSchedule(options.refresh_interval)
        self.run_list = RunList(options.filters)
        self.set_reactive(RunsLoader.filters, options.filters)
        self.last_success: datetime | None = None
        self._generation = 0
        self._refresh_timer: Timer | None = None
        self._page_wanted = False  # the user asked for the next page; it has not come
        self._asleep = False  # another screen covers the list
        self._refresh_missed = False  # an auto-refresh fell due while asleep
        # The first page last merged, and the list's version right after: the same
        # page again (the client returns the very object for the same bytes) changes
        # nothing while the list has not changed since.
        self._merged: tuple[Page[WorkspaceRun], int] | None = None

    def show_runs(self) -> None:
        """Hand the current state down to the widgets (the subclass's job)."""
        raise NotImplementedError

    def show_status(self) -> None:
        """Refresh the status line only (the subclass's job)."""
        raise NotImplementedError

    def _loading_elsewhere(self) -> bool:
        """A page load is under way, other than the worker asking."""
        try:
            current: Worker[object] | None = get_current_worker()
        except NoActiveWorker:
            current = None
        return any(
            w.group == "load" and not w.is_finished and w is not current for w in self.workers
        )

    def busy(self, group: str) -> bool:
        """Whether a job of ``group`` (load, refresh, cancel, projects) is under way."""
        return any(w.group == group and not w.is_finished for w in self.workers)

    # -- jobs ------------------------------------------------------------------------

    def reload(self) -> None:
        """Start again from the first page (new filters)."""
        self._generation += 1
        self._page_wanted = False
        self.workers.cancel_group(self, "refresh")
        self.run_list.reset(self.filters)
        self.load_first(self._generation)
        self.show_runs()

    def refresh_now(self) -> None:
        """Refresh (or, before the first success, load) at once."""
        if self.run_list.loaded:
            self.refresh_runs(self._generation)
        else:
            self.load_first(self._generation)

    def load_next_page(self) -> None:
        """Ask for the next page unless one is on its way or there is none."""
        if not self.run_list.has_more:
            return
        self._page_wanted = True
        if not self.busy("load"):
            self.load_more(self._generation)
            self.show_status()

    @work(exclusive=True, group="load", exit_on_error=False, description="first page of runs")
    async def load_first(self, generation: int) -> None:
        page = await self._fetch(self.options.page_size, None)
        if generation == self._generation:
            self.run_list.set_first_page(page)
            self._merged = (page, self.run_list.version)
            self._loaded()

    @work(exclusive=True, group="load", exit_on_error=False, description="next page of runs")
    async def load_more(self, generation: int) -> None:
        page = await self._fetch(self.options.page_size, self.run_list.next_cursor)
        if generation == self._generation:
            self.run_list.add_page(page)
            self._page_wanted = False
            self._loaded()

    @work(exclusive=True, group="refresh", exit_on_error=False, description="refresh runs")
    async def refresh_runs(self, generation: int) -> None:
        asked = max(self.options.page_size, min(MAX_PAGE, len(self.run_list.runs)))
        page = await self._fetch(asked, None)
        if generation != self._generation:
            return
        if self._same_as_merged(page) and self.failure is None:
            self._loaded(changed=False)  # nothing to merge, diff or repaint
            return
        self.run_list.merge_refresh(page)
        self._merged = (page, self.run_list.version)
        self._loaded()

    def _same_as_merged(self, page: Page[WorkspaceRun]) -> bool:
        """``page`` is the first page merged last, and the list is as it left it."""
        return self._merged is not None and self._merged == (page, self.run_list.version)

    @work(group="projects", exit_on_error=False, description="list projects")
    async def load_projects(self) -> None:
        projects = self.client.iter_projects(page_size=MAX_PAGE)
        self.projects = {p.id: safe_line(p.name) async for p in projects}
        self.show_runs()

    def cancel(self, run: WorkspaceRun) -> Worker[None]:
        """Cancel ``run`` in a worker named after it; failures reach the one handler."""
        return self.run_worker(self._cancel(run), name=run.id, group="cancel", exit_on_error=False)

    async def _cancel(self, run: WorkspaceRun) -> None:
        updated = await self.client.cancel_run(run.id)
        self.post_message(RunChanged(updated))
        self.notify(
            f"{run.id} is now {safe_line(updated.status)}.", title="Cancel sent", markup=False
        )

    async def _fetch(self, limit: int, cursor: str | None) -> Page[WorkspaceRun]:
        page = await self.client.list_runs(
            project_id=self.filters.project_id,
            status=self.filters.server_status,
            metadata=self.filters.metadata_dict,
            limit=limit,
            cursor=cursor,
        )
        if not self._same_as_merged(page):  # else the app has seen these very runs
            self.post_message(RunsSeen(page.data))
        return page

    def _loaded(self, *, changed: bool = True) -> None:
        """A load succeeded; ``changed`` is False when it brought nothing new (only
        the status line's "updated" then has something to say)."""
        self.last_success = self.clock()
        self.schedule.succeeded()
        self.failure = None
        if changed:
            self.show_runs()
        else:
            self.show_status()
        self._arm_refresh()
        # More now when a status group thinned the pages out, or when a page the user
        # asked for failed (the cursor waits at the end; it will not ask again).
        thin = len(self.run_list.runs) < self.options.page_size // 2
        wanted = thin or self._page_wanted
        if self.run_list.has_more and wanted and not self._loading_elsewhere():
            self.load_more(self._generation)

    # -- schedule --------------------------------------------------------------------

    def _arm_refresh(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        delay = self.schedule.next_delay()
        if delay is not None:
            self._refresh_timer = self.set_timer(delay, self._refresh_due)

    def _refresh_due(self) -> None:
        self._refresh_timer = None
        if self._asleep:
            self._refresh_missed = True
            return
        self.refresh_now()

    @property
    def asleep(self) -> bool:
        """Another screen covers the list (see :meth:`set_asleep`)."""
        return self._asleep

    def set_asleep(self, asleep: bool) -> None:
        """While the list is covered by another screen, auto-refresh waits: nothing
        polls the API for a list nobody sees. An auto-refresh that fell due meanwhile
        is done on waking. (Refreshes asked for, and page loads, still happen.)"""
        self._asleep = asleep
        if not asleep and self._refresh_missed:
            self._refresh_missed = False
            self.refresh_now()

    def toggle_auto_refresh(self) -> bool:
        """Pause or resume auto-refresh; returns whether it is now on."""
        on_now = self.schedule.toggle()
        self._arm_refresh()
        self.show_runs()
        return on_now

    # -- the one failure handler ---------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where failed jobs become a banner or a notification."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.error is None:
            if worker.group == "load" and worker.is_finished:
                self.show_status()
            return
        error = worker.error
        if worker.group == "cancel":
            title, message = cancel_failure_text(error, str(worker.name))
            self.notify(message, title=title, severity="error", timeout=8, markup=False)
        elif worker.group == "projects":
            message = failure_info(error, self.clock()).message
            self.notify(message, title="Projects not loaded", markup=False)
        else:
            self.schedule.failed()
            self.failure = failure_info(error, self.clock())
            self._arm_refresh()
            self.show_runs()
