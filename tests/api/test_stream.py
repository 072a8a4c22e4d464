"""The event stream engine against a real loopback server, through a fault proxy."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from crownest_tui.api import (
    Backoff,
    CrowNestClient,
    CrowNestError,
    RunEvent,
    StreamOptions,
    StreamState,
    StreamStatus,
)
from crownest_tui.api.events import HeartbeatEvent, StderrEvent, StdoutEvent, UnknownEvent
from crownest_tui.text.format import stream_summary
from tests.api.scripted_server import RUN_ID, Misbehaviour, ScriptedRun, make_events
from tests.faultproxy import FaultPlan, FaultProxy
from tests.support import serve_app

FAST = StreamOptions(stall_timeout=0.3, backoff=Backoff(base=0.005, cap=0.02, first=0.0))


def transcript(events: list[Any]) -> list[tuple[int, str, str]]:
    """(seq, type, data) of every delivered non-heartbeat event."""
    out = []
    for e in events:
        if isinstance(e, dict):
            out.append((e["seq"], e["type"], e.get("data", "")))
        elif not isinstance(e, HeartbeatEvent):
            out.append((e.seq, e.type, getattr(e, "data", "")))
    return out


async def collect(client: CrowNestClient, **kwargs: Any) -> tuple[list[RunEvent], StreamStatus]:
    stream = client.stream_events(RUN_ID, options=kwargs.pop("options", FAST), **kwargs)
    got = [event async for event in stream]
    return got, stream.status


def client_for(url: str) -> CrowNestClient:
    return CrowNestClient(
        api_key="cn_test_secret",
        base_url=url,
        backoff=Backoff(base=0.005, cap=0.02),
        max_attempts=50,
        stream_options=FAST,
    )


@contextlib.asynccontextmanager
async def faulty(
    run: ScriptedRun, plan: FaultPlan | None = None, seed: int = 1
) -> AsyncIterator[tuple[FaultProxy, CrowNestClient]]:
    """The scripted server behind a fault proxy, and a client pointed at the proxy."""
    async with (
        serve_app(run.app()) as port,
        FaultProxy(port, plan or FaultPlan.calm(), seed=seed) as proxy,
        client_for(proxy.url) as client,
    ):
        yield proxy, client


async def test_clean_stream_delivers_every_event_once() -> None:
    run = ScriptedRun(make_events(300, random.Random(1)))
    async with faulty(run) as (_, client):
        got, status = await collect(client)
    assert transcript(got) == transcript(run.events)
    assert status.state is StreamState.ENDED
    assert status.last_seq == 300
    assert status.reconnects == 0 and status.duplicates_dropped == 0
    assert status.final_run is not None and status.final_run.exit_code == 0
    assert any(isinstance(e, StderrEvent) for e in got)
    assert any(isinstance(e, StdoutEvent) for e in got)


async def test_over_500_cuts_the_transcript_is_exact() -> None:
    """Cuts at random byte offsets (mid-event too), old events replayed, events
    skipped (back-filled), heartbeats naming unseen seqs: nothing lost, nothing twice."""
    rng = random.Random(7)
    run = ScriptedRun(
        make_events(15_000, rng),
        Misbehaviour(replay_back=8, skip=0.01, heartbeat=0.02, max_chunk=2048, per_connection=200),
        seed=3,
    )
    plan = FaultPlan(cut=1.0, cut_bytes=(0, 5000))  # every connection is cut
    async with faulty(run, plan, seed=11) as (proxy, client):
        got, status = await collect(client)
        cuts = proxy.faults["cut"]
    assert cuts >= 500, cuts
    assert transcript(got) == transcript(run.events)
    seqs = [e.seq for e in got if not isinstance(e, HeartbeatEvent)]
    assert len(seqs) == len(set(seqs))
    assert status.state is StreamState.ENDED
    assert status.reconnects >= 300
    assert status.duplicates_dropped > 0
    assert status.gaps_filled > 0
    assert status.events_lost == 0


async def test_stalled_connections_are_resumed_by_the_watchdog() -> None:
    run = ScriptedRun(make_events(400, random.Random(2)))
    plan = FaultPlan(stall=1.0, cut_bytes=(2_000, 12_000))  # every connection stalls
    options = StreamOptions(stall_timeout=0.1, backoff=FAST.backoff)
    async with faulty(run, plan, seed=5) as (proxy, client):
        got, status = await collect(client, options=options)
        stalls = proxy.faults["stall"]
    assert stalls >= 2
    assert status.stalls >= 1
    assert transcript(got) == transcript(run.events)


async def test_429_503_html_502_and_garbage_are_weather() -> None:
    run = ScriptedRun(make_events(3_000, random.Random(3)))
    plan = FaultPlan(
        cut=0.4,
        canned={"http_429": 0.12, "http_503": 0.12, "html_502": 0.12, "garbage": 0.12},
        cut_bytes=(0, 30_000),
    )
    async with faulty(run, plan, seed=9) as (proxy, client):
        got, status = await collect(client)
        faults = dict(proxy.faults)
    assert all(faults.get(name, 0) > 0 for name in ("http_429", "http_503", "html_502")), faults
    assert transcript(got) == transcript(run.events)
    assert status.state is StreamState.ENDED


async def test_stream_gap_is_a_notice_and_the_stream_goes_on() -> None:
    run = ScriptedRun(make_events(200, random.Random(4)), Misbehaviour(oldest_seq=50))
    async with faulty(run) as (_, client):
        got, status = await collect(client, after_seq=10)
    assert got[0].seq == 50
    assert transcript(got) == transcript(run.events[49:])
    assert status.events_lost == 39  # seqs 11..49 are gone
    assert any("lost events" in n for n in status.notices)
    assert status.state is StreamState.ENDED


@pytest.mark.parametrize("code", [401, 403, 404])
async def test_final_http_errors_stop_the_stream(code: int) -> None:
    run = ScriptedRun(make_events(10, random.Random(5)), status=code)
    async with faulty(run) as (_, client):
        stream = client.stream_events(RUN_ID)
        with pytest.raises(CrowNestError) as info:
            async for _ in stream:
                pass
    assert info.value.status == code
    assert stream.status.state is StreamState.FAILED
    assert stream.status.error is info.value


async def test_resume_after_the_last_event_of_a_finished_run_ends() -> None:
    run = ScriptedRun(make_events(20, random.Random(6)))
    async with faulty(run) as (_, client):
        got, status = await collect(client, after_seq=20)
    assert got == []
    assert status.state is StreamState.ENDED
    assert status.final_run is not None


async def test_a_server_that_never_sends_terminal_is_drained_and_ends() -> None:
    run = ScriptedRun(make_events(50, random.Random(6)), Misbehaviour(end_without_terminal=True))
    async with faulty(run) as (_, client):
        got, status = await collect(client)
    # The live stream never sends the terminal event; the replay page does.
    assert transcript(got) == transcript(run.events)
    assert status.state is StreamState.ENDED


async def test_unknown_event_types_are_kept() -> None:
    events = make_events(5, random.Random(8))
    events.insert(2, {"type": "future_thing", "seq": 3, "createdAt": "2026-11-28T10:00:00Z"})
    for seq, event in enumerate(events, start=1):
        event["seq"] = seq
    run = ScriptedRun(events)
    async with faulty(run) as (_, client):
        got, _ = await collect(client)
    unknown = [e for e in got if isinstance(e, UnknownEvent)]
    assert len(unknown) == 1 and unknown[0].type == "future_thing"
    assert unknown[0].raw["type"] == "future_thing"


async def test_status_listener_sees_the_life_of_the_stream() -> None:
    run = ScriptedRun(make_events(500, random.Random(9)))
    states: list[StreamState] = []
    plan = FaultPlan(cut=1.0, cut_bytes=(3000, 10_000))
    async with faulty(run, plan, seed=2) as (_, client):
        stream = client.stream_events(RUN_ID)
        stream.add_listener(lambda s: states.append(s.state))
        async for _ in stream:
            pass
    assert states[0] is StreamState.CONNECTING
    assert StreamState.LIVE in states and StreamState.RECONNECTING in states
    assert states[-1] is StreamState.ENDED
    assert "lost" in stream_summary(stream.status)


async def test_reconnect_now_skips_a_long_backoff() -> None:
    run = ScriptedRun(make_events(100, random.Random(10)))
    slow = StreamOptions(stall_timeout=5, backoff=Backoff(base=30, cap=30, first=30))
    reconnecting = asyncio.Event()
    async with faulty(run, FaultPlan(canned={"http_503": 1.0})) as (proxy, client):
        stream = client.stream_events(RUN_ID, options=slow)
        stream.add_listener(
            lambda s: reconnecting.set() if s.state is StreamState.RECONNECTING else None
        )
        task = asyncio.create_task(_drain(stream))
        await asyncio.wait_for(reconnecting.wait(), 10)
        assert (stream.status.retry_in() or 0) > 20
        proxy.plan = FaultPlan.calm()
        stream.reconnect_now()
        got = await asyncio.wait_for(task, 10)
    assert transcript(got) == transcript(run.events)


async def test_consumer_stopping_closes_the_stream() -> None:
    run = ScriptedRun(make_events(1000, random.Random(11)))
    async with faulty(run) as (_, client):
        async with client.stream_events(RUN_ID) as stream:
            async for event in stream:
                if event.seq >= 10:
                    break
        assert stream.status.state is StreamState.CLOSED
        # Resuming from the event the consumer stopped at gives the rest, exactly.
        rest, status = await collect(client, after_seq=10)
    assert transcript(rest) == transcript(run.events[10:])
    assert status.duplicates_dropped == 0


async def _drain(stream: Any) -> list[RunEvent]:
    return [event async for event in stream]
