"""The Textual app: takes its client, shows the runs list (or the welcome screen).

Screens and modules the first screen does not need (the detail and split screens, help,
the welcome screen, launching) are imported when first opened: start-up time is the
runs list's (bench/startup.py).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.theme import Theme

from ..api.client import CrowNestClient
from ..profiles import ProfileSwitcher
from .commands import ProfileCommands, RunsCommands
from .filters import RunFilters
from .messages import LaunchRequested, OpenRun, OpenSplit, RunChanged, WatchRun
from .profile_switch import persist_theme, sub_title, switch_profile
from .run_list import ListOptions
from .screens.runs import RunsScreen
from .stylesheets import stylesheet
from .themes import register_themes, status_variables
from .watch import RunWatcher, Watchlist

if TYPE_CHECKING:
    from .new_run_form import NewRunForm


def _local_now() -> datetime:
    return datetime.now().astimezone()


class CrowNestApp(App[None]):
    """The dashboard. ``client`` is ready to use (hosted or local is decided by the
    caller); ``clock`` is injectable so screens can be rendered at a frozen time."""

    TITLE = "CrowNest"
    SUB_TITLE = "Workspace Runs"
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
    ) -> None:
        """``open_run`` opens that run's detail screen over the list at start-up
        (``crownest-tui open``); ``bell`` rings when a followed run ends;
        ``profiles`` opens other profiles (palette) and saves theme choices, and
        ``profile`` names the one ``client`` belongs to."""
        super().__init__()
        register_themes(self)
        self.profiles = profiles
        self.profile_name = profile
        self.configured_theme = theme
        self.client = client
        self.options = ListOptions(filters or RunFilters(), refresh_interval, read_only, page_size)
        self.read_only = read_only
        self.clock = clock or _local_now
        self.exit_on_signals = exit_on_signals
        self.open_run = open_run
        self.bell_on_end = bell
        self.watchlist = Watchlist()
        self.watcher = RunWatcher(
            self, self.watchlist, client=lambda: self.client, bell=lambda: self.bell_on_end
        )
        self._startup_warnings = list(client.connection.warnings)
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            self._startup_warnings.append(f"unknown theme {theme!r} (ignored)")
        if keymap:
            self.set_keymap(keymap)
        self.sub_title = sub_title(profile, read_only)

    def on_mount(self) -> None:
        if self.exit_on_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit)
        for warning in self._startup_warnings:
            self.notify(warning, title="Configuration", severity="warning", markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if not self.client.has_credential:
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(self.client.base_url))
            return
        self.push_screen(RunsScreen(self.client, self.options, clock=self.clock))
        self.watcher.start()
        if self.open_run is not None:
            self.post_message(self.open_run)

    def get_css_variables(self) -> dict[str, str]:
        """Textual's theme variables plus readable ``$status-*`` colours (themes.py)."""
        variables = super().get_css_variables()
        self.theme_variables = {**variables, **status_variables(variables)}
        return self.theme_variables

    def switch_profile(self, name: str) -> None:
        """Start again on profile ``name`` (its client, filters, theme, keys…)."""
        self.run_worker(
            switch_profile(self, name),
            group="profile",
            exclusive=True,
            exit_on_error=False,
            description=f"switch to profile {name}",
        )

    def _theme_changed(self, theme: Theme) -> None:
        persist_theme(self, theme)

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
                read_only=self.read_only,
                bell=self.bell_on_end,
                clock=self.clock,
                project_names=dict(self.runs_screen.projects) if self.runs_screen else None,
            )
        )

    def on_launch_requested(self, message: LaunchRequested) -> None:
        """The "new run" form was filled in: launch it, then open its detail screen."""
        self.launch_run(message.form)

    @work(group="launch", exit_on_error=False, description="launch a new run")
    async def launch_run(self, form: NewRunForm) -> None:
        from ..launch.flow import LaunchError
        from ..launch.pack import PackError
        from .launching import launch_from_form
        from .new_run_form import FormError, save_last_values

        def say(text: str) -> None:
            self.notify(text, title="New run", timeout=3, markup=False)

        try:
            run = await launch_from_form(self.client, form, say)
        except (FormError, PackError) as error:
            self.notify(str(error), title="Not launched", severity="error", markup=False)
            return
        except LaunchError as error:
            created = f" ({error.run_id} was created but not started)" if error.run_id else ""
            self.notify(
                f"{error.error.message}{created}",
                title=f"Launch failed at {error.step.value}",
                severity="error",
                markup=False,
            )
            return
        save_last_values(form)
        self.notify(f"{run.id} started", title="New run", markup=False)
        self.post_message(OpenRun(run.id))

    def on_run_changed(self, message: RunChanged) -> None:
        """A screen (the detail, say) learnt newer run state: the list shows it too."""
        screen = self.runs_screen
        if screen is not None:
            screen.apply_run(message.run)
        self.watcher.observe(message.run)

    def on_watch_run(self, message: WatchRun) -> None:
        """``w``: watch a run (or stop); the watcher says when it ends."""
        self.watcher.toggle(message.run_id, message.run)

    def on_open_split(self, message: OpenSplit) -> None:
        """``t``: tail the marked runs side by side."""
        from .screens.split_tail import SplitTailScreen

        self.push_screen(SplitTailScreen(self.client, message.run_ids))

    def action_help(self) -> None:
        """Show every binding of the current screen."""
        from .screens.help import HelpScreen, help_entries

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_entries(self.screen)))
