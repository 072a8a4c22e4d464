"""The live SSE stream: framing, resume with afterSeq, heartbeats, ends, replay pages."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx

from .support import all_events, output_of, run_to_end, start_run, wait_for

FRAME = re.compile(r"id: (\d+)\ndata: (\{.*\})\n\n")


async def _stream(
    http: httpx.AsyncClient, run_id: str, after: int | None = None, stop_after: int | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Events from one SSE connection; (events, ended by the server)."""
    params: dict[str, str | int] = {"stream": "true"}
    if after is not None:
        params["afterSeq"] = after
    events: list[dict[str, Any]] = []
    buffer = ""
    async with http.stream("GET", f"/v1/workspace-runs/{run_id}/events", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for text in response.aiter_text():
            buffer += text
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                match = FRAME.fullmatch(frame + "\n\n")
                assert match, frame
                event = json.loads(match.group(2))
                assert int(match.group(1)) == event["seq"]
                events.append(event)
            if (
                stop_after is not None
                and sum(e["type"] != "heartbeat" for e in events) >= stop_after
            ):
                return events, False
    assert buffer == ""
    return events, True


async def test_resume_with_after_seq_is_exact(http: httpx.AsyncClient) -> None:
    run = await start_run(http, "for i in 1 2 3 4 5 6; do echo line $i; sleep 0.1; done")
    first, ended = await _stream(http, run["id"], stop_after=6)
    assert not ended
    stored = [e for e in first if e["type"] != "heartbeat"]
    last = stored[-1]["seq"]
    rest, ended = await _stream(http, run["id"], after=last)
    assert ended
    seqs = [e["seq"] for e in stored + rest if e["type"] != "heartbeat"]
    assert seqs == list(range(1, len(seqs) + 1))
    assert rest[-1]["type"] == "terminal"
    text = output_of(stored + rest)
    assert text == "".join(f"line {i}\n" for i in range(1, 7))


async def test_heartbeats_carry_the_last_seq(http: httpx.AsyncClient) -> None:
    run = await start_run(http, "echo begin; sleep 20")
    await wait_for(http, run["id"], lambda r: r["status"] == "running")
    started = time.monotonic()
    params: dict[str, str | int] = {"stream": "true", "afterSeq": 0}
    heartbeats: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    async with http.stream(
        "GET", f"/v1/workspace-runs/{run['id']}/events", params=params
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                (heartbeats if event["type"] == "heartbeat" else stored).append(event)
                if len(heartbeats) == 2:
                    break
    assert time.monotonic() - started < 5
    assert all(h["seq"] == stored[-1]["seq"] for h in heartbeats)
    assert "createdAt" in heartbeats[0]
    await http.post(f"/v1/workspace-runs/{run['id']}/cancel")
    stored_after = await all_events(http, run["id"])
    assert all(e["type"] != "heartbeat" for e in stored_after)  # never stored


async def test_finished_run_replays_and_closes(http: httpx.AsyncClient) -> None:
    run = await run_to_end(http, "seq 1 50")
    events, ended = await _stream(http, run["id"])
    assert ended and events[-1]["type"] == "terminal"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    middle = events[len(events) // 2]["seq"]
    tail, ended = await _stream(http, run["id"], after=middle)
    assert ended and [e["seq"] for e in tail] == list(range(middle + 1, len(events) + 1))
    started = time.monotonic()
    nothing, ended = await _stream(http, run["id"], after=events[-1]["seq"])
    assert ended and nothing == [] and time.monotonic() - started < 2


async def test_replay_pages(http: httpx.AsyncClient) -> None:
    run = await run_to_end(http, "seq 1 20")
    everything = await all_events(http, run["id"])
    url = f"/v1/workspace-runs/{run['id']}/events"
    page = (await http.get(url, params={"afterSeq": 2, "limit": 3})).json()
    assert [e["seq"] for e in page["data"]] == [3, 4, 5]
    assert page["hasMore"] is True and page["nextSeq"] == 5
    last = everything[-1]["seq"]
    page = (await http.get(url, params={"afterSeq": last - 1, "limit": 3})).json()
    assert [e["seq"] for e in page["data"]] == [last]
    assert page["hasMore"] is False and page["nextSeq"] == last
    page = (await http.get(url, params={"afterSeq": last})).json()
    assert page == {"data": [], "hasMore": False, "nextSeq": last}


async def test_large_output_is_complete_and_chunked(http: httpx.AsyncClient) -> None:
    count = 200_000
    run = await start_run(http, f"seq 1 {count}; echo done >&2")
    live, ended = await _stream(http, run["id"])
    assert ended and live[-1]["type"] == "terminal"
    assert live[-1]["workspaceRun"]["status"] == "succeeded"
    text = output_of(live)
    assert text == "".join(f"{i}\n" for i in range(1, count + 1))
    chunks = [e["data"] for e in live if e["type"] == "stdout"]
    assert max(len(c) for c in chunks) <= 8192
    assert sum(c.endswith("\n") for c in chunks) >= len(chunks) - 2  # cut at line ends
    assert output_of(live, "stderr") == "done\n"
    assert [e["seq"] for e in live] == list(range(1, len(live) + 1))
    assert live == await all_events(http, run["id"])
