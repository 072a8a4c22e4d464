"""SSE decoding is correct for any chunking of the byte stream."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.api.sse import SSEDecoder

payload_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
    max_size=40,
)


def decode(chunks: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(c, 0), len(data)) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces


@st.composite
def sse_streams(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """A stream of events in assorted framings and the payloads it must decode to."""
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    events = draw(st.lists(st.lists(payload_text, min_size=1, max_size=3), max_size=12))
    raw = bytearray()
    expected = []
    for index, lines in enumerate(events):
        if draw(st.booleans()):
            raw += b": keep-alive comment" + newline
        if draw(st.booleans()):
            raw += b"id: " + str(index).encode() + newline
        if draw(st.booleans()):
            raw += b"event: message" + newline
        if draw(st.booleans()):
            raw += b"retry: 1000" + newline
        seen = []
        for line in lines:
            space = b" " if draw(st.booleans()) else b""
            raw += b"data:" + space + line.encode() + newline
            # One space after the colon is framing, whether we wrote it or the text did.
            seen.append(line if space or not line.startswith(" ") else line[1:])
        raw += newline
        expected.append("\n".join(seen).encode())
    return bytes(raw), expected


@given(sse_streams(), st.lists(st.integers(min_value=0, max_value=4000), max_size=30))
@settings(max_examples=400, deadline=None)
def test_any_chunking_decodes_to_the_same_events(
    stream: tuple[bytes, list[bytes]], cuts: list[int]
) -> None:
    raw, expected = stream
    assert decode([raw]) == expected
    assert decode(split_at(raw, cuts)) == expected


@given(sse_streams())
@settings(max_examples=100, deadline=None)
def test_byte_at_a_time_decodes_to_the_same_events(stream: tuple[bytes, list[bytes]]) -> None:
    raw, expected = stream
    assert decode([raw[i : i + 1] for i in range(len(raw))]) == expected


def test_utf8_split_inside_a_character_is_joined() -> None:
    body = json.dumps({"data": "héllo ✓ 🐦"}, ensure_ascii=False).encode()
    raw = b"data: " + body + b"\n\n"
    split = raw.index("✓".encode()) + 1
    assert decode([raw[:split], raw[split:]]) == [body]


def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    assert decode([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]) == [b"a", b"b"]


def test_multi_line_data_is_joined_with_lf() -> None:
    assert decode([b'data: {"a":\ndata: 1}\n\n']) == [b'{"a":\n1}']


def test_an_unfinished_event_is_held_until_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\ndata: x\n") == []
    assert decoder.feed(b"\n") == [b"x"]


def test_retry_field_is_read() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"retry: 2500\n\n")
    assert decoder.retry_ms == 2500


def test_reset_forgets_a_partial_event() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: half")
    decoder.reset()
    assert decoder.feed(b"data: whole\n\n") == [b"whole"]
