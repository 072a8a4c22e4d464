"""Messages the screens and the app exchange (widget-specific ones live on the widget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ..api.models import WorkspaceRun

if TYPE_CHECKING:  # the form's module (and what it imports) loads when the form opens
    from .new_run_form import NewRunForm


class OpenRun(Message):
    """Ask the app to open a run's detail screen (``enter`` on a row, the palette,
    ``crownest-tui open``), optionally resuming after an event ``seq``."""

    def __init__(self, run_id: str, after_seq: int | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.after_seq = after_seq


class LaunchRequested(Message):
    """The "new run" form was filled in and checked: the app launches it."""

    def __init__(self, form: NewRunForm) -> None:
        super().__init__()
        self.form = form


class RunChanged(Message):
    """A run's state is newer than what the list shows (after a cancel, say)."""

    def __init__(self, run: WorkspaceRun) -> None:
        super().__init__()
        self.run = run


class WatchRun(Message):
    """Watch a run, or stop watching it (``w`` in the list, ``W`` in the detail): the
    app says when it ends. ``run`` is the copy the sender has, if any."""

    def __init__(self, run_id: str, run: WorkspaceRun | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.run = run


class OpenSplit(Message):
    """Ask the app to tail these runs side by side (2 to 4 of them)."""

    def __init__(self, run_ids: list[str]) -> None:
        super().__init__()
        self.run_ids = run_ids


@dataclass(frozen=True)
class FailureInfo:
    """An API failure as the UI shows it: title, message and when it happened."""

    title: str
    message: str
    code: str
    status: int | None
    details: str
    when: str
