"""Messages the screens and the app exchange (widget-specific ones live on the widget)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.message import Message

from ..api.models import WorkspaceRun
from ..core.filters import RunFilters


class OpenRun(Message):
    """Ask the app to open a run's detail screen (``enter`` on a row, the palette,
    ``crownest-tui open``), optionally resuming after an event ``seq``, or with the log
    at the line of event ``at_seq``."""

    def __init__(
        self, run_id: str, after_seq: int | None = None, at_seq: int | None = None
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self.after_seq = after_seq
        self.at_seq = at_seq


class LaunchStarting(Message):
    """The "new run" form begins to pack ``folder``: the app saves nothing into it from
    now on (it may be packed again)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder


class RunChanged(Message):
    """A run's state is newer than what the list shows (after a cancel, say)."""

    def __init__(self, run: WorkspaceRun) -> None:
        super().__init__()
        self.run = run


class RunsSeen(Message):
    """Fresh copies of runs from the API (a page of the list): the app's watcher
    takes those it watches (one may have ended), and runs new to the app are frozen
    out of garbage collections (:mod:`crownest_tui.core.memory`)."""

    def __init__(self, runs: Sequence[WorkspaceRun]) -> None:
        super().__init__()
        self.runs = runs


class WatchRun(Message):
    """Watch a run, or stop watching it (``w`` in the list, ``W`` in the detail): the
    app says when it ends. ``run`` is the copy the sender has, if any."""

    def __init__(self, run_id: str, run: WorkspaceRun | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.run = run


class OpenCompare(Message):
    """Ask the app to compare a run with another (``other_id``), or with the last
    succeeded run of the same work when there is none (``=``)."""

    def __init__(self, run_id: str, other_id: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.other_id = other_id


class OpenSplit(Message):
    """Ask the app to tail these runs side by side (2 to 4 of them)."""

    def __init__(self, run_ids: list[str]) -> None:
        super().__init__()
        self.run_ids = run_ids


class OpenInsights(Message):
    """Ask the app to open the Insights screen over the list (``i``, ``crownest-tui
    insights``) with these filters and window (``1h``/``24h``/``7d``)."""

    def __init__(self, filters: RunFilters, window: str = "24h") -> None:
        super().__init__()
        self.filters = filters
        self.window = window
