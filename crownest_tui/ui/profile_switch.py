"""Live profile switching and theme persistence for the app.

The app never resolves a URL or a credential itself: it asks its
:class:`~crownest_tui.profiles.ProfileSwitcher` for a ready client and the
profile's options, then rebuilds its screens around them.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.message import Message
from textual.theme import Theme

from ..api.client import CrowNestClient
from ..api.credentials import ConfigError
from ..profiles import ProfileView, api_origin
from .run_list import ListOptions
from .screens.runs import RunsScreen

if TYPE_CHECKING:
    from .app import CrowNestApp

BASE_TITLE = "Workspace Runs"


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


def apply_view(app: CrowNestApp, view: ProfileView) -> None:
    """Take the profile's options: list options, read-only, bell, keymap, theme."""
    app.options = ListOptions(view.filters, view.refresh_interval, view.read_only, view.page_size)
    app.read_only = view.read_only
    app.bell_on_end = view.bell
    app.profile_name = view.name
    app.configured_theme = view.theme
    app.set_keymap(view.keymap)
    if view.theme in app.available_themes:
        app.theme = view.theme
    else:
        app.notify(
            f"unknown theme {view.theme!r} (ignored)",
            title="Configuration",
            severity="warning",
            markup=False,
        )
    app.sub_title = sub_title(view.name, view.read_only)


async def switch_profile(app: CrowNestApp, name: str) -> None:
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
        from .screens.welcome import WelcomeScreen  # Markdown: not imported at start-up

        await app.push_screen(WelcomeScreen(client.base_url))
    with contextlib.suppress(Exception):  # a failing close must not stop the switch
        await old.aclose()
    for warning in client.connection.warnings:
        app.notify(warning, title="Configuration", severity="warning", markup=False)
    app.post_message(ProfileSwitched(name, client))
    app.notify(f"Profile {name} · {api_origin(client.base_url)}", title="Profile", markup=False)


def persist_theme(app: CrowNestApp, theme: Theme) -> None:
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
