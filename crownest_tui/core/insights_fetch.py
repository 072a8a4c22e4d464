"""The runs behind the Insights figures: fetched page by page, kept between refreshes.

The list API pages newest first and has no "changed since", so :class:`WindowCache`
keeps every run it fetched (as :class:`RunFacts`) and, on a refresh, asks only for
what can have changed:

* new runs: pages from the top until one holds a run it already knows (everything
  below that was fetched before, and ended runs never change);
* runs in progress: the list of each active status (a few pages at most: as many as
  run at once), which also finds runs older than the window that still hold a
  sandbox; a run it knew as active that is in none of them has ended since, and only
  those are fetched again, one by one;
* a longer window: the pages below the oldest one fetched, from its cursor.

The first fill pages down to the window's start. ``progress(fetched, share)`` is
called after each page (``share`` of the window covered so far, 0..1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from ..api.client import MAX_PAGE_LIMIT, CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import RunStatus, WorkspaceRun, is_terminal
from ..api.summaries import RunSummary
from .filters import STATUS_GROUPS, RunFilters
from .insights import RunFacts

Progress = Callable[[int, float], None]
ACTIVE_STATUSES: tuple[str, ...] = tuple(s.value for s in RunStatus if not is_terminal(s.value))
#: Runs fetched one by one at once (those that ended since the last refresh).
GET_CONCURRENCY = 8
#: The first page a refresh asks for new runs (later ones are full pages).
NEW_RUNS_FIRST_PAGE = 50


def _ignore(_fetched: int, _share: float) -> None:
    return None


class WindowCache:
    """Every run fetched for one set of filters, by id, newest page first."""

    def __init__(self, filters: RunFilters, page_size: int = MAX_PAGE_LIMIT) -> None:
        self.filters = filters
        self.page_size = page_size
        self.facts: dict[str, RunFacts] = {}
        self.reached: float | None = None
        """Every run created at or after this time is known (``None``: nothing yet)."""
        self.cursor: str | None = None
        self.exhausted = False
        """The pages below :attr:`reached` ran out: no older run exists."""
        self.fetched = 0
        """Runs received from the API in total (pages and single runs)."""

    # -- what the API is asked -------------------------------------------------------

    async def _page(
        self,
        client: CrowNestClient,
        cursor: str | None,
        status: str | None = None,
        limit: int | None = None,
    ) -> tuple[list[RunSummary], str | None]:
        page = await client.list_run_summaries(
            project_id=self.filters.project_id,
            status=status or self.filters.server_status,
            metadata=self.filters.metadata_dict,
            limit=limit or self.page_size,
            cursor=cursor,
        )
        self.fetched += len(page.data)
        return page.data, page.next_cursor if page.has_more else None

    def _keep(self, runs: Iterable[WorkspaceRun | RunSummary]) -> None:
        for run in runs:
            if self.filters.keeps(run):
                self.facts[run.id] = RunFacts.of(run)
            else:
                self.facts.pop(run.id, None)

    def _active_statuses(self) -> tuple[str, ...]:
        """The active statuses these filters can show."""
        if self.filters.failure is not None:
            return ()
        group = STATUS_GROUPS.get(self.filters.status or "")
        if group is not None:
            return tuple(s for s in ACTIVE_STATUSES if s in group)
        if self.filters.status is not None:
            return (self.filters.status,) if not is_terminal(self.filters.status) else ()
        return ACTIVE_STATUSES

    # -- filling -----------------------------------------------------------------------

    async def fill(
        self, client: CrowNestClient, since: float, progress: Progress = _ignore
    ) -> None:
        """Know every run created since ``since`` and the current state of every
        active one; fetch only what is new or may have changed."""
        if self.reached is not None:
            await self._new_runs(client)
        await self._older(client, since, progress)
        await self._active(client)

    async def _new_runs(self, client: CrowNestClient) -> None:
        """Pages from the top until one holds a run known before this refresh."""
        known = set(self.facts)
        cursor: str | None = None
        limit = NEW_RUNS_FIRST_PAGE  # most refreshes find a few new runs, or none
        fresh: list[RunSummary] = []
        while True:
            runs, cursor = await self._page(client, cursor, limit=limit)
            limit = self.page_size
            fresh += runs
            if cursor is None or any(run.id in known for run in runs):
                break
        # Kept only once the pass is whole: a pass cut short (a new window, say) must
        # not leave a gap under runs it would then take for known.
        self._keep(fresh)

    async def _older(self, client: CrowNestClient, since: float, progress: Progress) -> None:
        """Pages below the oldest one fetched, until the window's start is passed.

        The next page is asked for before this one is taken in, so the server works on
        it while the client converts (a page's round trip and its conversion overlap).
        """
        if self.reached is not None and (self.reached <= since or self.exhausted):
            return
        top: float | None = None
        ahead: asyncio.Task[tuple[list[RunSummary], str | None]] | None = None
        try:
            ahead = asyncio.ensure_future(self._page(client, self.cursor))
            while True:
                runs, cursor = await ahead
                ahead = None
                oldest = runs[-1].created_at.timestamp() if runs else None
                if cursor is not None and (oldest is None or oldest >= since):
                    ahead = asyncio.ensure_future(self._page(client, cursor))
                    await asyncio.sleep(0)  # let it send its request
                self._keep(runs)
                if runs and oldest is not None:
                    top = runs[0].created_at.timestamp() if top is None else top
                    self.reached = oldest if self.reached is None else min(self.reached, oldest)
                self.cursor, self.exhausted = cursor, cursor is None
                progress(len(self.facts), self._share(top, since))
                if ahead is None:
                    if self.exhausted and self.reached is None:
                        self.reached = since  # nothing at all: the window is known (empty)
                    return
        finally:
            if ahead is not None:
                ahead.cancel()

    def _share(self, top: float | None, since: float) -> float:
        """How much of the window (newest run fetched down to ``since``) is known."""
        if top is None or top <= since or self.exhausted or self.reached is None:
            return 1.0
        return max(0.0, min(1.0, (top - self.reached) / (top - since)))

    async def _active(self, client: CrowNestClient) -> None:
        """Runs in progress now; those that were and are no more are fetched again."""
        was_active = {i for i, f in self.facts.items() if f.result == "active"}
        now_active: set[str] = set()
        for status in self._active_statuses():
            cursor: str | None = None
            while True:
                runs, cursor = await self._page(client, cursor, status)
                self._keep(runs)
                now_active.update(run.id for run in runs)
                if cursor is None:
                    break
        ended = sorted(was_active - now_active)
        slots = asyncio.Semaphore(GET_CONCURRENCY)

        async def again(run_id: str) -> None:
            async with slots:
                try:
                    run = await client.get_run(run_id)
                except CrowNestError as error:
                    if error.status == 404:
                        self.facts.pop(run_id, None)
                        return
                    raise
            self.fetched += 1
            self._keep([run])

        await asyncio.gather(*(again(run_id) for run_id in ended))

    def with_filters(self, filters: RunFilters) -> WindowCache:
        """This cache if the filters are the same, else a fresh one for them."""
        if filters == self.filters:
            return self
        return WindowCache(filters, self.page_size)
