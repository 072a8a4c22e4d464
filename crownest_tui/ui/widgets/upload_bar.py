"""The run's archive upload as its ``archive_progress`` events tell it.

``receiving ████▌     45%  2.1 MiB of 8.0 MiB, 1.0 MiB/s, 5s left`` while the run
waits for its archive; once it has it, ``received 8.0 MiB in 8.1s (1.0 MiB/s)``.
"""

from __future__ import annotations

from ...core.detail_state import RunDetailState
from ...text.format import format_size
from ...text.progress import summary
from .transfer_bar import TransferBar

WAITING = "archive: waiting for the upload…"


class UploadBar(TransferBar):
    """Fed the detail state by its screen; ``live_only`` bars show only while the
    archive is on its way (the one above the log), the others always (Details)."""

    def __init__(self, *, live_only: bool = False, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.live_only = live_only
        self.display = not live_only

    def show_state(self, state: RunDetailState) -> None:
        """Show how far the upload is (hide a ``live_only`` bar once it is not on)."""
        receiving = state.receiving_archive
        if self.live_only:
            self.display = receiving
            if not receiving:
                return
        meter = state.archive_meter
        if meter is not None and (receiving or not meter.finished):
            self.show("receiving", meter)
        elif meter is not None:
            self.say(f"received {summary(meter)}")
        elif state.archive_size is not None:
            self.say(f"received {format_size(state.archive_size)}")
        else:
            self.say(WAITING if receiving else "no archive yet")
