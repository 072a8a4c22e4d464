"""The Textual app: takes its client, shows the runs list (or the welcome screen).

Its session (client, list options, read-only, bell, profile, theme) and the methods
that change it live in its base, :class:`~crownest_tui.ui.session.SessionApp`.
Screens the first one does not need (detail, split tail, help) are imported when
first opened: start-up time is the runs list's (bench/startup.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from ..api.client import CrowNestClient
from ..core.error_lines import ErrorMatcher
from ..core.filters import RunFilters
from ..core.memory import START_UP_PAUSE, FrozenHeap, resume_collection
from ..core.quiet import DEFAULT_QUIET_AFTER
from ..core.save_folder import SaveFolder
from ..core.watchlist import Watchlist
from ..profiles import ProfileSwitcher, ProfileView
from .messages import (
    LaunchStarting,
    OpenCompare,
    OpenInsights,
    OpenRun,
    OpenSplit,
    RunChanged,
    RunsSeen,
    WatchRun,
)
from .palette import ProfileCommands, RunsCommands
from .screens.runs import RunsScreen
from .session import BASE_TITLE, SessionApp
from .stylesheets import stylesheet
from .themes import status_variables
from .watch import RunWatcher

if TYPE_CHECKING:
    from textual.driver import Driver

    from .screens.insights import InsightsScreen


def _local_now() -> datetime:
    return datetime.now().astimezone()


class CrowNestApp(SessionApp):
    """The dashboard. ``client`` is ready to use (hosted or local is decided by the
    caller); ``clock`` is injectable so screens can be rendered at a frozen time."""

    TITLE = "CrowNest"
    SUB_TITLE = BASE_TITLE
    CSS_PATH = [stylesheet("app")]
    COMMANDS = App.COMMANDS | {RunsCommands, ProfileCommands}
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.interrupt"),
    ]

    def __init__(
        self,
        client: CrowNestClient,
        *,
        filters: RunFilters | None = None,
        refresh_interval: float = 5.0,
        read_only: bool = False,
        page_size: int = 100,
        clock: Callable[[], datetime] | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        exit_on_signals: bool = False,
        open_run: OpenRun | None = None,
        bell: bool = False,
        profiles: ProfileSwitcher | None = None,
        profile: str | None = None,
        save_dir: Path | None = None,
        quiet_after: float = DEFAULT_QUIET_AFTER,
        launched: Path | None = None,
        demo: bool = False,
        concurrency: int | None = None,
        insights: str | None = None,
        error_matcher: ErrorMatcher | None = None,
    ) -> None:
        """``open_run`` opens that run's detail screen over the list at start-up
        (``crownest-tui open``); ``bell`` rings when a followed run ends;
        ``profiles`` opens other profiles (palette) and saves theme choices, and
        ``profile`` names the one ``client`` belongs to. Logs and artifacts are saved
        in ``save_dir`` (default: the downloads folder), never inside ``launched`` (the
        folder ``launch DIR`` packed) or any folder launched from the app. ``demo``: the
        backend ends with us, so quitting with runs active asks first. A running run
        that prints nothing for ``quiet_after`` seconds is shown as quiet (0: never).
        ``insights`` (a window: ``1h``, ``24h``, ``7d``) opens the Insights screen at
        start-up; ``concurrency`` is the plan's sandboxes at once it compares with.
        ``error_matcher`` decides which log lines are error lines (default: the built-in
        table)."""
        view = ProfileView(
            profile,
            filters or RunFilters(),
            refresh_interval,
            read_only,
            page_size,
            theme or "",
            keymap or {},
            bell,
            concurrency,
        )
        super().__init__(client, view, profiles=profiles, clock=clock or _local_now)
        self.exit_on_signals = exit_on_signals
        self._stop_exiting_on_signals: Callable[[], None] | None = None
        self.open_run = open_run
        self.open_insights = insights
        self.save_folder = SaveFolder(save_dir, [launched] if launched else [])
        self.quiet_after = quiet_after
        """Seconds of no output before a running run is quiet (0: never)."""
        self.demo = demo
        self.error_matcher = error_matcher or ErrorMatcher()
        self.watchlist = Watchlist()
        self.frozen_heap = FrozenHeap()
        """The process's garbage-collection policy (``gc.freeze`` is process-wide)."""
        self.watcher = RunWatcher(
            self,
            self.watchlist,
            client=lambda: self.client,
            bell=lambda: self.bell_on_end,
            quiet_after=lambda: self.quiet_after,
        )

    def get_driver_class(self) -> type[Driver]:
        """Textual's pick, its Linux driver swapped for one that survives a lost tty."""
        from .terminal import terminal_driver

        return terminal_driver(super().get_driver_class())

    def on_mount(self) -> None:
        if self.exit_on_signals:
            from .terminal import exit_on_signals

            self._stop_exiting_on_signals = exit_on_signals(self)
        self.set_timer(START_UP_PAUSE, resume_collection)  # if the first load is late
        self.start_session()
        if not self.client.has_credential:
            return
        self.watcher.start()
        if self.open_run is not None:
            self.post_message(self.open_run)
        elif self.open_insights is not None:
            self.post_message(OpenInsights(self.options.filters, self.open_insights))

    def on_unmount(self) -> None:
        if self._stop_exiting_on_signals is not None:
            self._stop_exiting_on_signals()

    def get_css_variables(self) -> dict[str, str]:
        """Textual's theme variables plus readable ``$status-*`` colours (themes.py)."""
        variables = super().get_css_variables()
        self.theme_variables = {**variables, **status_variables(variables)}
        return self.theme_variables

    @property
    def runs_screen(self) -> RunsScreen | None:
        """The runs list if it is on the stack."""
        for screen in self.screen_stack:
            if isinstance(screen, RunsScreen):
                return screen
        return None

    def on_open_run(self, message: OpenRun) -> None:
        """Open a run's detail screen over the list."""
        from .screens.detail import RunDetailScreen

        self.push_screen(
            RunDetailScreen(
                self.client,
                message.run_id,
                after_seq=message.after_seq,
                at_seq=message.at_seq,
                read_only=self.read_only,
                bell=self.bell_on_end,
                clock=self.clock,
                save_directory=self.save_folder,
                error_matcher=self.error_matcher,
                project_names=dict(self.runs_screen.projects) if self.runs_screen else None,
            )
        )

    def on_open_insights(self, message: OpenInsights) -> None:
        """Open the Insights screen over the list."""
        from ..core.insights import Window
        from .screens.insights import InsightsScreen

        self.push_screen(
            InsightsScreen(
                self.client,
                filters=message.filters,
                window=Window.parse(message.window),
                clock=self.clock,
                refresh_interval=self.options.refresh_interval,
                concurrency=self.concurrency,
            )
        )

    async def on_insights_screen_open_list(self, message: InsightsScreen.OpenList) -> None:
        """An Insights row was opened: back to the runs list, filtered by it."""
        screen = self.runs_screen
        if screen is None:
            return
        while self.screen is not screen:
            await self.pop_screen()
        screen.set_filters(message.filters)

    def on_launch_starting(self, message: LaunchStarting) -> None:
        """The "new run" form packs a folder: it may be packed again, so no saves."""
        self.save_folder.avoid(message.folder)

    def on_run_changed(self, message: RunChanged) -> None:
        """A screen (a cancel, the detail) learnt newer run state: the list shows it too."""
        screen = self.runs_screen
        if screen is not None:  # on its own queue: never while it is being removed
            screen.call_later(screen.apply_run, message.run)
        self.watcher.observe(message.run)

    def on_runs_seen(self, message: RunsSeen) -> None:
        """The list loaded fresh copies: a watched run among them may have ended, and
        new runs are frozen out of garbage collections (after the rows are painted: a
        full collection takes tens of milliseconds; the first one, at start-up, once
        the list's table has painted them)."""
        self.watcher.observe_all(message.runs)
        run_ids = [run.id for run in message.runs]
        after_load = partial(self.frozen_heap.after_load, run_ids)
        screen = self.runs_screen
        if self.frozen_heap.is_empty and screen is not None and screen.is_current:
            screen.table.call_after_paint(after_load)
        else:
            self.call_after_refresh(after_load)

    def on_watch_run(self, message: WatchRun) -> None:
        """``w``: watch a run (or stop); the watcher says when it ends."""
        self.watcher.toggle(message.run_id, message.run)

    def on_open_compare(self, message: OpenCompare) -> None:
        """``=``: compare a run with its last good run, or two runs."""
        from .screens.compare import CompareScreen

        self.push_screen(CompareScreen(self.client, message.run_id, message.other_id))

    def on_open_split(self, message: OpenSplit) -> None:
        """``t``: tail the marked runs side by side."""
        from .screens.split_tail import SplitTailScreen

        self.push_screen(
            SplitTailScreen(
                self.client,
                message.run_ids,
                save_directory=self.save_folder,
                error_matcher=self.error_matcher,
            )
        )

    async def action_quit(self) -> None:
        """Quit; in ``--demo``, whose backend ends with us, ask first if runs are active."""
        if self.demo:
            from .screens.confirm_quit import quit_demo

            await quit_demo(self, self.client)
        else:
            self.exit()

    def action_help(self) -> None:
        """Show every binding of the current screen."""
        from .help_sections import help_sections
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_sections(self.screen)))
