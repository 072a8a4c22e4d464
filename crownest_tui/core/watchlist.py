"""The watch list: which runs to announce the end of, and where it is kept.

:class:`Watchlist` is the model (which runs, what was last seen of them, listeners);
the ids persist per API origin in the user state folder. The app's part, which polls
the watched runs and announces their ends, is :class:`crownest_tui.ui.watch.RunWatcher`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

from ..api.ids import check_id
from ..api.models import STATUS_ORDER, WorkspaceRun, is_terminal
from ..text.format import format_duration, safe_line, truncate
from .paths import state_dir

LABEL_WIDTH = 40
MAX_WATCHED = 50


def run_ended(run: WorkspaceRun) -> bool:
    """Succeeded, failed or canceled; or a status this client does not know that
    came with a finish time (a newer server's terminal status)."""
    if is_terminal(run.status):
        return True
    return run.status not in STATUS_ORDER and run.finished_at is not None


def run_label(run: WorkspaceRun) -> str:
    """A short name for a run: its ``name`` metadata, else its command (inert, cut)."""
    name = run.metadata.get("name", "")
    return truncate(name or run.command, LABEL_WIDTH)


def run_took(run: WorkspaceRun) -> str | None:
    """How long a finished run took (``2m 14s``), when the run says."""
    if run.duration_ms is not None:
        return format_duration(run.duration_ms / 1000)
    if run.started_at is not None and run.finished_at is not None:
        return format_duration((run.finished_at - run.started_at).total_seconds())
    return None


def end_text(run: WorkspaceRun, *, already: bool = False) -> str:
    """``wsr_… succeeded in 2m 14s · pytest -q`` (``already succeeded`` when it had
    ended before it was watched); every part made one inert line."""
    status = safe_line(str(run.status))
    took = run_took(run)
    text = f"{run.id} {'already ' if already else ''}{status}"
    if took is not None:
        text += f" in {took}"
    if run.exit_code is not None and run.exit_code != 0:
        text += f" (exit {run.exit_code})"
    label = run_label(run)
    return f"{text} · {label}" if label else text


@dataclass
class Watched:
    """One watched run: the last copy seen, and whether it was seen before its end."""

    run_id: str
    run: WorkspaceRun | None = None
    seen_active: bool = False


@dataclass(frozen=True)
class Ending:
    """A watched run reached its end (``already``: it had ended before it was watched)."""

    run: WorkspaceRun
    already: bool


ChangeListener = Callable[[frozenset[str]], None]
EndListener = Callable[[Ending], None]


class Watchlist:
    """The watched runs, in the order they were added; no Textual in here."""

    def __init__(self) -> None:
        self._runs: dict[str, Watched] = {}
        self._on_change: list[ChangeListener] = []
        self._on_end: list[EndListener] = []

    # -- reading ---------------------------------------------------------------

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._runs

    def __len__(self) -> int:
        return len(self._runs)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._runs)

    def ordered(self) -> list[str]:
        return list(self._runs)

    def last_seen(self, run_id: str) -> WorkspaceRun | None:
        entry = self._runs.get(run_id)
        return None if entry is None else entry.run

    # -- changing --------------------------------------------------------------

    def add(self, run_id: str, run: WorkspaceRun | None = None, *, active: bool = False) -> None:
        """Watch ``run_id``; ``run`` is a copy, if the caller has one; ``active`` says it
        was known to be running (a list saved while it ran)."""
        if run_id in self._runs:
            return
        active = active or (run is not None and not run_ended(run))
        self._runs[run_id] = Watched(run_id, run, seen_active=active)
        self._changed()

    def remove(self, run_id: str) -> bool:
        if self._runs.pop(run_id, None) is None:
            return False
        self._changed()
        return True

    def clear(self) -> int:
        count = len(self._runs)
        self._runs.clear()
        if count:
            self._changed()
        return count

    def observe(self, run: WorkspaceRun) -> Ending | None:
        """Take a fresher copy of a run. A watched run seen ended leaves the list and
        its :class:`Ending` goes to the end listeners (and is returned)."""
        entry = self._runs.get(run.id)
        if entry is None:
            return None
        if not run_ended(run):
            entry.run, entry.seen_active = run, True
            return None
        del self._runs[run.id]
        ending = Ending(run, already=not entry.seen_active)
        for listener in list(self._on_end):
            listener(ending)
        self._changed()
        return ending

    # -- listening -------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(ids)`` after every change; returns the unsubscriber."""
        self._on_change.append(listener)
        return lambda: self._unsubscribe(self._on_change, listener)

    def on_end(self, listener: EndListener) -> Callable[[], None]:
        self._on_end.append(listener)
        return lambda: self._unsubscribe(self._on_end, listener)

    @staticmethod
    def _unsubscribe(listeners: list[Any], listener: object) -> None:
        if listener in listeners:
            listeners.remove(listener)

    def _changed(self) -> None:
        ids = self.ids
        for listener in list(self._on_change):
            listener(ids)


# -- persistence (per API origin) ------------------------------------------------------


def watch_file(base_url: str, directory: Path | None = None) -> Path:
    """Where the watch list of one API origin is kept (the user state dir)."""
    root = directory or state_dir()
    digest = sha256(base_url.rstrip("/").encode()).hexdigest()[:16]
    return root / "watch" / f"{digest}.json"


def load_ids(path: Path) -> list[str]:
    """The run ids saved at ``path``; anything unreadable counts as none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    ids = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, str) and _is_run_id(i)][:MAX_WATCHED]


def save_ids(path: Path, ids: Iterable[str]) -> None:
    """Save run ids (ids only: never run data or the credential). Best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"runs": list(ids)}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def _is_run_id(value: str) -> bool:
    try:
        check_id(value, "wsr")
    except ValueError:
        return False
    return True
