"""The app's watcher: say when each watched run ends, whatever screen is open.

:class:`RunWatcher` polls ``GET /workspace-runs/{id}`` for the runs of the
:class:`~crownest_tui.core.watchlist.Watchlist` every few seconds and takes any fresher
copy the screens see (the list refresh, the detail screen's stream), then announces each
end once: a toast, the bell when enabled, and ``notify-send`` when present. Every change
of the list is published on :attr:`RunWatcher.changed` (a Textual ``Signal``) for the
widgets that show it; they never change it themselves.

A watched run that is running but has printed nothing for ``quiet_after`` seconds is
announced once (again after it prints and falls quiet anew). The poll finds that out
itself, every :data:`QUIET_CHECK_SECONDS` at most, by reading the run's new events
from where it last stopped (at most :data:`QUIET_PAGES` pages a check, so a long log
is caught up over a few polls before anything is said).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.notifications import SeverityLevel
from textual.signal import Signal

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import RunStatus, WorkspaceRun
from ..core.quiet import DEFAULT_QUIET_AFTER, QuietWatch, quiet_text
from ..core.watchlist import (
    MAX_WATCHED,
    Ending,
    Watchlist,
    end_text,
    load_ids,
    run_ended,
    save_ids,
    watch_file,
)
from ..text.format import format_count
from .notify import DesktopNotifier

#: Seconds between two polls of the watched runs.
POLL_SECONDS = 3.0
#: Seconds between two quiet checks of one watched run (less for short thresholds).
QUIET_CHECK_SECONDS = 15.0
#: Replay pages one quiet check reads at most.
QUIET_PAGES = 4


@dataclass
class _QuietCheck:
    """How far the watcher has read a watched run's events, and what it said."""

    quiet: QuietWatch
    after_seq: int = 0
    checked_at: float = field(default=-float("inf"))
    announced: bool = False


class RunWatcher:
    """Polls the watched runs and announces their ends through ``app``.

    The client and the bell setting are read from the app each time (a profile switch
    changes them); the watch list is kept per API origin, so switching to another
    origin swaps the list. ``interval`` and ``notifier`` may be changed before the app
    starts (tests use a short interval and a recording ``notify-send``)."""

    def __init__(
        self,
        app: App[Any],
        watchlist: Watchlist,
        *,
        client: Callable[[], CrowNestClient],
        bell: Callable[[], bool],
        interval: float = POLL_SECONDS,
        notifier: DesktopNotifier | None = None,
        store_for: Callable[[str], Path] | None = watch_file,
        quiet_after: Callable[[], float] = lambda: DEFAULT_QUIET_AFTER,
    ) -> None:
        """``store_for(origin)`` names the file the ids persist in (``None``: not kept)."""
        self.app = app
        self.watchlist = watchlist
        self._client = client
        self._bell = bell
        self.interval = interval
        self.notifier = notifier or DesktopNotifier()
        self.store_for = store_for
        self.store: Path | None = None
        self._origin: str | None = None
        self._polling = False
        self._announced: set[str] = set()  # watched runs whose end was announced
        self._quiet_after = quiet_after
        self._quiet: dict[str, _QuietCheck] = {}
        self.changed: Signal[frozenset[str]] = Signal(app, "watchlist-changed")
        """Published with the watched ids after every change of the list."""
        watchlist.on_end(self._announce)
        watchlist.subscribe(self._changed)

    @property
    def client(self) -> CrowNestClient:
        return self._client()

    def start(self) -> None:
        """Load the saved list, then poll every ``interval`` seconds (call on mount)."""
        self._follow_origin()
        self.app.set_interval(self.interval, self.poll, name="watch-poll")
        if len(self.watchlist):
            self.poll()

    def _follow_origin(self) -> None:
        """Swap in the saved list of the app's current API origin when it changed."""
        origin = self.client.base_url
        if origin == self._origin:
            return
        self._origin, self.store = origin, None
        self.watchlist.clear()  # not saved: the store is off while swapping
        if self.store_for is not None:
            store = self.store_for(origin)
            for run_id in load_ids(store):
                self.watchlist.add(run_id, active=True)
            self.store = store

    # -- user actions ------------------------------------------------------------

    def toggle(self, run_id: str, run: WorkspaceRun | None = None) -> bool:
        """Watch or unwatch a run; True when it is watched afterwards."""
        self._follow_origin()
        if run_id in self.watchlist:
            self.watchlist.remove(run_id)
            self._say(f"No longer watching {run_id}.", "Unwatched", timeout=3)
            return False
        if run is not None and run_ended(run):
            self._say(end_text(run, already=True), "Already ended")
            return False
        if len(self.watchlist) >= MAX_WATCHED:
            self._say(f"At most {MAX_WATCHED} runs can be watched.", "Not watched")
            return False
        self.watchlist.add(run_id, run)
        self._say(f"Watching {run_id}: you will be told when it ends.", "Watching")
        if run is None:
            self.poll()  # find out at once whether it has already ended
        return True

    def unwatch_all(self) -> None:
        count = self.watchlist.clear()
        self._say(f"Stopped watching {format_count(count, 'run')}.", "Unwatched")

    def announces(self, run_id: str) -> bool:
        """Whether the end of ``run_id`` is the watcher's to announce: watched now, or
        watched until the watcher announced its end (whoever saw the end first)."""
        return run_id in self.watchlist or run_id in self._announced

    def observe(self, run: WorkspaceRun) -> None:
        """A screen learnt newer state of a run (RunChanged)."""
        self.watchlist.observe(run)

    def observe_all(self, runs: Iterable[WorkspaceRun]) -> None:
        """Fresh copies of many runs (a page of the list): take the watched ones."""
        if len(self.watchlist):
            for run in runs:
                self.watchlist.observe(run)

    # -- polling -------------------------------------------------------------------

    def poll(self) -> None:
        """Ask the API about every watched run (skipped while a poll is under way)."""
        self._follow_origin()
        if self._polling or not len(self.watchlist):
            return
        self._polling = True
        self.app.run_worker(
            self._poll(self.watchlist.ordered()),
            group="watch-poll",
            description="poll the watched runs",
            exit_on_error=False,
        )

    async def _poll(self, run_ids: list[str]) -> None:
        for gone in set(self._quiet) - set(run_ids):
            del self._quiet[gone]
        try:
            for run_id in run_ids:
                if run_id not in self.watchlist:
                    continue
                try:
                    run = await self.client.get_run(run_id)
                except CrowNestError as error:
                    if error.status == 404:
                        self.watchlist.remove(run_id)
                        self._say(f"{run_id} was not found; no longer watching it.", "Unwatched")
                    continue  # anything else may pass: the next poll tries again
                self.watchlist.observe(run)
                if run.status == RunStatus.RUNNING and run_id in self.watchlist:
                    await self._check_quiet(run)
                else:
                    self._quiet.pop(run_id, None)
        finally:
            self._polling = False

    async def _check_quiet(self, run: WorkspaceRun) -> None:
        """Read the run's new events; say once that it is quiet when it is."""
        threshold = self._quiet_after()
        if threshold <= 0:
            return
        check = self._quiet.setdefault(run.id, _QuietCheck(QuietWatch(threshold)))
        check.quiet.threshold = threshold
        now = time.monotonic()
        if now - check.checked_at < min(QUIET_CHECK_SECONDS, threshold / 4):
            return
        check.checked_at = now
        try:
            for _ in range(QUIET_PAGES):
                page = await self.client.replay_events(run.id, after_seq=check.after_seq)
                if page.events:
                    check.after_seq = page.events[-1].seq
                if check.quiet.saw(page.events, datetime.now(UTC)):
                    check.announced = False  # it spoke: the next silence is news again
                if not page.has_more:
                    break
            else:
                return  # not caught up yet: the newest output may be ahead
        except CrowNestError:
            return  # the next poll tries again
        quiet = check.quiet.quiet_for(run, datetime.now(UTC))
        if quiet is not None and not check.announced:
            check.announced = True
            text = f"{run.id} is running but has printed nothing: {quiet_text(quiet).lower()}."
            self._say(text, "Watched run is quiet", severity="warning", timeout=10)

    # -- announcing ----------------------------------------------------------------

    def _announce(self, ending: Ending) -> None:
        run = ending.run
        self._announced.add(run.id)
        text = end_text(run, already=ending.already)
        good = run.status == RunStatus.SUCCEEDED
        title = "Already ended" if ending.already else "Watched run ended"
        self._say(text, title, severity="information" if good else "warning", timeout=10)
        if ending.already:
            return  # nothing happened while watching: no bell, no desktop noise
        if self._bell():
            self.app.bell()
        if self.notifier.resolve() is not None:
            self.app.run_worker(
                self.notifier.send(text),
                group="watch-notify",
                description="desktop notification",
                exit_on_error=False,
            )

    def _say(
        self, text: str, title: str, *, severity: SeverityLevel = "information", timeout: float = 5
    ) -> None:
        self.app.notify(text, title=title, severity=severity, timeout=timeout, markup=False)

    def _changed(self, ids: frozenset[str]) -> None:
        if self.store is not None:
            save_ids(self.store, self.watchlist.ordered())
        self.changed.publish(ids)


@runtime_checkable
class WatchHost(Protocol):
    """An app with a watcher (the dashboard): what screens and widgets may read."""

    @property
    def watcher(self) -> RunWatcher: ...


def watcher_announces(app: App[Any], run_id: str) -> bool:
    """Whether the app's watcher announces the end of ``run_id`` (False for an app
    without a watcher): a screen that saw the run end then stays quiet."""
    return isinstance(app, WatchHost) and app.watcher.announces(run_id)
