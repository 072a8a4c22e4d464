"""One line on every screen saying where you are: profile, API, read-only.

``profile work · https://api.crownest.dev · read-only`` (or ``· demo``/``· local``
for a backend the app started). Every screen composes one; it reads the app's session
(``profile_name``, ``client``, ``read_only``) and repaints when the app's sub-title
changes, which a live profile switch always does (``SessionApp.switch_profile``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App
from textual.content import Content
from textual.widget import Widget

from ...api.client import CrowNestClient
from ...profiles import api_label


@dataclass(frozen=True)
class Whereabouts:
    """What the line says: the profile (``None``: none chosen), the API, read-only."""

    profile: str | None
    api: str
    read_only: bool

    @classmethod
    def of(cls, app: App[object]) -> Whereabouts:
        """The app's current session (any app: a widget test may host the bar alone)."""
        client = getattr(app, "client", None)
        api = api_label(client.connection) if isinstance(client, CrowNestClient) else "no API"
        profile = getattr(app, "profile_name", None)
        read_only = bool(getattr(app, "read_only", False))
        return cls(profile if isinstance(profile, str) else None, api, read_only)

    def content(self) -> Content:
        """The line, styled; nothing in it is parsed as markup."""
        profile = [("profile ", "dim"), (self.profile, "bold")] if self.profile else []
        parts: list[str | tuple[str, str]] = [
            *(profile or [("no profile", "dim italic")]),
            (" · ", "dim"),
            (self.api, ""),
        ]
        if self.read_only:
            parts += [(" · ", "dim"), ("read-only", "bold $text-warning")]
        return Content.assemble(*parts)

    def __str__(self) -> str:
        return self.content().plain


class ContextBar(Widget):
    """The where-am-I line (docked at the top of the screen that composes it)."""

    DEFAULT_CSS = """
    ContextBar {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "sub_title", self._session_changed, init=False)

    def _session_changed(self) -> None:
        self.refresh()

    @property
    def whereabouts(self) -> Whereabouts:
        return Whereabouts.of(self.app)

    def render(self) -> Content:
        return self.whereabouts.content()
