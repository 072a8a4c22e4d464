"""The app's watcher: say when each watched run ends, whatever screen is open.

:class:`RunWatcher` polls ``GET /workspace-runs/{id}`` for the runs of the
:class:`~crownest_tui.core.watchlist.Watchlist` every few seconds and takes any fresher
copy the screens see (the list refresh, the detail screen's stream), then announces each
end once: a toast, the bell when enabled, and ``notify-send`` when present. Every change
of the list is published on :attr:`RunWatcher.changed` (a Textual ``Signal``) for the
widgets that show it; they never change it themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.notifications import SeverityLevel
from textual.signal import Signal

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import RunStatus, WorkspaceRun
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
        finally:
            self._polling = False

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
