"""The loaded runs of the list screen: pages, merge on refresh, quick filter.

Plain Python (no Textual): the screen's workers fetch pages through the client and
hand them here; the screen hands :meth:`RunList.visible` down to the table. The quick
filter searches a lower-cased text per run built once per change, and typing more
letters only searches what the shorter text kept, so 10,000 runs filter in a few ms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..api.models import STATUS_ORDER, Page, WorkspaceRun
from .filters import RunFilters, quick_haystack


class RunList:
    """Runs loaded so far for one set of filters, newest first, one entry per id."""

    def __init__(self, filters: RunFilters | None = None) -> None:
        self.version = 0
        """Counts the changes: equal numbers mean the same runs, state and pages."""
        self.reset(filters or RunFilters())

    def reset(self, filters: RunFilters) -> None:
        """Forget everything: new filters start from the first page."""
        self.version += 1
        self.filters = filters
        self.runs: list[WorkspaceRun] = []
        self.next_cursor: str | None = None
        self.has_more = False
        self.loaded = False
        self._index: dict[str, int] = {}
        self._hay: list[str] | None = None
        self._hay_names: dict[str, str] | None = None
        self._last: tuple[str, list[int]] | None = None
        self._counts: list[tuple[str, int]] | None = None
        self._top: datetime | None = None  # creation time of the newest run seen

    def _changed(self) -> None:
        self.version += 1
        self._index = {run.id: i for i, run in enumerate(self.runs)}
        self._hay, self._last, self._counts = None, None, None

    def _kept(self, runs: Iterable[WorkspaceRun]) -> list[WorkspaceRun]:
        return [run for run in runs if self.filters.keeps(run)]

    def set_first_page(self, page: Page[WorkspaceRun]) -> None:
        self.runs = self._kept(page.data)
        self._top = page.data[0].created_at if page.data else None
        self.next_cursor, self.has_more, self.loaded = page.next_cursor, page.has_more, True
        self._changed()

    def add_page(self, page: Page[WorkspaceRun]) -> None:
        """Append the next page (runs already loaded are updated, not repeated)."""
        for run in self._kept(page.data):
            if run.id in self._index:
                self.runs[self._index[run.id]] = run
            else:
                self._index[run.id] = len(self.runs)
                self.runs.append(run)
        self.next_cursor, self.has_more = page.next_cursor, page.has_more
        self._changed()

    def merge_refresh(self, page: Page[WorkspaceRun]) -> None:
        """Merge a fresh first page: new runs on top, loaded ones updated in place.

        Loaded runs older than the refreshed window keep their last known state and
        the old cursor stays valid for them. When the window no longer reaches back
        to the previous top of the list (more new runs than one page), the runs in
        between are unknown, so the list restarts from the fresh page and its cursor.
        Windows are compared by creation time, which works under a status group too.
        """
        fresh = self._kept(page.data)
        if not page.has_more or not page.data:
            self.runs, self.has_more, self.next_cursor = fresh, False, None
        elif self._top is not None and page.data[-1].created_at <= self._top:
            boundary, fresh_ids = page.data[-1].created_at, {run.id for run in fresh}
            rest = [r for r in self.runs if r.id not in fresh_ids and r.created_at <= boundary]
            self.runs = fresh + rest
        else:
            self.runs, self.has_more, self.next_cursor = fresh, True, page.next_cursor
        if page.data:
            self._top = page.data[0].created_at
        self.loaded = True
        self._changed()

    def replace(self, run: WorkspaceRun) -> bool:
        """Put a newer copy of a loaded run in place; False when it is not loaded."""
        index = self._index.get(run.id)
        if index is None:
            return False
        self.runs[index] = run
        self._changed()
        return True

    def get(self, run_id: str) -> WorkspaceRun | None:
        index = self._index.get(run_id)
        return None if index is None else self.runs[index]

    def visible(self, needle: str, project_names: dict[str, str]) -> list[WorkspaceRun]:
        """The loaded runs the quick filter keeps (case-blind substring search)."""
        if not needle:
            return list(self.runs)
        needle = needle.lower()
        hay = self._haystacks(project_names)
        candidates: Iterable[int] = range(len(self.runs))
        if self._last is not None and needle.startswith(self._last[0]):
            candidates = self._last[1]  # a longer needle only narrows the last result
        kept = [i for i in candidates if needle in hay[i]]
        self._last = (needle, kept)
        return [self.runs[i] for i in kept]

    def _haystacks(self, project_names: dict[str, str]) -> list[str]:
        if self._hay is None or self._hay_names is not project_names:
            self._hay = [
                quick_haystack(run, project_names.get(run.project_id, "")) for run in self.runs
            ]
            self._hay_names, self._last = project_names, None
        return self._hay

    def counts(self) -> list[tuple[str, int]]:
        """(status, count) among the loaded runs, life-cycle order, unknowns last."""
        if self._counts is None:
            counter = Counter(str(run.status) for run in self.runs)
            known = [(s.value, counter.pop(s.value)) for s in STATUS_ORDER if s.value in counter]
            self._counts = known + sorted(counter.items())
        return self._counts


@dataclass(frozen=True)
class ListOptions:
    """How the runs list starts: its filters, refresh period, paging and read-only."""

    filters: RunFilters = field(default_factory=RunFilters)
    refresh_interval: float = 5.0
    read_only: bool = False
    page_size: int = 100
