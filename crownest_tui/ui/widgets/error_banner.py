"""The banner over the list when the API fails: the error, and the last good data's age."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...core.failures import FailureInfo


class ErrorBanner(Static):
    """Hidden while all is well; shows the failure, the last success and the next retry."""

    DEFAULT_CSS = """
    ErrorBanner { display: none; height: auto; padding: 0 1; }
    ErrorBanner.-shown { display: block; }
    """

    failure: reactive[FailureInfo | None] = reactive(None, always_update=True)
    """The current failure; ``None`` hides the banner."""

    last_success: reactive[str] = reactive("")
    """Wall-clock time of the last successful load (empty if none yet)."""

    retry_note: reactive[str] = reactive("")
    """How the list will retry, e.g. ``retrying in 4 s``."""

    _text = ""

    def _refresh_text(self) -> None:
        failure = self.failure
        self.set_class(failure is not None, "-shown")
        text = ""
        if failure is not None:
            since = (
                f"showing data from {self.last_success}"
                if self.last_success
                else "no data loaded yet"
            )
            tail = f" · {self.retry_note}" if self.retry_note else ""
            text = f"⚠ {failure.title}: {failure.message} · {since}{tail} · e: details"
        if text != self._text:  # an update lays the screen out again: only on a change
            self._text = text
            self.update(Content(text))  # literal: the message came from the network

    def watch_failure(self) -> None:
        self._refresh_text()

    def watch_last_success(self) -> None:
        self._refresh_text()

    def watch_retry_note(self) -> None:
        self._refresh_text()
