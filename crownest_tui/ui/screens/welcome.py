"""Shown instead of the dashboard when no credential was found: how to get one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Markdown

from ..widgets.context_bar import ContextBar
from ..widgets.footer import Footer

WELCOME = """\
# Welcome to crownest-tui

No CrowNest credential was found, so there is nothing to show yet.

* Set **`CROWNEST_API_KEY`** (a developer key, `cn_live_…`) or
  **`CROWNEST_BEARER_TOKEN`** in your environment, then start `crownest-tui` again.
* Logged in with the official CrowNest CLI? Its login is picked up automatically
  (from `$CROWNEST_CONFIG_PATH` or `~/.config/crownest/config.json`).
* No account, or offline? **`crownest-tui --demo`** starts a local CrowNest with demo
  runs and opens the dashboard on it.

API URL in use: `{url}`

Press **q** to quit.
"""


class WelcomeScreen(Screen[None]):
    """A friendly explanation instead of a traceback when there is no credential."""

    BINDINGS = [Binding("q", "app.quit", "Quit", id="welcome.quit")]

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def compose(self) -> ComposeResult:
        yield ContextBar()
        with Vertical(id="welcome"):
            yield Markdown(WELCOME.format(url=self.base_url))
        yield Footer()
