"""The unit of input to the log view: one piece of a run's stdout or stderr."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Stream = Literal["stdout", "stderr"]
"""Which output stream a chunk came from."""

StreamFilter = Literal["all", "stdout", "stderr"]
"""Which streams the log view shows."""


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """A piece of output as it arrived from the run (not necessarily a whole line).

    A chunk may end in the middle of a line or of an escape sequence; the log view
    joins consecutive chunks of the same stream before splitting lines.
    """

    stream: Stream
    """``"stdout"`` or ``"stderr"``."""
    text: str
    """The raw, untrusted text (escape sequences and control characters included)."""
    seq: int
    """The event's sequence number in the run's stream."""
    time: datetime | None = None
    """When the run wrote it, if known; shown per line with the time column."""
