"""One line that always says what the event stream is doing."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from ...api.stream import StreamState, StreamStatus
from ...text.format import stream_summary
from ...text.sanitize import plain_text

_CLASSES = {f"-{state.value}" for state in StreamState}


def describe(status: StreamStatus) -> str:
    """``● live · seq 120 · 0 reconnects, 0 lost`` and friends."""
    state = status.state
    if state is StreamState.CONNECTING:
        head = "○ connecting…"
    elif state is StreamState.LIVE:
        head = "● live"
    elif state is StreamState.RECONNECTING:
        wait = status.retry_in()
        when = f", next try in {math.ceil(wait)}s" if wait else ""
        why = f" ({status.problem})" if status.problem else ""
        head = f"◌ reconnecting: attempt {status.attempt}{when}{why}"
    elif state is StreamState.ENDED:
        head = "■ ended"
    elif state is StreamState.FAILED:
        reason = status.error.message if status.error else status.problem or "unknown error"
        head = f"✘ failed: {reason}"
    else:
        head = "□ closed"
    seq = "—" if status.last_seq is None else str(status.last_seq)
    return f"{head} · seq {seq} · {stream_summary(status)}"


class ConnectionBar(Static):
    """Shows a :class:`StreamStatus`; its CSS class follows the state (``-live`` …)."""

    DEFAULT_CSS = """
    ConnectionBar { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    ConnectionBar.-live { color: $success; }
    ConnectionBar.-reconnecting, ConnectionBar.-connecting { color: $warning; }
    ConnectionBar.-failed { color: $error; }
    """

    status: reactive[StreamStatus] = reactive(StreamStatus, always_update=True)
    """The stream's latest status."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._countdown: Timer | None = None

    def watch_status(self, status: StreamStatus) -> None:
        self.remove_class(*_CLASSES)
        self.add_class(f"-{status.state.value}")
        self._show(status)
        reconnecting = status.state is StreamState.RECONNECTING
        if reconnecting and self._countdown is None:
            self._countdown = self.set_interval(1.0, self._count_down)
        elif not reconnecting and self._countdown is not None:
            self._countdown.stop()
            self._countdown = None

    def _count_down(self) -> None:
        """Once a second while waiting to reconnect: the "next try in" count."""
        self._show(self.status)

    def _show(self, status: StreamStatus) -> None:
        self.update(Text(plain_text(describe(status)) + "  (R reconnects now)"))
