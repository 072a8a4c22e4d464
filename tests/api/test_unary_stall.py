"""A stalled unary request fails fast and is retried (issue 6, "stall watchdog").

A server (here the fault proxy in front of the local backend) that accepts the
connection and then sends nothing must not hold a GET for the whole client timeout:
the read-stall limit turns the silence into a retryable failure, and the retry, on a
fresh connection, gets the answer. Small limits are configured so nothing waits 10 s;
the outer ``asyncio.timeout`` only stops a broken build from hanging the suite.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from random import Random
from urllib.parse import urlsplit

import pytest

from crownest_tui.api import CrowNestClient, CrowNestError
from crownest_tui.api.errors import CONNECTION_ERROR
from crownest_tui.api.http import Timeouts
from crownest_tui.api.retry import Backoff
from crownest_tui.local.process import LocalBackendProcess
from tests.faultproxy import FaultPlan, FaultProxy

QUICK = Backoff(base=0.01, cap=0.02)
SAFETY = 20.0  # seconds: far above what a working build needs, far below 30 s per try


@dataclass
class ScriptedFaults(FaultPlan):
    """The faults of the next connections, in order; then every connection passes."""

    script: list[str] = field(default_factory=list)

    def draw(self, rng: Random) -> str:
        return self.script.pop(0) if self.script else "pass"


def port_of(backend: LocalBackendProcess) -> int:
    port = urlsplit(backend.url).port
    assert port is not None
    return port


def stalled_client(backend: LocalBackendProcess, url: str, **options: object) -> CrowNestClient:
    return CrowNestClient(
        backend.token,
        url,
        read_timeout=0.3,
        connect_timeout=2.0,
        backoff=QUICK,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("after_bytes", [0, 1, 120], ids=["silent", "one-byte", "mid-headers"])
async def test_a_stalled_get_is_retried_and_recovers(
    backend: LocalBackendProcess, after_bytes: int, caplog: pytest.LogCaptureFixture
) -> None:
    plan = ScriptedFaults(
        cut_bytes=(after_bytes, after_bytes), stall_seconds=3600, script=["stall", "stall"]
    )
    async with CrowNestClient(backend.token, backend.url) as direct:
        made = await direct.create_run(command="true")
    caplog.set_level(logging.DEBUG, logger="crownest_tui.api.http")
    async with (
        FaultProxy(port_of(backend), plan) as proxy,
        stalled_client(backend, proxy.url) as client,
        asyncio.timeout(SAFETY),
    ):
        run = await client.get_run(made.id)
    assert run.id == made.id, "the third try got the real answer"
    assert proxy.faults["stall"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    for number, text in enumerate(warnings, start=1):
        assert f"GET /v1/workspace-runs/{made.id} -> ReadTimeout after" in text
        assert f"(attempt {number}/5)" in text
        assert "the server sent nothing for 0.3 s" in text
        assert "retrying in" in text


async def test_a_server_that_always_stalls_gives_a_clear_error(
    backend: LocalBackendProcess,
) -> None:
    plan = FaultPlan(stall=1.0, cut_bytes=(0, 0), stall_seconds=3600)
    async with FaultProxy(port_of(backend), plan) as proxy:
        client = stalled_client(backend, proxy.url, max_attempts=3)
        async with client, asyncio.timeout(SAFETY):
            with pytest.raises(CrowNestError) as info:
                await client.get_run("wsr_" + "a" * 12)
    assert info.value.code == CONNECTION_ERROR
    assert info.value.status is None
    assert "sent nothing for 0.3 s" in info.value.message
    assert proxy.faults["stall"] == 3, "every try was made, each on a new connection"


async def test_a_stalled_mutation_is_retried_with_its_key_and_makes_one_run(
    backend: LocalBackendProcess,
) -> None:
    """The proxy forwards the POST, then holds the answer back: the server made the
    run but the client never heard. After ``timeout`` (a mutation's wait for its
    answer) the retry reuses the Idempotency-Key and gets that same run."""
    suite = uuid.uuid4().hex[:12]
    plan = ScriptedFaults(cut_bytes=(0, 0), stall_seconds=3600, script=["stall"])
    async with FaultProxy(port_of(backend), plan) as proxy:
        client = stalled_client(backend, proxy.url, timeout=1.0)
        async with client, asyncio.timeout(SAFETY):
            run = await client.create_run(command="true", metadata={"suite": suite})
            made = await client.list_runs(metadata={"suite": suite})
    assert proxy.faults["stall"] == 1
    assert [r.id for r in made.data] == [run.id]


def test_get_reads_have_the_short_limit_and_mutations_the_long_one() -> None:
    timeouts = Timeouts(connect=1, read=2, write=3, pool=4, mutation_read=5)
    get, post = timeouts.for_method("GET"), timeouts.for_method("post")
    assert (get.connect, get.read, get.write, get.pool) == (1, 2, 3, 4)
    assert post.read == 5
    client = CrowNestClient("cn_x", "http://127.0.0.1:9")
    assert client._requester.timeouts.read == 10.0
    assert client._requester.timeouts.connect == 5.0
