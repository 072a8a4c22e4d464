"""One line for a transfer under way, or for the step between two of them.

``uploading ██████▌      45%  2.1 MiB of 8.0 MiB, 256.0 KiB/s, 23s left``: the same
line the CLI's ``launch`` draws (:func:`~crownest_tui.text.progress.meter_line`), fitted
to the widget's width whenever it is drawn.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from ...text.progress import TransferMeter, meter_line


class TransferBar(Widget):
    """Shows a :class:`TransferMeter` (:meth:`show`) or a line of text (:meth:`say`).

    The meter is read when the bar is drawn, so the owner updates it and calls
    :meth:`show` again (or :meth:`refresh`) to repaint; no timer of its own.
    """

    DEFAULT_CSS = """
    TransferBar { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._verb = ""
        self._meter: TransferMeter | None = None
        self._extra = ""

    @property
    def text(self) -> str:
        """The line as drawn at the current width."""
        if self._meter is None:
            return self._verb
        return meter_line(self._verb, self._meter, self.content_size.width, self._extra)

    def show(self, verb: str, meter: TransferMeter, extra: str = "") -> None:
        """``verb`` and the meter's bar, bytes, rate and time left (``extra`` after)."""
        self._verb, self._meter, self._extra = verb, meter, extra
        self.refresh()

    def say(self, text: str) -> None:
        """A plain line (a step that moves no bytes: ``creating the run…``)."""
        self._verb, self._meter, self._extra = text, None, ""
        self.refresh()

    def render(self) -> Content:
        return Content(self.text)
