"""The event stream engine: exactly-once delivery of a run's events, for hours.

``EventStream`` follows ``GET …/events?stream=true`` and hides the network from its
consumer:

* it resumes with ``afterSeq=<last delivered seq>`` after anything that ends a
  connection before a ``terminal``/``error`` event: EOF, a reset, an HTTP error that may
  pass, or a *stall* (no bytes for ``stall_timeout`` seconds: a watchdog, not the read
  timeout, so a slow but live stream is never cut);
* events with ``seq`` at or below the last delivered one are dropped (counted);
* a jump in ``seq`` (or a heartbeat that names a seq we never saw) is back-filled from
  the replay endpoint before delivery goes on;
* a ``stream_gap`` error becomes a notice, and the stream goes on from the oldest event
  the server still has, counting what was lost;
* reconnects never give up while someone is listening: the first retry is immediate,
  then capped exponential backoff with jitter (reset on progress); 401/403/404 and
  other final 4xx answers stop it with the error;
* unreadable payloads, live or in a replay page, are skipped, counted and reported;
* leaving the ``async for`` early (break, return, an exception, a canceled task)
  closes the connection at once, with or without ``aclose()``, and quietly.

Its :class:`StreamStatus` (state, attempt, delay, last seq, counters) is observable via
``add_listener`` so a screen can always say what is happening.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import time
import weakref
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

import httpx

from .errors import INVALID_RESPONSE, STREAM_STALLED, CrowNestError
from .events import (
    ArchiveProgressEvent,
    ArtifactCollectedEvent,
    ArtifactErrorEvent,
    BadPayload,
    ErrorEvent,
    EventPage,
    HeartbeatEvent,
    RunEvent,
    StatusEvent,
    StderrEvent,
    StdoutEvent,
    TerminalEvent,
    UnknownEvent,
    parse_events,
)
from .http import QueryList, connection_error, error_from_response, is_retryable
from .models import WorkspaceRun
from .retry import Backoff
from .sse import SSEDecoder
from .trace import stream_log


class EventSource(Protocol):
    """What a stream needs of its client (a :class:`~.client.CrowNestClient`); a
    protocol, so this module does not import client.py, which imports it."""

    @property
    def http(self) -> httpx.AsyncClient: ...
    def _require_credential(self) -> None: ...
    async def get_run(self, run_id: str) -> WorkspaceRun: ...
    async def replay_events(
        self, run_id: str, *, after_seq: int | None = None, limit: int = ...
    ) -> EventPage: ...


STREAM_GAP = "stream_gap"


class StreamState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDED = "ended"  # a terminal event arrived (or the run is over and fully replayed)
    FAILED = "failed"  # a final error: 401/403/404, or an error event
    CLOSED = "closed"  # the consumer stopped listening


@dataclass(frozen=True)
class StreamOptions:
    """Tuning of the stream engine."""

    stall_timeout: float = 30.0
    backoff: Backoff = field(default_factory=lambda: Backoff(base=0.5, cap=15.0, first=0.0))
    replay_page_size: int = 500
    connect_timeout: float = 10.0


@dataclass(frozen=True)
class StreamStatus:
    """A snapshot of the stream's connection state and counters."""

    state: StreamState = StreamState.CONNECTING
    attempt: int = 0
    retry_delay: float | None = None
    retry_at: float | None = None  # time.monotonic() of the next try
    last_seq: int | None = None
    events_delivered: int = 0
    reconnects: int = 0
    duplicates_dropped: int = 0
    gaps_filled: int = 0
    events_lost: int = 0
    bad_payloads: int = 0
    stalls: int = 0
    problem: str | None = None  # why the last connection ended
    error: CrowNestError | None = None
    notices: tuple[str, ...] = ()
    final_run: WorkspaceRun | None = None

    @property
    def is_over(self) -> bool:
        return self.state in (StreamState.ENDED, StreamState.FAILED, StreamState.CLOSED)

    def retry_in(self, now: float | None = None) -> float | None:
        if self.retry_at is None:
            return None
        return max(0.0, self.retry_at - (time.monotonic() if now is None else now))


# Event types that need no bookkeeping beyond their seq.
_PLAIN_TYPES = frozenset(
    {
        StdoutEvent,
        StderrEvent,
        StatusEvent,
        ArchiveProgressEvent,
        ArtifactCollectedEvent,
        ArtifactErrorEvent,
        UnknownEvent,
    }
)


_SEQ = operator.attrgetter("seq")


def _page_items(page: EventPage) -> list[RunEvent | BadPayload]:
    """A replay page's events and unreadable payloads, in seq order (the few
    unreadable ones without a seq go first)."""
    if not page.bad:
        return list(page.events)
    items: list[RunEvent | BadPayload] = [*page.bad, *page.events]
    return sorted(items, key=lambda item: -1 if item.seq is None else item.seq)


def _plain_run_of_seqs(items: list[RunEvent | BadPayload], last: int | None) -> bool:
    """The common case, checked at C speed: plain events whose seqs continue ``last``
    without a gap, a duplicate or a special event (heartbeat, terminal, error, bad)."""
    if not items or not _PLAIN_TYPES.issuperset(map(type, items)):
        return False
    seqs = list(map(_SEQ, items))
    first = seqs[0]
    if last is not None and first != last + 1:
        return False
    return seqs[-1] - first == len(seqs) - 1 and all(map(operator.lt, seqs, seqs[1:]))


class _Stalled(Exception):
    pass


class _Forced(Exception):
    pass


StatusListener = Callable[[StreamStatus], None]


class _Events:
    """One event at a time out of :meth:`EventStream.batches` (an iterator, not a
    generator nested over that one: see :meth:`EventStream._follow`)."""

    def __init__(self, batches: AsyncGenerator[list[RunEvent], None]) -> None:
        self._batches = batches
        self._pending: deque[RunEvent] = deque()

    def __aiter__(self) -> _Events:
        return self

    async def __anext__(self) -> RunEvent:
        while not self._pending:
            self._pending.extend(await anext(self._batches))
        return self._pending.popleft()

    async def aclose(self) -> None:
        await self._batches.aclose()


class EventStream:
    """Async iterator of a run's events, each delivered exactly once, in seq order.

    Iterate it directly for single events, or ``batches()`` for lists (cheaper per
    event: one list per network read).
    """

    def __init__(
        self,
        client: EventSource,
        run_id: str,
        after_seq: int | None,
        options: StreamOptions,
    ) -> None:
        self.run_id = run_id
        self.options = options
        self._client = client
        self._status = StreamStatus(
            last_seq=after_seq if after_seq is not None and after_seq >= 0 else None
        )
        self._listeners: list[StatusListener] = []
        self._generators: weakref.WeakSet[AsyncGenerator[list[RunEvent], None]] = weakref.WeakSet()
        self._finished = False
        self._from_oldest = False  # after stream_gap: resume from what the server has
        self._accept_jump = False  # the first seq jump after a stream_gap is a loss
        self._forced = False
        self._wake = asyncio.Event()
        self._read_deadline: asyncio.Timeout | None = None

    # -- observation ------------------------------------------------------------

    @property
    def status(self) -> StreamStatus:
        return self._status

    def add_listener(self, listener: StatusListener) -> None:
        """Call ``listener(status)`` on every change of state or counters."""
        self._listeners.append(listener)

    def _update(self, **changes: object) -> None:
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]
        for listener in self._listeners:
            listener(self._status)

    def _notice(self, text: str) -> None:
        stream_log.warning("%s: %s", self.run_id, text)
        self._update(notices=(*self._status.notices[-19:], text))

    def reconnect_now(self) -> None:
        """Skip the backoff wait, or drop a live connection and resume at once."""
        self._wake.set()
        if self._read_deadline is not None:
            self._forced = True
            self._read_deadline.reschedule(asyncio.get_running_loop().time())

    # -- iteration ----------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        return _Events(self.batches())

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop following: close the connection now (not when the GC gets to it)."""
        for generator in list(self._generators):
            await generator.aclose()
        self._generators.clear()
        self._closed_by_consumer()

    def batches(self) -> AsyncGenerator[list[RunEvent], None]:
        """Lists of new events until the run ends, a final error, or the consumer stops.

        ``status.last_seq`` is the seq of the last event of the last batch handed out
        (or of unreadable payloads right after it: those seqs are taken, not missing).
        """
        generator = self._follow()
        self._generators.add(generator)
        return generator

    def _closed_by_consumer(self) -> None:
        if not self._status.is_over:
            stream_log.info("%s: closed by its consumer", self.run_id)
            self._update(state=StreamState.CLOSED, retry_at=None)

    async def _follow(self) -> AsyncGenerator[list[RunEvent], None]:
        """The one generator behind :meth:`batches`.

        It nests no generator of ours and holds the live response in a ``finally``:
        however it is closed (``aclose()``, the GC after a ``break``, or the loop's
        shutdown, which closes every open generator at once), closing it closes the
        connection, and never has to wait for another half-closed generator.
        """
        try:
            attempt = 0
            while True:
                delivered_before = self._status.events_delivered
                retry_after: float | None = None
                reachable = True
                response: httpx.Response | None = None
                try:
                    response = await self._connect()
                    chunks, decoder = response.aiter_bytes(), SSEDecoder()
                    while (payloads := await self._next_payloads(chunks, decoder)) is not None:
                        batch, error = await self._accept(parse_events(payloads))
                        if batch:
                            yield batch
                        if error is not None:
                            raise error
                        if self._finished or self._from_oldest:
                            break
                    if self._finished:
                        return
                    problem = "the server closed the stream"
                except _Stalled:
                    problem = f"no data for {self.options.stall_timeout:g}s; reconnecting"
                    self._update(stalls=self._status.stalls + 1)
                except _Forced:
                    problem = "reconnect requested"
                except CrowNestError as err:
                    if not is_retryable(err):
                        self._fail(err, "failed")
                        raise
                    problem, retry_after = err.message, err.retry_after
                    reachable = err.status is not None
                except httpx.HTTPError as exc:
                    problem, reachable = connection_error(exc).message, False
                finally:
                    if response is not None:
                        await response.aclose()
                if self._finished:
                    return
                if self._from_oldest:
                    problem = "the server no longer has some events; resuming from what it has"
                progressed = self._status.events_delivered > delivered_before
                if progressed:
                    attempt = 0
                elif reachable and not self._from_oldest and problem != "reconnect requested":
                    # A connection that brought nothing: if the run is over, replay what
                    # is left (a resume after the last event of a finished run, or a
                    # server that closes streams of finished runs, would loop forever).
                    try:
                        run = await self._run_if_over()
                        while run is not None and not self._finished:
                            batch, error, more = await self._replay_page()
                            if batch:
                                yield batch
                            if error is not None:
                                raise error
                            if not more:
                                self._end_replayed(run)
                    except CrowNestError as err:
                        if not is_retryable(err):
                            raise
                    except httpx.HTTPError:
                        pass
                    if self._finished:
                        return
                delay = self.options.backoff.delay(attempt, retry_after)
                attempt += 1
                self._reconnecting(attempt, delay, retry_after, problem)
                await self._sleep(delay)
        except (GeneratorExit, asyncio.CancelledError):
            self._closed_by_consumer()
            raise

    def _reconnecting(
        self, attempt: int, delay: float, retry_after: float | None, problem: str
    ) -> None:
        stream_log.warning(
            "%s: connection ended after seq %s: %s; reconnect %d in %.2f s%s",
            self.run_id,
            self._status.last_seq,
            problem,
            attempt,
            delay,
            "" if retry_after is None else f" (Retry-After {retry_after:g} s)",
        )
        self._update(
            state=StreamState.RECONNECTING,
            attempt=attempt,
            retry_delay=delay,
            retry_at=time.monotonic() + delay,
            reconnects=self._status.reconnects + 1,
            problem=problem,
        )

    async def _sleep(self, delay: float) -> None:
        self._wake.clear()
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _connect(self) -> httpx.Response:
        """Open one live connection; its response is the caller's to close."""
        params: QueryList = [("stream", "true")]
        last = self._status.last_seq
        if last is not None and not self._from_oldest:
            params.append(("afterSeq", str(last)))
        self._from_oldest = False
        self._update(
            state=StreamState.CONNECTING
            if self._status.reconnects == 0
            else StreamState.RECONNECTING,
            retry_at=None,
        )
        stream_log.info(
            "%s: connecting (%s)",
            self.run_id,
            ", ".join(f"{key}={value}" for key, value in params),
        )
        self._client._require_credential()
        http = self._client.http
        request = http.build_request(
            "GET",
            f"/v1/workspace-runs/{self.run_id}/events",
            params=params,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"},
            timeout=httpx.Timeout(None, connect=self.options.connect_timeout),
        )
        response = await http.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise error_from_response(response)
            ctype = response.headers.get("content-type", "")
            if not ctype.startswith("text/event-stream"):
                raise CrowNestError(
                    f"expected an event stream, got {ctype or 'no content type'}",
                    code=INVALID_RESPONSE,
                    status=503,  # treat like a proxy hiccup: worth another try
                )
        except BaseException:
            await response.aclose()
            raise
        stream_log.info("%s: live (HTTP %d)", self.run_id, response.status_code)
        self._update(state=StreamState.LIVE, problem=None, retry_delay=None)
        return response

    async def _next_payloads(
        self, chunks: AsyncIterator[bytes], decoder: SSEDecoder
    ) -> list[bytes] | None:
        """The next complete SSE payloads of the response (None at its end)."""
        stall = self.options.stall_timeout
        while True:
            self._forced = False
            try:
                async with asyncio.timeout(stall) as deadline:
                    self._read_deadline = deadline
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return None
            except TimeoutError:
                if not self._forced:
                    stream_log.warning("%s: stalled, no data for %g s", self.run_id, stall)
                raise (_Forced() if self._forced else _Stalled()) from None
            finally:
                self._read_deadline = None
            payloads = decoder.feed(chunk)
            if payloads:
                return payloads

    # -- exactly-once bookkeeping ------------------------------------------------------

    async def _accept(
        self, items: list[RunEvent | BadPayload]
    ) -> tuple[list[RunEvent], Exception | None]:
        """Dedupe, back-fill and end-detect a decoded batch.

        Returns the events to deliver and, if a back-fill failed, the error to raise
        *after* delivering them (so nothing counted as delivered is ever dropped).
        """
        last = self._status.last_seq
        if _plain_run_of_seqs(items, last):
            plain: list[RunEvent] = items  # type: ignore[assignment]
            return self._commit(plain, plain[-1].seq, 0, delivered=len(plain)), None
        out: list[RunEvent] = []
        dups = 0
        try:
            for item in items:
                if isinstance(item, BadPayload):
                    bad_seq = item.seq
                    if bad_seq is not None and last is not None and bad_seq <= last:
                        dups += 1
                        continue
                    self._skip_bad(item)
                    if bad_seq is not None:  # the seq is taken: nothing to back-fill there
                        last = await self._close_gap(out, last, bad_seq)
                        last = bad_seq
                    continue
                if isinstance(item, ErrorEvent):
                    if item.code == STREAM_GAP:
                        self._notice(f"server lost events after seq {last}: {item.message}")
                        self._from_oldest = True
                        break
                    out.append(item)
                    self._finish_with_error(item)
                    break
                seq = item.seq
                if isinstance(item, HeartbeatEvent):
                    if last is not None and seq > last:
                        last = await self._backfill(out, last, seq)
                    out.append(item)
                    continue
                if last is not None and seq <= last:
                    dups += 1
                    continue
                last = await self._close_gap(out, last, seq)
                out.append(item)
                last = seq
                if isinstance(item, TerminalEvent):
                    self._finished = True
                    stream_log.info("%s: ended at seq %d (terminal event)", self.run_id, seq)
                    self._update(state=StreamState.ENDED, final_run=item.workspace_run)
                    break
        except (CrowNestError, httpx.HTTPError) as exc:
            return self._commit(out, last, dups), exc
        return self._commit(out, last, dups), None

    async def _close_gap(self, out: list[RunEvent], last: int | None, seq: int) -> int | None:
        """Before ``seq`` comes: back-fill what is missing after ``last`` into ``out``
        (or, right after a stream_gap, count it lost); return the new last seq."""
        if last is None or seq <= last + 1:
            return last
        if self._status.last_seq is not None and self._lost_ok():
            lost = seq - last - 1
            stream_log.warning(
                "%s: %d events lost (seq %d to %d)", self.run_id, lost, last + 1, seq - 1
            )
            self._update(events_lost=self._status.events_lost + lost)
            return last
        return await self._backfill(out, last, seq - 1)

    def _skip_bad(self, item: BadPayload) -> None:
        """Count and report a payload that is not a readable event (live or replayed)."""
        self._notice(f"unreadable event skipped: {item.reason}")
        self._update(bad_payloads=self._status.bad_payloads + 1)

    def _lost_ok(self) -> bool:
        """After a stream_gap, the first jump is accepted as loss (once)."""
        if self._accept_jump:
            self._accept_jump = False
            return True
        return False

    def _commit(
        self,
        out: list[RunEvent],
        last: int | None,
        dups: int,
        delivered: int | None = None,
    ) -> list[RunEvent]:
        if delivered is None:
            delivered = len(out) - sum(type(e) is HeartbeatEvent for e in out)
        if dups:
            stream_log.debug("%s: %d duplicate events dropped", self.run_id, dups)
        if self._from_oldest:
            self._accept_jump = True
        self._update(
            last_seq=last,
            events_delivered=self._status.events_delivered + delivered,
            duplicates_dropped=self._status.duplicates_dropped + dups,
        )
        return out

    async def _backfill(self, out: list[RunEvent], after: int, upto: int) -> int:
        """Append stored events with ``after < seq <= upto`` to ``out``; return new last."""
        filled = 0
        cursor = after
        while cursor < upto:
            # Ask for no more than the gap: small gaps cost small requests.
            limit = min(self.options.replay_page_size, upto - cursor)
            page = await self._client.replay_events(self.run_id, after_seq=cursor, limit=limit)
            progressed = False
            for item in _page_items(page):
                seq = item.seq
                if seq is not None and (seq <= cursor or seq > upto):
                    continue
                if isinstance(item, BadPayload):
                    self._skip_bad(item)
                elif isinstance(item, HeartbeatEvent):
                    continue
                else:
                    out.append(item)
                    filled += 1
                if seq is not None:
                    cursor, progressed = seq, True
            if not page.has_more or not progressed:
                break
        if filled or cursor < upto:
            stream_log.info(
                "%s: gap after seq %d up to %d: %d events back-filled from replay",
                self.run_id,
                after,
                upto,
                filled,
            )
        if filled:
            self._update(gaps_filled=self._status.gaps_filled + filled)
        # Seqs the server does not have in that range are not events we can deliver.
        return max(cursor, upto)

    def _finish_with_error(self, event: ErrorEvent) -> None:
        self._finished = True
        error = CrowNestError(event.message or event.code, code=event.code)
        self._fail(error, "error event")

    def _fail(self, error: CrowNestError, what: str) -> None:
        """The stream is over with ``error`` (logged as ``what``)."""
        stream_log.error("%s: %s: %s [%s]", self.run_id, what, error.message, error.code)
        self._update(state=StreamState.FAILED, error=error, problem=error.message)

    async def _run_if_over(self) -> WorkspaceRun | None:
        """The run, if it is over (its remaining events are then all in replay)."""
        try:
            run = await self._client.get_run(self.run_id)
        except CrowNestError as err:
            if not is_retryable(err):
                self._fail(err, "failed")
                raise
            return None
        if not run.is_terminal:
            return None
        stream_log.info("%s: the run is %s; replaying what is left", self.run_id, run.status)
        return run

    async def _replay_page(self) -> tuple[list[RunEvent], Exception | None, bool]:
        """The next replay page accepted: (events, error to raise after them, more?)."""
        last = self._status.last_seq
        page = await self._client.replay_events(
            self.run_id, after_seq=last, limit=self.options.replay_page_size
        )
        batch, error = await self._accept(_page_items(page))
        return batch, error, page.has_more and self._status.last_seq != last

    def _end_replayed(self, run: WorkspaceRun) -> None:
        if not self._finished:
            self._finished = True
            stream_log.info("%s: ended at seq %s (replayed)", self.run_id, self._status.last_seq)
            self._update(state=StreamState.ENDED, final_run=run)


__all__ = [
    "STREAM_GAP",
    "STREAM_STALLED",
    "EventStream",
    "StreamOptions",
    "StreamState",
    "StreamStatus",
]
