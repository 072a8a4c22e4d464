"""Turns a command's stdout/stderr bytes into bounded ``stdout``/``stderr`` events.

Bytes are decoded incrementally (a UTF-8 character split across reads stays whole;
invalid bytes become U+FFFD). Text of one stream is held for at most ``window``
seconds (a partial last line, one window more) so a burst of small writes becomes one
event; a switch to the other stream sends what is held first, so events keep arrival
order. No event carries more than ``max_chars`` characters, and a cut prefers a line
end.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable

from .contract import OUTPUT_CHUNK_CHARS, OUTPUT_WINDOW_SECONDS

#: (stream name, list of chunks) -> None
Sink = Callable[[str, list[str]], None]


def split_chunks(text: str, max_chars: int) -> tuple[list[str], str]:
    """Cut ``text`` into full chunks of at most ``max_chars``; return (chunks, rest)."""
    chunks: list[str] = []
    start = 0
    end = len(text)
    while end - start >= max_chars:
        limit = start + max_chars
        cut = text.rfind("\n", start, limit)
        stop = cut + 1 if cut >= start + max_chars // 2 else limit
        chunks.append(text[start:stop])
        start = stop
    return chunks, text[start:]


class OutputCoalescer:
    def __init__(
        self,
        sink: Sink,
        *,
        max_chars: int = OUTPUT_CHUNK_CHARS,
        window: float = OUTPUT_WINDOW_SECONDS,
    ) -> None:
        self._sink = sink
        self._max = max_chars
        self._window = window
        self._decoders = {
            name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")
        }
        self._stream = "stdout"
        self._held: list[str] = []
        self._held_len = 0
        self._timer: asyncio.TimerHandle | None = None
        self._tail_waited = False
        self.chars = 0

    def feed(self, stream: str, data: bytes) -> None:
        text = self._decoders[stream].decode(data)
        if text:
            self._add(stream, text)

    def _add(self, stream: str, text: str) -> None:
        self.chars += len(text)
        if stream != self._stream:
            self.flush()
            self._stream = stream
        self._held.append(text)
        self._held_len += len(text)
        if self._held_len >= self._max:
            joined = "".join(self._held)
            chunks, rest = split_chunks(joined, self._max)
            self._sink(stream, chunks)
            self._held = [rest] if rest else []
            self._held_len = len(rest)
        if self._held and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._window, self._on_timer)

    def _on_timer(self) -> None:
        """The window closed: send whole lines, and hold a partial last line one more
        window (it is sent then even if its end has not come)."""
        self._timer = None
        text = "".join(self._held)
        cut = text.rfind("\n") + 1
        if 0 < cut < len(text) and not self._tail_waited:
            self._sink(self._stream, [text[:cut]])
            self._held, self._held_len = [text[cut:]], len(text) - cut
            self._tail_waited = True
            self._timer = asyncio.get_running_loop().call_later(self._window, self._on_timer)
            return
        self.flush()

    def flush(self) -> None:
        """Send whatever is held now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._tail_waited = False
        if self._held:
            text = "".join(self._held)
            self._held, self._held_len = [], 0
            self._sink(self._stream, [text])

    def close(self) -> None:
        """End of both streams: decode what is left and send everything."""
        for name, decoder in self._decoders.items():
            tail = decoder.decode(b"", final=True)
            if tail:
                self._add(name, tail)
        self.flush()
