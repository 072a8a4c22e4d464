"""Incremental Server-Sent Events decoding, correct for any chunking of the byte stream.

Works on bytes and splits lines before decoding text, so a UTF-8 character split
across chunks is never broken. LF, CRLF and CR line ends are accepted (a CR at the end
of one chunk followed by LF at the start of the next is one line end). ``data:`` lines
are joined with LF; comments, ``event:``, ``id:`` and ``retry:`` are read but events
are told apart by their JSON payload only, as the contract asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# One whole event made of an optional id line and a single data line.
_SIMPLE_EVENT = re.compile(rb"(?:^|\n\n)(?:id:[^\n]*\n)?data: ?([^\n]*)(?=\n\n|\Z)")


@dataclass(slots=True)
class SSEDecoder:
    """Feed raw chunks, get back the ``data`` payload of every complete event."""

    retry_ms: int | None = None
    _tail: bytes = b""
    _skip_lf: bool = False
    _data: list[bytes] = field(default_factory=list)

    def feed(self, chunk: bytes) -> list[bytes]:
        """Consume a chunk; return the payloads of the events it completed."""
        if not chunk:
            return []  # before the CR/LF check: an empty read between them changes nothing
        if self._skip_lf:
            self._skip_lf = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
                if not chunk:
                    return []
        buf = self._tail + chunk if self._tail else chunk
        if not self._data and b"\r" not in buf:
            end = buf.rfind(b"\n\n")
            if end >= 0:
                self._tail = buf[end + 2 :]
                return self._events(buf[:end])
        cut = max(buf.rfind(b"\n"), buf.rfind(b"\r"))
        if cut < 0:
            self._tail = buf
            return []
        self._tail = buf[cut + 1 :]
        if buf[cut] == 0x0D:  # a CR ends this chunk: an LF may open the next one
            self._skip_lf = True
        return self._lines(buf[: cut + 1].splitlines())

    def _events(self, block: bytes) -> list[bytes]:
        """Fast path for LF-only text made of whole events.

        When every event is an optional ``id:`` line and one ``data:`` line (what
        servers send), one regex pass finds every payload; the count check proves
        it, and anything else takes the general line-by-line path.
        """
        if b"\n\n\n" not in block:
            found = _SIMPLE_EVENT.findall(block)
            if len(found) == block.count(b"\n\n") + 1:
                return found
        return self._lines([*block.split(b"\n"), b""])

    def _lines(self, lines: list[bytes]) -> list[bytes]:
        out: list[bytes] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    out.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data.clear()
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            elif line[0] == 0x3A:  # ":" comment
                continue
            else:
                self._field(line)
        return out

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":  # "data" with no colon: an empty data line
            self._data.append(value)
        elif name == b"retry" and value.isdigit():
            self.retry_ms = int(value)
        # "id", "event" and unknown fields are ignored: payloads carry type and seq.

    def reset(self) -> None:
        """Forget a partial event (a new connection starts clean)."""
        self._tail = b""
        self._skip_lf = False
        self._data.clear()
