"""Live profile switching and theme persistence for the app.

The app never resolves a URL or a credential itself: it asks its
:class:`~crownest_tui.profiles.ProfileSwitcher` for a ready client and the
profile's options, then rebuilds its screens around them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from textual.await_complete import AwaitComplete
from textual.binding import Keymap
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import AwaitMount

from ..api.client import CrowNestClient
from ..api.credentials import ConfigError
from ..core.run_list import ListOptions
from ..profiles import ProfileSwitcher, ProfileView, api_origin
from .keymap import keymap_warnings
from .screens.runs import RunsScreen
from .screens.welcome import WelcomeScreen

BASE_TITLE = "Workspace Runs"


class SwitchingApp(Protocol):
    """What switching profile reads and sets on the app (the app passes itself; a
    protocol, so this module does not import ui/app.py, which imports it)."""

    profiles: ProfileSwitcher | None
    profile_name: str | None
    configured_theme: str | None
    client: CrowNestClient
    options: ListOptions
    read_only: bool
    bell_on_end: bool
    clock: Callable[[], datetime]
    theme: str
    sub_title: str

    @property
    def available_themes(self) -> dict[str, Theme]: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    def set_keymap(self, keymap: Keymap) -> None: ...
    def pop_screen(self) -> AwaitComplete: ...
    def push_screen(self, screen: Screen[Any]) -> AwaitMount: ...
    def post_message(self, message: Message) -> bool: ...
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class ProfileSwitched(Message):
    """The app now talks to another profile's API (posted to the app)."""

    def __init__(self, name: str, client: CrowNestClient) -> None:
        super().__init__()
        self.name = name
        self.client = client


def sub_title(profile: str | None, read_only: bool) -> str:
    """``Workspace Runs · work (read-only)``."""
    text = BASE_TITLE if profile is None else f"{BASE_TITLE} · {profile}"
    return f"{text} (read-only)" if read_only else text


def apply_view(app: SwitchingApp, view: ProfileView) -> None:
    """Take the profile's options: list options, read-only, bell, keymap, theme."""
    app.options = ListOptions(view.filters, view.refresh_interval, view.read_only, view.page_size)
    app.read_only = view.read_only
    app.bell_on_end = view.bell
    app.profile_name = view.name
    app.configured_theme = view.theme
    app.set_keymap(view.keymap)
    warnings = keymap_warnings(view.keymap)
    if view.theme in app.available_themes:
        app.theme = view.theme
    else:
        warnings.append(f"unknown theme {view.theme!r} (ignored)")
    for warning in warnings:
        app.notify(warning, title="Configuration", severity="warning", markup=False)
    app.sub_title = sub_title(view.name, view.read_only)


async def switch_profile(app: SwitchingApp, name: str) -> None:
    """Open ``name``'s API, close the old client, and start again at its runs list."""
    if app.profiles is None:
        return
    try:
        client, view = app.profiles.open(name)
    except ConfigError as error:
        app.notify(str(error), title="Profile not switched", severity="error", markup=False)
        return
    old = app.client
    while len(app.screen_stack) > 1:
        await app.pop_screen()
    app.client = client
    apply_view(app, view)
    if client.has_credential:
        await app.push_screen(RunsScreen(client, app.options, clock=app.clock))
    else:
        await app.push_screen(WelcomeScreen(client.base_url))
    with contextlib.suppress(Exception):  # a failing close must not stop the switch
        await old.aclose()
    for warning in client.connection.warnings:
        app.notify(warning, title="Configuration", severity="warning", markup=False)
    app.post_message(ProfileSwitched(name, client))
    app.notify(f"Profile {name} · {api_origin(client.base_url)}", title="Profile", markup=False)


def persist_theme(app: SwitchingApp, theme: Theme) -> None:
    """A theme picked in the palette becomes the active profile's (or ``[ui]``'s)."""
    if app.profiles is None or theme.name == app.configured_theme:
        return
    try:
        app.profiles.save_theme(app.profile_name, theme.name)
    except ConfigError as error:
        app.notify(str(error), title="Theme not saved", severity="warning", markup=False)
    else:
        where = f"profile {app.profile_name}" if app.profile_name else "[ui]"
        app.notify(f"Theme {theme.name} saved to {where}", title="Theme", timeout=3, markup=False)
    app.configured_theme = theme.name  # tried once; not again on every repaint
