"""Unreadable events are counted and reported once, live or from a replay page."""

from __future__ import annotations

import random
from typing import Any

from crownest_tui.api import StreamState
from crownest_tui.text.format import stream_summary
from tests.api.scripted_server import CREATED, Misbehaviour, ScriptedRun, make_events
from tests.api.test_stream import collect, faulty, transcript

BAD_SEQ = 10


def with_bad_event(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` events whose seq 10 is a stdout event without its data; and the rest."""
    events = make_events(count, random.Random(21))
    events[BAD_SEQ - 1] = {"type": "stdout", "seq": BAD_SEQ, "createdAt": CREATED}
    readable = [e for e in events if e["seq"] != BAD_SEQ]
    return events, readable


async def test_a_bad_live_event_is_counted_once_and_not_back_filled() -> None:
    events, readable = with_bad_event(30)
    run = ScriptedRun(events)
    async with faulty(run) as (_, client):
        got, status = await collect(client)
    assert transcript(got) == transcript(readable)
    assert status.bad_payloads == 1
    assert sum("unreadable event skipped" in n for n in status.notices) == 1
    assert run.replays == 0  # its seq was readable: no gap to fill
    assert status.state is StreamState.ENDED


async def test_a_bad_event_met_while_back_filling_is_counted() -> None:
    events, readable = with_bad_event(30)
    run = ScriptedRun(events, Misbehaviour(omit=frozenset({BAD_SEQ})))
    async with faulty(run) as (_, client):
        got, status = await collect(client)
    assert transcript(got) == transcript(readable)
    assert run.replays >= 1
    assert status.bad_payloads == 1
    assert sum("unreadable event skipped" in n for n in status.notices) == 1
    assert "1 unreadable" in stream_summary(status)


async def test_a_bad_event_met_while_draining_a_finished_run_is_counted() -> None:
    events, readable = with_bad_event(30)
    # The live stream stops before the bad event and never sends the terminal event:
    # the rest, the bad one included, comes from replay pages once the run is over.
    after_stop = frozenset(range(BAD_SEQ, 30))
    run = ScriptedRun(events, Misbehaviour(omit=after_stop, end_without_terminal=True))
    async with faulty(run) as (_, client):
        got, status = await collect(client)
    assert transcript(got) == transcript(readable)
    assert status.state is StreamState.ENDED
    assert status.bad_payloads == 1
    assert sum("unreadable event skipped" in n for n in status.notices) == 1
