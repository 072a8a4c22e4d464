"""A transport failure names the origin it could not reach: the origin only, never a
path, a query or the credential (issue 12, point 13)."""

from __future__ import annotations

import asyncio

import pytest

from crownest_tui.api import Backoff, CrowNestClient, CrowNestError, StreamOptions, StreamState
from crownest_tui.api.errors import CONNECTION_ERROR

KEY = "cn_test_secret_key"
NOWHERE = "http://127.0.0.1:9"  # nobody listens on the discard port
ONCE = StreamOptions(stall_timeout=1.0, backoff=Backoff(base=30, cap=30, first=30))


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [(NOWHERE, NOWHERE), (f"{NOWHERE}/api/prefix", NOWHERE), ("http://[::1]:9", "http://[::1]:9")],
)
async def test_a_connection_error_names_the_origin_only(base_url: str, origin: str) -> None:
    async with CrowNestClient(KEY, base_url, max_attempts=1) as client:
        with pytest.raises(CrowNestError) as info:
            await client.list_runs(status="failed", limit=3)
    error = info.value
    assert (error.code, error.status, error.origin) == (CONNECTION_ERROR, None, origin)
    assert error.message.startswith(f"Connection problem with {origin}: ")
    for leak in (KEY, "/v1", "/api", "status=", "limit="):
        assert leak not in error.message and leak not in str(error)


async def test_the_stream_says_which_origin_it_cannot_reach() -> None:
    async with CrowNestClient(KEY, NOWHERE, max_attempts=1) as client:
        stream = client.stream_events("wsr_abc", options=ONCE)
        reconnecting = stream.batches()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.0):  # it waits 30 s before its next try
                await anext(reconnecting)
        await stream.aclose()
    assert stream.status.state is StreamState.CLOSED
    assert stream.status.problem is not None
    assert stream.status.problem.startswith(f"Connection problem with {NOWHERE}: ")
