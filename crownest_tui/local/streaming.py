"""Run events over HTTP: the replay page and the live SSE stream.

The live stream sends the stored events after ``afterSeq`` (from disk while the
subscriber is behind the in-memory window, then from memory), then new ones as they
are emitted, a heartbeat after every idle ``heartbeat`` seconds, and ends after the
``terminal`` event. For a run already terminal it replays what is left and ends
(sending nothing if nothing is left). Frames are pre-serialised text sent in large
writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from ..api.models import is_terminal
from .backend import Backend
from .contract import EVENTS_LIMIT_DEFAULT, heartbeat_frame, sse_frames
from .endpoint import Call, json_response
from .routes_runs import run_id_of
from .validation import int_param, page_limit

#: Stored events read and sent per write: small enough that reading the next batch
#: overlaps the client reading this one (one 20k batch left both sides taking turns).
BATCH = 2_000
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


async def replay_frames(backend: Backend, run_id: str, after: int) -> AsyncIterator[bytes]:
    """Every stored event after ``after`` as SSE frames."""
    await backend.hub.drain()
    while True:
        text, after, count = backend.store.event_frames(run_id, after, BATCH)
        if count:
            yield text.encode()
        if count < BATCH:
            return


async def live_frames(backend: Backend, run_id: str, after: int) -> AsyncIterator[bytes]:
    hub, store = backend.hub, backend.store
    cursor = after
    while not hub.stopping:
        channel = hub.live(run_id)
        if channel is None:
            if is_terminal(backend.run(run_id).status):
                async for chunk in replay_frames(backend, run_id, cursor):
                    yield chunk
                return
            channel = hub.channel(run_id)
        events = channel.after(cursor, BATCH)
        if events is None:  # behind the memory window: these are on disk
            text, cursor, count = store.event_frames(run_id, cursor, BATCH)
            if count:
                yield text.encode()
            else:  # cannot happen while writes succeed; never spin on it
                await channel.wait(backend.settings.heartbeat)
            continue
        if events:
            yield sse_frames(events)
            cursor = events[-1][0]
            continue
        if channel.closed:
            return
        if not await channel.wait(backend.settings.heartbeat) and not hub.stopping:
            yield heartbeat_frame(channel.last_seq)


async def events(call: Call) -> Response:
    run_id = run_id_of(call)
    backend = call.backend
    backend.run(run_id)  # 404 before anything else
    query = call.request.query_params
    after = int_param(query.get("afterSeq"), "afterSeq", 0, 0, 2**62)
    if query.get("stream", "").lower() in ("true", "1"):
        return StreamingResponse(
            live_frames(backend, run_id, after),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    limit = page_limit(query.get("limit"), EVENTS_LIMIT_DEFAULT)
    await backend.hub.drain()
    rows = backend.store.event_bodies(run_id, after, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_seq = rows[-1][0] if rows else after
    data = ",".join(body for _, body in rows)
    more = "true" if has_more else "false"
    return json_response(f'{{"data":[{data}],"hasMore":{more},"nextSeq":{next_seq}}}')
