"""How fast ``stream_events`` turns a finished run's SSE stream into typed events.

A 200,000-event finished run on the local backend (filled through its test hook), read
once with ``CrowNestClient.stream_events`` (decode + dedupe + batch validation), and the
same bytes read by plain ``json.loads`` per payload for reference. Goal: at least
350,000 typed events/s on one core of this machine. Writes its figures to
``bench/out/stream_throughput.json`` and exits 1 when the goal is missed.

    .venv/bin/python bench/stream_throughput.py [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path

import httpx
from _support import Figures  # bench/ is the script's directory

from crownest_tui.api import CrowNestClient
from crownest_tui.api.events import StdoutEvent
from crownest_tui.local.process import start_local_backend

GOAL = 350_000


async def fill(url: str, token: str, count: int) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as http:
        created = await http.post("/v1/workspace-runs", json={"command": "bench"})
        run_id: str = created.json()["workspaceRun"]["id"]
        line = "building module 0042 of the frontend bundle: ok "
        await http.post(
            "/v1/_test/bulk-events", json={"runId": run_id, "count": count, "line": line}
        )
    return run_id


async def raw_stream(url: str, token: str, run_id: str) -> bytes:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300) as http:
        response = await http.get(f"/v1/workspace-runs/{run_id}/events?stream=true")
        return response.content


async def typed_rate(url: str, token: str, run_id: str) -> tuple[int, float, int]:
    async with CrowNestClient(token, url) as client:
        start = time.perf_counter()
        count = 0
        sample = None
        async for batch in client.stream_events(run_id).batches():
            count += len(batch)
            sample = batch[len(batch) // 2] if len(batch) > 100 else sample
        seconds = time.perf_counter() - start
        assert isinstance(sample, StdoutEvent) and sample.data.endswith("\n")
        return count, seconds, sample.seq


def json_rate(raw: bytes) -> tuple[int, float]:
    payloads = re.findall(rb"^data: (.*)$", raw, re.M)
    start = time.perf_counter()
    for payload in payloads:
        json.loads(payload)
    return len(payloads), time.perf_counter() - start


async def main(events: int) -> int:
    figures = Figures.of(__file__)
    with (
        tempfile.TemporaryDirectory() as state,
        start_local_backend(Path(state), extra_args=["--test-hooks"]) as backend,
    ):
        run_id = await fill(backend.url, backend.token, events)
        raw = await raw_stream(backend.url, backend.token, run_id)
        best: tuple[int, float, int] | None = None
        for _ in range(3):
            result = await typed_rate(backend.url, backend.token, run_id)
            if best is None or result[1] < best[1]:
                best = result
        assert best is not None
        count, seconds, _ = best
        typed = count / seconds
        n_json, json_seconds = json_rate(raw)
        plain = n_json / json_seconds
        print(f"events in the run:               {count:,} ({len(raw) / 1e6:.1f} MB of SSE)")
        print(f"stream_events typed events/s:    {typed:,.0f}  (over HTTP, best of 3)")
        print(f"json.loads payloads/s (no HTTP): {plain:,.0f}")
        print(f"ratio typed / json.loads:        {typed / plain:.2f}")
        met = figures.at_least("stream_events, typed (over HTTP)", typed, GOAL, "events/s")
        figures.add("json.loads of the same payloads (no HTTP)", plain, "payloads/s")
        print(f"goal >= {GOAL:,} typed events/s:  {'meets' if met else 'MISSES'}")
    return figures.finish()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    raise SystemExit(asyncio.run(main(parser.parse_args().events)))
