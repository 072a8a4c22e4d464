"""Leave a run's event stream early, then wait (run by test_stream_leaving.py).

``python -W error -X dev leave_stream.py URL TOKEN RUN_ID HOW CLOSE THEN``: follows the run
through ``URL``, takes one event and leaves the loop as ``HOW`` says (break, return,
raise, cancel; ``-batches`` iterates ``batches()`` instead of events), with ``CLOSE``
= none (nothing), with (``async with stream``) or aclose (``await stream.aclose()``).
Then it prints ``left`` and, with ``THEN`` = wait, waits for a line on stdin before it
exits, so the test can check that the connection closed while the program was still
running; with ``THEN`` = exit it ends at once (the loop shuts down right away).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterable
from typing import Any

from crownest_tui.api import CrowNestClient, EventStream


class Leave(Exception):
    pass


async def take_one(stream: EventStream, how: str, started: asyncio.Event) -> None:
    source: AsyncIterable[Any] = stream.batches() if how.endswith("-batches") else stream
    async for _ in source:
        started.set()
        if how.startswith("break"):
            break
        if how.startswith("return"):
            return
        if how.startswith("raise"):
            raise Leave
        # "cancel": keep following until the task is canceled from outside


async def consume(stream: EventStream, how: str, close: str, started: asyncio.Event) -> None:
    if close == "with":
        async with stream:
            await take_one(stream, how, started)
    elif close == "aclose":
        try:
            await take_one(stream, how, started)
        finally:
            await stream.aclose()
    else:
        await take_one(stream, how, started)


async def main(url: str, token: str, run_id: str, how: str, close: str, then: str) -> None:
    # Debug mode flags slow callbacks; on a loaded test machine that is not a finding.
    asyncio.get_running_loop().slow_callback_duration = 60
    async with CrowNestClient(token, url) as client:
        started = asyncio.Event()
        task = asyncio.create_task(consume(client.stream_events(run_id), how, close, started))
        if how.startswith("cancel"):
            await started.wait()
            task.cancel()
        await asyncio.wait([task])
        error = None if task.cancelled() else task.exception()
        if error is not None and not isinstance(error, Leave):
            raise error
        print("left", flush=True)
        if then == "wait":
            await asyncio.to_thread(sys.stdin.readline)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
