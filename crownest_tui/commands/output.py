"""Where ``logs`` writes: a run's stdout to our stdout, its stderr to our stderr.

To a pipe or a file the text goes exactly as the run wrote it (UTF-8, no changes):
``logs`` is for scripts. To a terminal it is made inert first (only SGR colours and
the edits of the current line survive: carriage return, erase in line), because a
run's output could otherwise retitle the window, write the clipboard or clear the
screen; progress lines then show as they would on the run's own terminal. A partial
line holding an escape character is held until its line ends (or the stream does),
since the sequence may continue in the next chunk; other partial lines are written
at once, so prompts and progress show.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import IO, Any

from ..api.events import (
    HeartbeatEvent,
    RunEvent,
    StderrEvent,
    StdoutEvent,
    UnknownEvent,
)
from ..notice import is_terminal
from .text import inert, needs_more, split_after_last_edit

#: A held partial line longer than this is written anyway (made inert on its own).
MAX_HELD_CHARS = 64 * 1024


def binary(stream: IO[Any]) -> IO[bytes]:
    """The byte stream under a text stream (or the stream itself if it takes bytes)."""
    buffer: IO[bytes] | None = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        return buffer
    if isinstance(stream, io.TextIOBase):
        raise TypeError("output needs a stream with bytes underneath (not a StringIO)")
    return stream


def encode(text: str) -> bytes:
    """UTF-8; lone surrogates (``\\udc80``-style escapes of raw bytes) become bytes again."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _stamp(text: str, prefix: str, at_start: bool) -> str:
    """Put ``prefix`` before every line that starts in ``text``."""
    parts = text.split("\n")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if (part or not last) and (index > 0 or at_start):
            parts[index] = prefix + part
    return "\n".join(parts)


class StreamWriter:
    """One output stream of the run, written raw or made inert for a terminal."""

    def __init__(self, target: IO[Any], *, timestamps: bool = False) -> None:
        self.tty = is_terminal(target)
        self.out = binary(target)
        self.timestamps = timestamps
        self._at_line_start = True
        self._held = ""

    def write(self, text: str, when: datetime | None = None) -> None:
        if self.timestamps:
            stamp = (when.isoformat().replace("+00:00", "Z") if when else "-") + " "
            text = _stamp(text, stamp, self._at_line_start)
        if text:
            self._at_line_start = text.endswith("\n")
        if not self.tty:
            self.out.write(encode(text))
            return
        text = self._held + text
        ready, tail = split_after_last_edit(text)
        if needs_more(tail) and len(tail) < MAX_HELD_CHARS:
            self._held = tail
        else:
            ready, self._held = text, ""
        self.out.write(encode(inert(ready)))

    def close(self) -> None:
        """Write whatever is held, and flush."""
        if self._held:
            self.out.write(encode(inert(self._held)))
            self._held = ""
        self.out.flush()

    def flush(self) -> None:
        self.out.flush()


def event_json(event: RunEvent) -> str:
    """One line of JSON for ``--json`` (ASCII only, so it is inert on a terminal too)."""
    wire = event.raw if isinstance(event, UnknownEvent) and event.raw else event.to_wire()
    return json.dumps(wire, separators=(",", ":"))


class LogSink:
    """Routes events: stdout/stderr text to the two streams, or JSON lines to stdout."""

    def __init__(
        self, stdout: IO[Any], stderr: IO[Any], *, as_json: bool = False, timestamps: bool = False
    ) -> None:
        self.stdout = StreamWriter(stdout, timestamps=timestamps)
        self.stderr = StreamWriter(stderr, timestamps=timestamps)
        self.as_json = as_json

    def events(self, events: list[RunEvent]) -> None:
        for event in events:
            if isinstance(event, HeartbeatEvent):
                continue
            if self.as_json:
                self.stdout.out.write(event_json(event).encode() + b"\n")
            elif isinstance(event, StdoutEvent):
                self.stdout.write(event.data, event.created_at)
            elif isinstance(event, StderrEvent):
                self.stderr.write(event.data, event.created_at)
        self.stdout.flush()
        self.stderr.flush()

    def close(self) -> None:
        self.stdout.close()
        self.stderr.close()
