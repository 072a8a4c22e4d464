"""The event hub: seq numbering, batched writes to SQLite, and live fan-out from memory.

Every stored event of a run goes through :meth:`EventHub.emit`, which gives it the next
seq, serialises it once (as UTF-8 bytes: ASCII output is never text on its way from the
pipe to SQLite and the streams), keeps it in the run's in-memory window and queues it for the
next batched write (every ``FLUSH_SECONDS``, or at once for a ``terminal`` event), done
by a writer thread. Live subscribers read the window; one that has fallen behind it
reads the disk. A finished run leaves memory once its last batch is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .contract import FLUSH_SECONDS, event_json, now_iso, output_event_bytes, output_event_json
from .store import Store, connect

log = logging.getLogger("crownest_tui.local")

#: Stored events kept in memory per live run, beyond those not yet written.
WINDOW_EVENTS = 4096


class RunChannel:
    """The live side of one run's event log."""

    def __init__(self, run_id: str, last_seq: int) -> None:
        self.run_id = run_id
        self.last_seq = last_seq
        self.flushed_seq = last_seq
        self.window: list[tuple[int, bytes]] = []  # contiguous seqs, all unflushed included
        self.closed = False  # the terminal event has been emitted
        self._waiter: asyncio.Future[None] | None = None

    def append(self, events: list[tuple[int, bytes]]) -> None:
        """New (seq, body) events, in seq order."""
        self.window += events
        self.last_seq = events[-1][0]
        self.wake()

    def wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def after(self, cursor: int, limit: int) -> list[tuple[int, bytes]] | None:
        """Events with seq > cursor from memory; None when they are only on disk."""
        if cursor >= self.last_seq:
            return []
        if not self.window or cursor + 1 < self.window[0][0]:
            return None
        start = cursor + 1 - self.window[0][0]
        return self.window[start : start + limit]

    def flushed(self, seq: int) -> None:
        self.flushed_seq = seq
        excess = len(self.window) - WINDOW_EVENTS
        if excess > 0:
            # never drop an event that is not on disk yet
            keep_from = min(excess, max(0, seq - self.window[0][0] + 1))
            del self.window[:keep_from]

    async def wait(self, seconds: float) -> bool:
        """Wait for a new event (or close); False when ``seconds`` passed first."""
        if self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(self._waiter), seconds)
        except TimeoutError:
            return False
        return True


class EventHub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._channels: dict[str, RunChannel] = {}
        self._pending: list[tuple[str, int, bytes]] = []
        self._flusher: asyncio.TimerHandle | None = None
        self._writes: list[asyncio.Future[None]] = []
        # Batches are written by one thread with its own connection, in order, so a
        # big batch never stops the event loop from reading a command's output.
        self._writer = EventWriter(store.path)
        self._stopping = False

    def channel(self, run_id: str) -> RunChannel:
        """The run's channel (made on first use from the last stored seq)."""
        found = self._channels.get(run_id)
        if found is None:
            found = self._channels[run_id] = RunChannel(run_id, self.store.last_seq(run_id))
        return found

    def live(self, run_id: str) -> RunChannel | None:
        return self._channels.get(run_id)

    def forget(self, run_id: str) -> None:
        """Drop the run's channel (its events were written to the store directly)."""
        channel = self._channels.pop(run_id, None)
        if channel is not None:
            channel.wake()

    def emit(self, run_id: str, kind: str, **fields: Any) -> int:
        """Store a new event of the run; returns its seq."""
        channel = self._open_channel(run_id, kind)
        if channel is None:
            return self.channel(run_id).last_seq
        seq = channel.last_seq + 1
        self._queue(channel, [(seq, event_json(kind, seq, fields).encode())])
        if kind == "terminal":
            channel.closed = True
            self.flush()
        return seq

    def emit_many(self, run_id: str, kind: str, datas: list[str] | list[bytes]) -> None:
        """Several output events (``stdout`` or ``stderr``) of one kind at once: text,
        or bytes that are all ASCII."""
        channel = self._open_channel(run_id, kind)
        if channel is None:
            return
        if not datas:
            return
        created = now_iso()
        first = channel.last_seq + 1
        if isinstance(datas[0], bytes):
            events = [
                (seq, output_event_bytes(kind, seq, data, created))
                for seq, data in enumerate(datas, first)  # ASCII output
            ]
        else:
            events = [
                (seq, output_event_json(kind, seq, text, created).encode())
                for seq, text in enumerate(datas, first)
            ]
        self._queue(channel, events)

    def _open_channel(self, run_id: str, kind: str) -> RunChannel | None:
        """The run's channel, or None once its terminal event is out (nothing follows it)."""
        channel = self.channel(run_id)
        if channel.closed:
            log.error("dropped a %s event of %s after its terminal event", kind, run_id)
            return None
        return channel

    def _queue(self, channel: RunChannel, events: list[tuple[int, bytes]]) -> None:
        run_id = channel.run_id
        self._pending += [(run_id, seq, body) for seq, body in events]
        channel.append(events)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Hand every queued event to the writer thread (one transaction)."""
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._writer.executor, self._writer.write, batch)
        self._writes.append(future)
        future.add_done_callback(lambda done: self._written(done, batch))

    def _written(self, future: asyncio.Future[None], batch: list[tuple[str, int, bytes]]) -> None:
        self._writes.remove(future)
        if future.cancelled() or future.exception() is not None:
            log.error("writing %d events failed: %r", len(batch), future.exception())
            return
        last: dict[str, int] = {}
        for run_id, seq, _ in batch:
            last[run_id] = seq
        for run_id, seq in last.items():
            channel = self._channels.get(run_id)
            if channel is None:
                continue
            channel.flushed(seq)
            if channel.closed and seq == channel.last_seq:
                # all of a finished run is on disk: new readers go there
                del self._channels[run_id]
                channel.wake()

    async def drain(self) -> None:
        """Flush, and wait until every event emitted so far is on disk."""
        self.flush()
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def stop(self) -> None:
        """Server shutdown: write what is queued and wake every live stream to end it."""
        self._stopping = True
        await self.drain()
        for channel in list(self._channels.values()):
            channel.wake()

    def close(self) -> None:
        """Write anything still queued (without a loop) and stop the writer."""
        if self._pending:
            self._writer.write(self._pending)
            self._pending = []
        self._writer.close()


#: How much nicer than the server the writer thread is (see :func:`_lower_priority`).
WRITER_NICENESS = 10


def _lower_priority() -> None:
    """Make the calling thread (the writer) yield to the runs: a noisy run's batches
    then wait for a core the run does not need instead of taking it from the run, as
    a hosted service's store never competes with the sandbox. (Linux: niceness is per
    thread; elsewhere this would change the whole process, so it is left alone.)"""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WRITER_NICENESS)


#: Bodies are UTF-8 bytes; the cast stores them as TEXT, as they always were (it only
#: relabels the bytes: SQLite keeps text as UTF-8).
INSERT_EVENT = "INSERT INTO events (run_id, seq, body) VALUES (?, ?, CAST(? AS TEXT))"


class EventWriter:
    """The thread that writes event batches, with its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        self.executor = ThreadPoolExecutor(
            1, thread_name_prefix="event-writer", initializer=_lower_priority
        )
        self._path = path
        self._db: sqlite3.Connection | None = None

    def write(self, rows: list[tuple[str, int, bytes]]) -> None:
        if self._db is None:
            self._db = connect(self._path)
        self._db.execute("BEGIN")
        try:
            self._db.executemany(INSERT_EVENT, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        if self._db is not None:
            self._db.close()
