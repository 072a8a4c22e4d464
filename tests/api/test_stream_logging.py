"""The event stream says on ``crownest_tui.api.stream`` what it goes through.

Over real loopback, against the scripted server: connects and resumes with
``afterSeq``, connections that end early, stalls, gaps back-filled from replay,
duplicates dropped, a ``stream_gap``, a final 403, and the end. These are the lines a
developer reads in ``--debug`` logs to diagnose a flaky tail.
"""

from __future__ import annotations

import logging
import random
import re

import pytest

from crownest_tui.api import CrowNestError, StreamState
from tests.api.scripted_server import RUN_ID, Misbehaviour, ScriptedRun, make_events
from tests.api.test_stream import collect, faulty
from tests.api.test_unary_stall import ScriptedFaults


def stream_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "crownest_tui.api.stream"]


@pytest.fixture(autouse=True)
def capture_stream(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="crownest_tui")


async def test_reconnects_gaps_and_duplicates_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mis = Misbehaviour(per_connection=40, skip=0.05, replay_back=5)
    run = ScriptedRun(make_events(200, random.Random(3)), mis, seed=3)
    async with faulty(run) as (_, client):
        _, status = await collect(client)
    assert status.state is StreamState.ENDED and status.reconnects >= 4
    lines = stream_lines(caplog)
    assert lines[0] == f"{RUN_ID}: connecting (stream=true)"
    assert f"{RUN_ID}: live (HTTP 200)" in lines
    resumes = [
        line
        for line in lines
        if re.fullmatch(rf"{RUN_ID}: connecting \(stream=true, afterSeq=\d+\)", line)
    ]
    assert len(resumes) == status.reconnects
    ended = [line for line in lines if "connection ended after seq" in line]
    assert len(ended) == status.reconnects
    assert all("the server closed the stream; reconnect" in line for line in ended)
    assert status.gaps_filled and any("events back-filled from replay" in line for line in lines)
    assert status.duplicates_dropped and any("duplicate events dropped" in line for line in lines)
    assert f"{RUN_ID}: ended at seq 200 (terminal event)" in lines[-2:]


async def test_a_stall_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    run = ScriptedRun(make_events(50, random.Random(4)))
    plan = ScriptedFaults(script=["stall"], cut_bytes=(300, 300), stall_seconds=3600)
    async with faulty(run, plan) as (proxy, client):
        _, status = await collect(client)
    assert proxy.faults["stall"] and status.stalls
    lines = stream_lines(caplog)
    assert any(line == f"{RUN_ID}: stalled, no data for 0.3 s" for line in lines)
    assert any("no data for 0.3s; reconnecting; reconnect" in line for line in lines)


async def test_a_stream_gap_and_a_final_error_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = ScriptedRun(make_events(30, random.Random(5)), Misbehaviour(oldest_seq=10))
    async with faulty(run) as (_, client):
        _, status = await collect(client, after_seq=2)
    assert status.events_lost
    lines = stream_lines(caplog)
    assert any(f"{RUN_ID}: server lost events after seq 2: gone" == line for line in lines)
    assert any(re.fullmatch(rf"{RUN_ID}: \d+ events lost \(seq \d+ to \d+\)", x) for x in lines)

    caplog.clear()
    run = ScriptedRun(make_events(10, random.Random(6)), status=403)
    async with faulty(run) as (_, client):
        with pytest.raises(CrowNestError):
            await collect(client)
    assert stream_lines(caplog)[-1] == f"{RUN_ID}: failed: no [forbidden]"
