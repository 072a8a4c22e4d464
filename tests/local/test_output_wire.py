"""Output events on the wire are the same bytes whichever way the backend made them.

ASCII output goes from the pipe to SQLite and the streams as bytes, everything else as
text; these tests hold both to what the text-only path wrote (``event_json`` of the
decoded text, cut as :func:`split_chunks` cuts it): in process against a reference of
that path, and through real HTTP (replay pages, SSE replay and the live stream) for runs
of mixed output cut mid-character.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from crownest_tui.local.capture import FrameDecoder
from crownest_tui.local.contract import dumps, event_json
from crownest_tui.local.hub import EventHub
from crownest_tui.local.output import OutputCoalescer, split_chunks
from crownest_tui.local.relay import frame
from crownest_tui.local.store import Store

from .support import all_events, start_run, wait_for

CREATED = "2025-01-02T03:04:05.678Z"
#: Pieces output is made of: plain ASCII lines, what JSON escapes, multibyte UTF-8,
#: bytes that are not UTF-8, and a character cut in two.
PIECES = [
    b"line 0001 compiling src/unit.c ok\n",
    b"x" * 90,
    b'a "quoted" \\ back\\slash\n',
    b"\x1b[31mred\x1b[0m\r\tprogress\x00\x7f\n",
    "é ☃ \u2028 😀 done\n".encode(),
    b"\xff\xfe bad \xc3(\n",
    "☃".encode()[:2],
    "😀".encode()[1:],
]
feeds = st.lists(
    st.tuples(
        st.sampled_from(["stdout", "stderr"]),
        st.lists(st.sampled_from(PIECES) | st.binary(max_size=40), max_size=8).map(b"".join),
    ),
    max_size=30,
)


def reference_events(writes: list[tuple[str, bytes]], max_chars: int) -> list[str]:
    """The events the text-only path made of ``writes`` (no window closing between)."""
    decoders = {
        name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")
    }
    chunks: list[tuple[str, str]] = []
    current, held = "stdout", ""

    def add(stream: str, text: str) -> None:
        nonlocal current, held
        if stream != current:
            if held:
                chunks.append((current, held))
            current, held = stream, ""
        held += text
        if len(held) >= max_chars:
            cut, held = split_chunks(held, max_chars)
            chunks.extend((stream, c) for c in cut)

    for stream, data in writes:
        if text := decoders[stream].decode(data):
            add(stream, text)
    for stream, decoder in decoders.items():
        if tail := decoder.decode(b"", final=True):
            add(stream, tail)
    if held:
        chunks.append((current, held))
    return [
        event_json(kind, seq, {"data": text}, CREATED) for seq, (kind, text) in enumerate(chunks, 1)
    ]


def captured_events(writes: list[tuple[str, bytes]], max_chars: int, read: int) -> list[str]:
    """What the backend stores of ``writes``, framed as the relay frames them and read
    ``read`` bytes at a time, as the replay pages return it."""

    async def capture(store: Store) -> None:
        hub = EventHub(store)
        out = OutputCoalescer(lambda s, c: hub.emit_many("wsr_1", s, c), max_chars=max_chars)
        decoder = FrameDecoder(out.feed)
        framed = b"".join(frame(1 if s == "stdout" else 2, data) for s, data in writes if data)
        for start in range(0, len(framed), read):
            decoder.feed(framed[start : start + read])
        out.close()
        hub.close()

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "db.sqlite")
        asyncio.run(capture(store))
        bodies = [body for _, body in store.event_bodies("wsr_1", 0, 100_000)]
        store.close()
    return bodies


@settings(max_examples=150, deadline=None)
@given(feeds, st.sampled_from([16, 64, 8192]), st.integers(1, 200))
def test_stored_events_are_the_text_paths_to_the_byte(
    writes: list[tuple[str, bytes]], max_chars: int, read: int
) -> None:
    got = [_same_time(body) for body in captured_events(writes, max_chars, read)]
    assert got == reference_events(writes, max_chars)


def _same_time(body: str) -> str:
    """The body with the reference's ``createdAt`` (each batch has the time it was made)."""
    event = json.loads(body)
    assert body == dumps(event)
    return dumps({**event, "createdAt": CREATED})


WRITER = r"""
import os, sys, time
data = open("output.bin", "rb").read()
cuts = [int(n) for n in open("cuts.txt").read().split()]
at = 0
for i, cut in enumerate(cuts):
    os.write(1 if i % 3 else 2, data[at:cut])
    at = cut
    if i % 50 == 0:
        time.sleep(0.03)
os.write(1, data[at:])
"""


def mixed_output() -> tuple[bytes, list[int]]:
    """About 2 MB of mixed output, and where the run cuts its writes (mid-character too)."""
    block = b"".join(PIECES) * 40 + b"".join(f"line {i:06d} ok\n".encode() for i in range(2000))
    data = block * 30
    return data, list(range(997, len(data), 7919))


async def sse_bodies(http: httpx.AsyncClient, run_id: str) -> list[bytes]:
    """The ``data:`` payload of every event frame of the run's stream, as sent."""
    bodies: list[bytes] = []
    url = f"/v1/workspace-runs/{run_id}/events"
    async with http.stream("GET", url, params={"afterSeq": 0, "stream": "true"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_bytes()])
    for block in raw.split(b"\n\n"):
        for line in block.split(b"\n"):
            if line.startswith(b"data: ") and b'"type":"heartbeat"' not in line:
                bodies.append(line[len(b"data: ") :])
    return bodies


async def page_bodies(http: httpx.AsyncClient, run_id: str) -> list[bytes]:
    """Every stored event as the replay pages send it (each page rebuilt from its items
    with the stored form's serialiser must be the page as sent)."""
    bodies: list[bytes] = []
    after = 0
    while True:
        response = await http.get(
            f"/v1/workspace-runs/{run_id}/events", params={"afterSeq": after, "limit": 500}
        )
        page: dict[str, Any] = response.json()
        items = [dumps(event).encode() for event in page["data"]]
        more = "true" if page["hasMore"] else "false"
        rebuilt = (
            b'{"data":['
            + b",".join(items)
            + b"],"
            + f'"hasMore":{more},"nextSeq":{page["nextSeq"]}}}'.encode()
        )
        assert response.content == rebuilt
        bodies += items
        after = page["nextSeq"]
        if not page["hasMore"]:
            return bodies


async def test_mixed_output_reaches_every_reader_as_the_text_path_wrote_it(
    mode_http: httpx.AsyncClient,
) -> None:
    data, cuts = mixed_output()
    files: dict[str, str | bytes] = {
        "output.bin": data,
        "cuts.txt": " ".join(map(str, cuts)),
        "w.py": WRITER,
    }
    run = await start_run(mode_http, "python3 w.py", files)
    live = asyncio.ensure_future(sse_bodies(mode_http, run["id"]))
    assert (await wait_for(mode_http, run["id"], within=60))["status"] == "succeeded"
    followed = await live
    pages = await page_bodies(mode_http, run["id"])
    assert followed == pages  # the live stream sent the stored bytes
    assert await sse_bodies(mode_http, run["id"]) == pages  # and so does its replay
    events = await all_events(mode_http, run["id"])
    for event in events:
        if event["type"] in ("stdout", "stderr"):
            assert len(event["data"]) <= 8192
            assert dumps(event) == event_json(
                event["type"], event["seq"], {"data": event["data"]}, event["createdAt"]
            )
    streams = {"stdout": b"", "stderr": b""}
    at = 0
    for i, cut in enumerate([*cuts, len(data)]):
        streams["stderr" if i % 3 == 0 and i < len(cuts) else "stdout"] += data[at:cut]
        at = cut
    for name, written in streams.items():
        text = "".join(e["data"] for e in events if e["type"] == name)
        assert text == written.decode("utf-8", "replace"), name
