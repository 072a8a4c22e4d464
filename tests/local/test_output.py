"""Output coalescing: bounded chunks, line-preferring cuts, order, UTF-8 safety."""

from __future__ import annotations

import asyncio
import json

from hypothesis import given
from hypothesis import strategies as st

from crownest_tui.local.contract import event_json, json_string, output_event_json
from crownest_tui.local.output import OutputCoalescer, split_chunks


def as_text(chunk: str | bytes) -> str:
    """A chunk the coalescer sent (ASCII output comes as bytes) as text."""
    return chunk if isinstance(chunk, str) else chunk.decode("ascii")


def test_split_prefers_line_ends_and_bounds_size() -> None:
    text = "".join(f"line {i:05d}\n" for i in range(2000))
    chunks, rest = split_chunks(text, 1000)
    assert all(len(c) <= 1000 for c in chunks)
    assert all(c.endswith("\n") for c in chunks)
    assert "".join(chunks) + rest == text


def test_split_cuts_a_long_line_at_the_bound() -> None:
    chunks, rest = split_chunks("x" * 2500, 1000)
    assert [len(c) for c in chunks] == [1000, 1000]
    assert rest == "x" * 500


async def test_coalescer_keeps_order_bounds_and_utf8() -> None:
    got: list[tuple[str, str]] = []
    out = OutputCoalescer(
        lambda s, chunks: got.extend((s, as_text(c)) for c in chunks), max_chars=64
    )
    snow = "☃".encode()
    out.feed("stdout", b"a" * 10 + snow[:1])
    out.feed("stdout", snow[1:] + b"b\n")
    out.feed("stderr", b"warn\n")
    out.feed("stdout", b"y" * 200)
    out.close()
    assert got[0] == ("stdout", "a" * 10 + "☃b\n")
    assert got[1] == ("stderr", "warn\n")
    assert "".join(c for s, c in got[2:]) == "y" * 200
    assert all(len(c) <= 64 for _, c in got)


async def test_small_writes_coalesce_within_the_window() -> None:
    got: list[str] = []
    out = OutputCoalescer(lambda s, chunks: got.extend(map(as_text, chunks)), window=0.05)
    for i in range(100):
        out.feed("stdout", f"{i}\n".encode())
    assert got == []
    await asyncio.sleep(0.1)
    assert len(got) == 1
    assert got[0].count("\n") == 100


async def test_a_partial_line_waits_one_window_for_its_end() -> None:
    got: list[str] = []
    out = OutputCoalescer(lambda s, chunks: got.extend(map(as_text, chunks)), window=0.03)
    out.feed("stdout", b"done 1\nprogress: 5")
    await asyncio.sleep(0.045)
    assert got == ["done 1\n"]
    out.feed("stdout", b"0%\n")
    await asyncio.sleep(0.1)
    assert got == ["done 1\n", "progress: 50%\n"]
    out.feed("stdout", b"prompt> ")
    await asyncio.sleep(0.1)
    assert got[-1] == "prompt> "  # sent anyway once it has waited


def test_output_events_are_written_as_event_json_writes_them() -> None:
    tricky = ['a "quoted" \\ back\tslash\r\n', "\x1b[31mred\x00\x7f", "é ☃ \u2028 😀"]
    for data in ["plain\n", *tricky]:
        made = output_event_json("stderr", 7, data, "2025-01-02T03:04:05.678Z")
        assert made == event_json("stderr", 7, {"data": data}, "2025-01-02T03:04:05.678Z")


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=0x80)))
def test_json_strings_are_written_as_json_dumps_writes_them(text: str) -> None:
    assert json_string(text) == json.dumps(text, ensure_ascii=False)
