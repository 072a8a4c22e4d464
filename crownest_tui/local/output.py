"""Turns a command's stdout/stderr bytes into bounded ``stdout``/``stderr`` events.

Bytes are decoded incrementally (a UTF-8 character split across reads stays whole;
invalid bytes become U+FFFD). Text of one stream is held for at most ``window``
seconds (a partial last line, one window more) so a burst of small writes becomes one
event; a switch to the other stream sends what is held first, so events keep arrival
order. No event carries more than ``max_chars`` characters, and a cut prefers a line
end.

ASCII output (most of a build log) stays bytes from the read to the sink: for it bytes
and characters are the same, so the cuts are the ones its text would get. Anything else
is decoded, and held text is never mixed with held bytes (ASCII bytes are decoded to
join text, which is exact).
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable
from typing import TypeVar, cast

from .contract import OUTPUT_CHUNK_CHARS, OUTPUT_WINDOW_SECONDS

#: A chunk of output: text, or bytes that are all ASCII (never both in one list).
Chunk = TypeVar("Chunk", str, bytes)
#: (stream name, list of chunks) -> None
Sink = Callable[[str, list[str] | list[bytes]], None]


def split_chunks(text: Chunk, max_chars: int, start: int = 0) -> tuple[list[Chunk], Chunk]:
    """Cut ``text[start:]`` into full chunks of at most ``max_chars``; return (chunks, rest)."""
    chunks: list[Chunk] = []
    end = len(text)
    newline = "\n" if isinstance(text, str) else b"\n"
    while end - start >= max_chars:
        limit = start + max_chars
        cut = text.rfind(newline, start, limit)
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
        # what is held: ASCII bytes, or text once anything else came (see the module)
        self._held: list[str] | list[bytes] = []
        self._held_len = 0
        self._timer: asyncio.TimerHandle | None = None
        self._tail_waited = False
        self.chars = 0

    def feed(self, stream: str, data: bytes) -> None:
        decoder = self._decoders[stream]
        if data.isascii() and not decoder.getstate()[0]:  # nothing of a character pending
            if data:
                self._add(stream, data)
            return
        text = decoder.decode(data)
        if text:
            self._add(stream, text)

    def _add(self, stream: str, piece: str | bytes) -> None:
        self.chars += len(piece)
        if stream != self._stream:
            self.flush()
            self._stream = stream
        held = self._held
        if isinstance(piece, bytes):
            if held and isinstance(held[0], str):
                held.append(piece.decode("ascii"))
            else:
                cast(list[bytes], held).append(piece)
        elif held and isinstance(held[0], bytes):
            self._held = [*(part.decode("ascii") for part in held), piece]
        else:
            cast(list[str], held).append(piece)
        self._held_len += len(piece)
        if self._held_len >= self._max:
            chunks, rest = _split_held(self._held, self._max)
            self._sink(stream, chunks)
            self._held = _alone(rest) if rest else []
            self._held_len = len(rest)
        if self._held and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._window, self._on_timer)

    def _on_timer(self) -> None:
        """The window closed: send whole lines, and hold a partial last line one more
        window (it is sent then even if its end has not come)."""
        self._timer = None
        text = _joined(self._held)
        cut = (text.rfind("\n") if isinstance(text, str) else text.rfind(b"\n")) + 1
        if 0 < cut < len(text) and not self._tail_waited:
            self._sink(self._stream, _alone(text[:cut]))
            self._held, self._held_len = _alone(text[cut:]), len(text) - cut
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
            text = _joined(self._held)
            self._held, self._held_len = [], 0
            self._sink(self._stream, _alone(text))

    def close(self) -> None:
        """End of both streams: decode what is left and send everything."""
        for name, decoder in self._decoders.items():
            tail = decoder.decode(b"", final=True)
            if tail:
                self._add(name, tail)
        self.flush()


def _alone(chunk: str | bytes) -> list[str] | list[bytes]:
    """A list of one chunk (typed as held lists are: all text or all bytes)."""
    return cast("list[str] | list[bytes]", [chunk])


def _joined(held: list[str] | list[bytes]) -> str | bytes:
    if held and isinstance(held[0], bytes):
        return b"".join(held)
    return "".join(cast(list[str], held))


def _split_held(
    held: list[str] | list[bytes], max_chars: int
) -> tuple[list[str] | list[bytes], str | bytes]:
    """:func:`split_chunks` of the joined ``held``, without joining its last piece (a
    read of up to 1 MiB) to what came before it (less than a chunk)."""
    if len(held) == 1:
        return _split(held[0], max_chars, 0)
    before = _joined(held[:-1])
    if len(before) >= max_chars:  # (never: held is cut once it reaches a chunk)
        return _split(_joined(held), max_chars, 0)
    last = held[-1]
    head = before + last[: max_chars - len(before)]  # type: ignore[operator]
    first, _ = _split(head, max_chars, 0)  # head is one chunk long: one cut
    skip = len(first[0]) - len(before)
    if skip < 0:  # the cut fell inside what came before
        return _split(_joined(held), max_chars, 0)
    chunks, rest = _split(last, max_chars, skip)
    return cast("list[str] | list[bytes]", [first[0], *chunks]), rest


def _split(
    text: str | bytes, max_chars: int, start: int
) -> tuple[list[str] | list[bytes], str | bytes]:
    if isinstance(text, bytes):
        return split_chunks(text, max_chars, start)
    return split_chunks(text, max_chars, start)
