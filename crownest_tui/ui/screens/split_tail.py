"""Follow two to four runs at once: one :class:`TailPane` each, side by side or stacked.

``tab``/``shift+tab`` move between panes; the log keys (``f``, ``/``, ``w``…) act on
the focused pane; ``R`` reconnects it, ``W`` watches its run, ``v`` switches layout.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen

from ...api.client import CrowNestClient
from ...core.error_lines import ErrorMatcher
from ...core.save_folder import SaveFolder
from ...text.format import format_count
from ..messages import WatchRun
from ..palette_keys import ScreenKeyCommands
from ..stylesheets import stylesheet
from ..widgets.context_bar import ContextBar
from ..widgets.footer import Footer
from ..widgets.tail_pane import TailPane

MAX_PANES = 4


class SplitTailScreen(Screen[None]):
    """The split tail (``t`` on marked runs in the list, or the palette)."""

    CSS_PATH = [stylesheet("split")]
    COMMANDS = {ScreenKeyCommands}

    # The footer shows the essentials (with the log's f and /, it fits 80 columns with
    # ? and q); help (?, which shows the tooltips) and the palette list the rest.
    BINDINGS = [
        Binding("escape", "back", "Back", id="split.back", tooltip="Back to the runs list"),
        Binding(
            "tab", "focus_pane(1)", "Next pane", id="split.next_pane", tooltip="Focus the next pane"
        ),
        Binding(
            "shift+tab",
            "focus_pane(-1)",
            "Previous pane",
            show=False,
            id="split.previous_pane",
            tooltip="Focus the previous pane",
        ),
        Binding(
            "v",
            "toggle_layout",
            "Layout",
            show=False,
            id="split.layout",
            tooltip="Panes side by side or stacked",
        ),
        Binding(
            "R",
            "reconnect",
            "Reconnect",
            show=False,
            id="split.reconnect",
            tooltip="Reconnect the focused pane's stream now",
        ),
        Binding(
            "W",
            "watch",
            "Watch",
            show=False,
            id="split.watch",
            tooltip="Watch the focused pane's run: say when it ends",
        ),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        client: CrowNestClient,
        run_ids: list[str],
        *,
        stacked: bool = False,
        save_directory: Path | SaveFolder | None = None,
        error_matcher: ErrorMatcher | None = None,
    ) -> None:
        """``run_ids``: the runs, left to right (top to bottom when ``stacked``); only
        the first four are shown. ``error_matcher``: each pane's error lines (``e``)."""
        super().__init__()
        self.client = client
        self.run_ids = list(dict.fromkeys(run_ids))[:MAX_PANES]
        self.stacked = stacked
        self.save_directory = save_directory
        self.error_matcher = error_matcher

    def compose(self) -> ComposeResult:
        yield ContextBar()
        with Container(id="panes"):
            for index, run_id in enumerate(self.run_ids):
                yield TailPane(
                    self.client,
                    run_id,
                    save_directory=self.save_directory,
                    error_matcher=self.error_matcher,
                    id=f"pane-{index}",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Split tail: {format_count(len(self.run_ids), 'run')}"
        self.set_class(self.stacked, "-stacked")
        panes = self.panes
        if panes:
            # Now, not ``Widget.focus``'s deferred call: a key pressed before that call
            # runs (``/`` opening a pane's search) would lose its focus to it.
            self.set_focus(panes[0].log_view.lines)

    @property
    def panes(self) -> list[TailPane]:
        return list(self.query(TailPane))

    @property
    def focused_pane(self) -> TailPane | None:
        """The pane holding the focus (its log or its search bar)."""
        node = self.focused
        while node is not None:
            if isinstance(node, TailPane):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    # -- actions -----------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_focus_pane(self, step: int) -> None:
        """Focus the next (``1``) or previous (``-1``) pane, wrapping around."""
        panes = self.panes
        if not panes:
            return
        current = self.focused_pane
        index = panes.index(current) + step if current in panes else 0
        panes[index % len(panes)].log_view.lines.focus()

    def action_toggle_layout(self) -> None:
        """Side by side ↔ stacked."""
        self.stacked = not self.stacked
        self.set_class(self.stacked, "-stacked")

    def action_reconnect(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            pane.reconnect()

    def action_watch(self) -> None:
        pane = self.focused_pane
        if pane is not None:
            self.post_message(WatchRun(pane.run_id, pane.run))
