"""Bad input fuzzing of the event parsers and the SSE decoder (issue 6, "Bad input").

Whatever arrives, ``parse_event`` gives a typed event, an :class:`UnknownEvent` or a
:class:`BadPayload`; ``parse_events`` gives one of those per payload; ``parse_event_page``
gives a page or a ``ValueError`` with a message (the client turns that into a
``CrowNestError``). The SSE decoder never raises on any bytes in any chunking and never
hands out more payloads than the stream has blank lines.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crownest_tui.api.events import (
    KNOWN_EVENT_TYPES,
    BadPayload,
    BaseEvent,
    EventPage,
    UnknownEvent,
    parse_event,
    parse_event_page,
    parse_events,
)
from crownest_tui.api.sse import SSEDecoder

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KNOWN_TYPES = sorted(KNOWN_EVENT_TYPES)
FIELDS = [
    "seq",
    "createdAt",
    "status",
    "receivedBytes",
    "sizeBytes",
    "data",
    "artifactId",
    "path",
    "error",
    "workspaceRun",
    "code",
    "message",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "queued", "running", "wsr_1", "art_x", "2026-01-01T00:00:00Z"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
# A hashable "type": the parser's own domain (strings, numbers, null, booleans).
hashable_types = (
    st.sampled_from(KNOWN_TYPES) | st.text(max_size=20) | st.integers() | st.none() | st.booleans()
)
huge_strings = st.integers(min_value=10_000, max_value=300_000).map(lambda n: "x" * n)


@st.composite
def event_like(draw: st.DrawFn, types: st.SearchStrategy[Any] = hashable_types) -> dict[str, Any]:
    """A dict that looks like an event: some known fields, wrong types, missing fields."""
    obj: dict[str, Any] = {}
    if draw(st.booleans()):
        obj["type"] = draw(types)
    if draw(st.booleans()):
        obj["seq"] = draw(st.integers(min_value=-5, max_value=2**64) | json_values)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        obj[name] = draw(json_values | huge_strings if name == "data" else json_values)
    obj.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
    return obj


def as_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode()


any_payload = (
    event_like().map(as_bytes)
    | json_values.map(as_bytes)
    | st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
)


def assert_outcome(result: object) -> None:
    assert isinstance(result, (BaseEvent, BadPayload)), type(result)
    if isinstance(result, BadPayload):
        assert result.reason.strip(), "a BadPayload says why"
        assert len(result.payload) <= 500
    if isinstance(result, UnknownEvent):
        assert result.type not in KNOWN_TYPES


@FUZZ
@given(event_like())
def test_parse_event_dict_gives_an_event_or_bad_payload(obj: dict[str, Any]) -> None:
    assert_outcome(parse_event(obj))


@FUZZ
@given(any_payload)
def test_parse_event_bytes_and_text_give_an_event_or_bad_payload(payload: bytes) -> None:
    assert_outcome(parse_event(payload))
    try:
        text = payload.decode()
    except UnicodeDecodeError:
        return
    assert_outcome(parse_event(text))


def smuggles(payload: bytes) -> bool:
    """Empty, or several JSON values joined by commas (see the test below)."""
    try:
        return len(json.loads(b"[" + payload + b"]")) != 1
    except (ValueError, RecursionError):
        return False


@FUZZ
@given(st.lists(any_payload.filter(lambda p: not smuggles(p)), max_size=8))
def test_parse_events_gives_one_outcome_per_payload(payloads: list[bytes]) -> None:
    results = parse_events(payloads)
    assert len(results) == len(payloads)
    for result in results:
        assert_outcome(result)


@FUZZ
@given(
    st.lists(event_like() | json_values, max_size=6),
    json_values,
    json_values,
)
def test_parse_event_page_gives_a_page_or_a_value_error(
    items: list[Any], has_more: Any, next_seq: Any
) -> None:
    body = as_bytes({"data": items, "hasMore": has_more, "nextSeq": next_seq})
    page = parse_event_page(body)
    assert isinstance(page, EventPage)
    assert len(page.events) + len(page.bad) == len(items)
    assert page.next_seq is None or isinstance(page.next_seq, int)
    for item in [*page.events, *page.bad]:
        assert_outcome(item)


@FUZZ
@given(json_values.map(as_bytes) | st.binary(max_size=300))
def test_parse_event_page_of_any_shape_never_raises_anything_but_value_error(
    content: bytes,
) -> None:
    try:
        page = parse_event_page(content)
    except ValueError as exc:
        assert str(exc).strip()
        return
    assert isinstance(page, EventPage)


def test_huge_payload_is_a_typed_event_and_a_bad_payload_is_capped() -> None:
    big = "y" * 5_000_000
    event = parse_event({"type": "stdout", "seq": 1, "data": big})
    assert isinstance(event, BaseEvent) and getattr(event, "data", "") == big
    bad = parse_event(b"{" + b"z" * 1_000_000)
    assert isinstance(bad, BadPayload) and len(bad.payload) == 500


# -- bugs found by this suite (the lead fixes the product code) -------------------------


@FUZZ
@given(event_like(types=st.lists(scalars, max_size=2) | st.dictionaries(st.text(), scalars)))
def test_parse_event_with_unhashable_type_field(obj: dict[str, Any]) -> None:
    obj["type"] = obj.get("type", [])
    obj["seq"] = 1
    assert_outcome(parse_event(obj))
    assert_outcome(parse_events([as_bytes(obj)])[0])
    page = parse_event_page(as_bytes({"data": [obj]}))
    assert len(page.bad) + len(page.events) == 1


@pytest.mark.parametrize(
    "payloads",
    [
        [b""],
        [b"  "],
        [b'{"type":"heartbeat","seq":1},{"type":"stdout","seq":2,"data":"injected"}'],
    ],
    ids=["empty", "blank", "two-in-one"],
)
def test_parse_events_gives_exactly_one_outcome_per_payload(payloads: list[bytes]) -> None:
    results = parse_events(payloads)
    assert len(results) == len(payloads)
    assert isinstance(results[-1], BadPayload)


NESTED = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
]


@pytest.mark.parametrize("payload", NESTED, ids=["array", "object"])
def test_parse_event_with_deep_nesting(payload: bytes) -> None:
    assert_outcome(parse_event(payload))
    assert_outcome(parse_events([payload])[0])


@pytest.mark.parametrize("payload", NESTED, ids=["array", "object"])
def test_parse_event_page_with_deep_nesting(payload: bytes) -> None:
    with pytest.raises(ValueError):
        parse_event_page(payload)


# -- the SSE decoder ---------------------------------------------------------------------

_LINE_END = re.compile(rb"\r\n|\r|\n")


def blank_lines(stream: bytes) -> int:
    """Complete empty lines in the stream (the last piece has no line end yet)."""
    lines = _LINE_END.split(stream)[:-1]
    return sum(1 for line in lines if not line)


sse_bytes = st.lists(
    st.sampled_from(
        [b"data:", b"data: ", b"id: 1", b"retry: 5", b"retry: x", b":c", b"event: e", b"data"]
    )
    | st.sampled_from([b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r", b"\n\n\n"])
    | st.binary(max_size=30),
    max_size=30,
).map(b"".join)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    data = draw(sse_bytes | st.binary(max_size=400))
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=10)))
    bounds = [0, *cuts, len(data)]
    # No empty chunks here: the test below covers them.
    return data, [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=400, deadline=None)
@given(chunked())
def test_sse_decoder_never_raises_nor_invents_events(case: tuple[bytes, list[bytes]]) -> None:
    data, chunks = case
    decoder = SSEDecoder()
    payloads: list[bytes] = []
    for chunk in chunks:
        out = decoder.feed(chunk)
        assert all(isinstance(p, bytes) for p in out)
        payloads += out
    assert len(payloads) <= blank_lines(data)
    decoder.reset()
    assert decoder.feed(b"data: {}\n\n") == [b"{}"]


def test_sse_decoder_empty_chunk_between_cr_and_lf() -> None:
    decoder = SSEDecoder()
    out = decoder.feed(b"data: 1\r") + decoder.feed(b"") + decoder.feed(b"\n")
    assert out == [], "one CRLF is one line end: the event is not finished yet"
    assert decoder.feed(b"\r\n") == [b"1"]


def test_sse_decoder_survives_a_huge_line_without_line_end() -> None:
    decoder = SSEDecoder()
    for _ in range(50):
        assert decoder.feed(b"data: " + b"q" * 100_000) == []
    assert decoder.feed(b"\n\n") != []
