"""Command palette providers: jump to a run, set filters, auto-refresh, theme; profiles.

Commands name projects and runs from the API, so every prompt and help text is a
literal :class:`~textual.content.Content`: the palette would parse a plain string as
markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from ..api.ids import check_id
from ..core.filters import STATUS_CHOICES, RunFilters
from ..profiles import ProfileSwitcher
from .messages import OpenRun
from .watch import WatchHost

if TYPE_CHECKING:
    from .screens.runs import RunsScreen

Command = tuple[str, Callable[[], object], str]
MAX_RUN_HITS = 20


def highlighted(matcher: Matcher, text: str) -> Content:
    """``text`` as literal content with the letters ``matcher`` matched highlighted
    (``Matcher.highlight`` would read it as markup)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def literal_help(text: str) -> str | None:
    """Help text the palette shows as written (it parses help as markup)."""
    return escape(text) if text else None


@runtime_checkable
class ProfileHost(Protocol):
    """An app that can switch profile (the dashboard's app): what the palette needs."""

    @property
    def profiles(self) -> ProfileSwitcher | None: ...
    @property
    def profile_name(self) -> str | None: ...
    def switch_profile(self, name: str) -> None: ...


class RunsCommands(Provider):
    """Palette commands for the runs list (only while it is on the screen stack)."""

    def _runs_screen(self) -> RunsScreen | None:
        from .screens.runs import RunsScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, RunsScreen):
                return screen
        return None

    def _commands(self, screen: RunsScreen) -> Iterator[Command]:
        filters = screen.filters
        yield ("Clear all filters", screen.action_clear_filters, "Show every run")
        yield ("Toggle auto-refresh", screen.action_toggle_auto, "Pause or resume refreshing")
        yield ("Refresh now", screen.action_refresh, "Load the newest runs")
        yield ("Insights", screen.action_insights, "Charts of the runs under these filters")
        if isinstance(self.app, WatchHost):
            yield ("Unwatch all", self.app.watcher.unwatch_all, "Stop watching every run")
        yield ("Split tail marked runs", screen.table.action_split, "Follow 2-4 marked runs")
        yield ("Clear split marks", screen.table.clear_picks, "Unmark every run")
        if not screen.read_only:
            yield ("Run again", screen.action_rerun, "Run the selected run again (same request)")
            if screen.table.picked:
                yield ("Cancel marked runs", screen.action_cancel_run, "Asks first, lists them")
        for status in STATUS_CHOICES:
            new = RunFilters.build(filters.project_id, status, filters.metadata)
            yield (f"Filter status: {status}", partial(screen.set_filters, new), "")
        for project_id, name in sorted(screen.projects.items(), key=lambda p: p[1]):
            new = RunFilters.build(project_id, filters.status, filters.metadata)
            yield (f"Filter project: {name}", partial(screen.set_filters, new), project_id)
        for theme in sorted(self.app.available_themes):
            yield (f"Theme: {theme}", partial(setattr, self.app, "theme", theme), "")

    def _jump(self, screen: RunsScreen, run_id: str) -> None:
        if not screen.select_run(run_id):
            self.app.post_message(OpenRun(run_id))

    async def discover(self) -> Hits:
        screen = self._runs_screen()
        if screen is None:
            return
        for text, callback, help_text in list(self._commands(screen))[:3]:
            yield DiscoveryHit(Content(text), callback, help=literal_help(help_text))

    async def search(self, query: str) -> Hits:
        screen = self._runs_screen()
        if screen is None:
            return
        matcher = self.matcher(query)
        needle = query.strip()
        if needle.startswith("wsr_"):
            try:
                check_id(needle, "wsr")
            except ValueError:
                pass
            else:
                text = f"Open run {needle}"
                yield Hit(1.0, Content(text), partial(self._jump, screen, needle))
        fragment = needle.lower().removeprefix("jump to run").strip()
        if len(fragment) >= 3:
            found = [r for r in screen.table.shown_ids if fragment in r.lower() and r != needle]
            for run_id in found[:MAX_RUN_HITS]:
                text = f"Jump to run {run_id}"
                yield Hit(0.9, highlighted(matcher, text), partial(self._jump, screen, run_id))
        for text, callback, help_text in self._commands(screen):
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlighted(matcher, text), callback, help=literal_help(help_text))


class ProfileCommands(Provider):
    """``Profile: NAME`` for every profile in the settings file (on any screen)."""

    def _commands(self) -> Iterator[Command]:
        app = self.app
        if not isinstance(app, ProfileHost) or app.profiles is None:
            return
        for name in app.profiles.names:
            current = name == app.profile_name
            help_text = "The current profile" if current else "Switch to this profile"
            yield (f"Profile: {name}", partial(app.switch_profile, name), help_text)

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(Content(text), callback, help=literal_help(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlighted(matcher, text), callback, help=literal_help(help_text))
