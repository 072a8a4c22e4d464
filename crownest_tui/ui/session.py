"""The app's session: the client, the list options, read-only, the bell, the profile
and its theme, as typed state of the App with one place that changes them.

:class:`SessionApp` is the dashboard app's base. Switching profile and saving a theme
are its methods; nothing outside sets its attributes. It never resolves a URL or a
credential itself: its :class:`~crownest_tui.profiles.ProfileSwitcher` hands it a
ready client and the profile's options.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from textual.app import App
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme

from ..api.client import CrowNestClient
from ..api.credentials import ConfigError
from ..core.run_list import ListOptions
from ..profiles import ProfileSwitcher, ProfileView, api_origin
from .keymap import keymap_warnings
from .screens.runs import RunsScreen
from .themes import register_themes

BASE_TITLE = "Workspace Runs"


def sub_title(profile: str | None, read_only: bool) -> str:
    """``Workspace Runs · work (read-only)``."""
    text = BASE_TITLE if profile is None else f"{BASE_TITLE} · {profile}"
    return f"{text} (read-only)" if read_only else text


class SessionApp(App[None]):
    """An app that talks to one profile's API at a time and can switch to another."""

    options: reactive[ListOptions] = reactive(ListOptions, init=False)
    """How the runs list starts: filters, refresh period, page size, read-only."""
    read_only: reactive[bool] = reactive(False, init=False)
    """Canceling and launching are off (the profile's ``read_only``, ``--read-only``)."""
    bell_on_end: reactive[bool] = reactive(False, init=False)
    """Ring the terminal bell when a followed run ends."""
    profile_name: reactive[str | None] = reactive(None, init=False)
    """The profile the client belongs to (``None`` without profiles)."""

    def __init__(
        self,
        client: CrowNestClient,
        view: ProfileView,
        *,
        profiles: ProfileSwitcher | None,
        clock: Callable[[], datetime],
    ) -> None:
        """Start on ``client`` with ``view``'s options; ``profiles`` opens the others
        (the palette) and saves theme choices."""
        super().__init__()
        register_themes(self)
        self.profiles = profiles
        self.clock = clock
        self._startup_warnings = self._take_session(client, view)

    @property
    def client(self) -> CrowNestClient:
        """The API client of the session (replaced only by a profile switch)."""
        return self._client

    def start_session(self) -> None:
        """Show the configuration warnings and the first screen (call on mount)."""
        for warning in self._startup_warnings:
            self.notify(warning, title="Configuration", severity="warning", markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(self._first_screen())

    def _take_session(self, client: CrowNestClient, view: ProfileView) -> list[str]:
        """The one place the session changes: a client and its profile's options.
        Returns the configuration warnings to show."""
        self._client = client
        self.options = ListOptions(
            view.filters, view.refresh_interval, view.read_only, view.page_size
        )
        self.read_only = view.read_only
        self.bell_on_end = view.bell
        self.concurrency = view.concurrency  # sandboxes at once, for Insights
        self.profile_name = view.name
        self._profile_theme = view.theme  # applied, never written back
        self.set_keymap(view.keymap)
        warnings = [*client.connection.warnings, *keymap_warnings(view.keymap)]
        if view.theme in self.available_themes:
            self.theme = view.theme
        elif view.theme:
            warnings.append(f"unknown theme {view.theme!r} (ignored)")
        return warnings

    def watch_read_only(self) -> None:
        self.sub_title = sub_title(self.profile_name, self.read_only)

    def watch_profile_name(self) -> None:
        self.sub_title = sub_title(self.profile_name, self.read_only)

    def _first_screen(self) -> Screen[None]:
        """The runs list, or how to get a credential when there is none."""
        if not self.client.has_credential:
            from .screens.welcome import WelcomeScreen  # Markdown: not at start-up

            return WelcomeScreen(self.client.base_url)
        return RunsScreen(self.client, self.options, clock=self.clock)

    # -- changing profile and theme ----------------------------------------------------

    def switch_profile(self, name: str) -> None:
        """Start again on profile ``name`` (its client, filters, theme, keys…)."""
        self.run_worker(
            self._switch_profile(name),
            group="profile",
            exclusive=True,
            exit_on_error=False,
            description=f"switch to profile {name}",
        )

    async def _switch_profile(self, name: str) -> None:
        """Open ``name``'s API, close the old client, start again at its runs list."""
        if self.profiles is None:
            return
        try:
            client, view = self.profiles.open(name)
        except ConfigError as error:
            self.notify(str(error), title="Profile not switched", severity="error", markup=False)
            return
        old = self.client
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        warnings = self._take_session(client, view)
        await self.push_screen(self._first_screen())
        with contextlib.suppress(Exception):  # a failing close must not stop the switch
            await old.aclose()
        for warning in warnings:
            self.notify(warning, title="Configuration", severity="warning", markup=False)
        self.notify(
            f"Profile {name} · {api_origin(client.base_url)}", title="Profile", markup=False
        )

    def save_theme(self, theme: str) -> None:
        """Make ``theme`` the active profile's (or ``[ui]``'s) in the settings file."""
        if self.profiles is None or theme == self._profile_theme:
            return
        self._profile_theme = theme  # tried once; not again on every repaint
        try:
            self.profiles.save_theme(self.profile_name, theme)
        except ConfigError as error:
            self.notify(str(error), title="Theme not saved", severity="warning", markup=False)
            return
        where = f"profile {self.profile_name}" if self.profile_name else "[ui]"
        self.notify(f"Theme {theme} saved to {where}", title="Theme", timeout=3, markup=False)

    def _theme_changed(self, theme: Theme) -> None:
        self.save_theme(theme.name)  # a theme picked in the palette
