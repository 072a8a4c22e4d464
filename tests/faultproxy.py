"""A fault-injecting TCP proxy for HTTP on loopback: the weather a dashboard must survive.

Put it between a client and a CrowNest server (the local backend, say). Each new
connection draws a fault from :class:`FaultPlan`: pass through untouched, cut the
response after a random number of bytes (mid-event included), stall it (keep the
socket open, forward nothing more), or answer itself with 429 + ``Retry-After``, 503,
an HTML 502 page, truncated JSON or garbage bytes. A plan can also slow the link
(``FaultPlan.slow(256 * 1024)``: every connection, each way, at most that many bytes a
second). Faults can be switched off at any time (``proxy.plan = FaultPlan.calm()``)
to check that clients recover by themselves.

It only ever listens on and connects to loopback addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections import Counter
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"
#: On a slowed link, how much the proxy holds of a client's bytes it has not yet let
#: through (its socket's receive buffer, and its reader's): loopback's buffers of
#: several MiB would swallow a whole upload at once, which no slow link does.
SLOW_LINK_BUFFER = 16 * 1024
INTERNET_SEGMENT = 1400


def _response(status: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


CANNED: dict[str, bytes] = {
    "http_429": _response(
        "429 Too Many Requests",
        "application/json",
        b'{"error":{"code":"rate_limited","message":"Slow down."}}',
        "Retry-After: 0\r\n",
    ),
    "http_503": _response(
        "503 Service Unavailable",
        "application/json",
        b'{"error":{"code":"unavailable","message":"Try again later."}}',
    ),
    "html_502": _response(
        "502 Bad Gateway",
        "text/html",
        b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n",
    ),
    # A 200 whose body is cut short of its announced length.
    "truncated_json": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 80\r\n"
        b'Connection: close\r\n\r\n{"data": [{"id": "wsr_'
    ),
    "garbage": b"\x00\xff\x13garbage\r\n\r\n\xde\xad\xbe\xef not http at all",
}


def _slow_link_socket(port: int) -> socket.socket:
    """A listening socket whose connections buffer as a slow link's do: an internet
    segment size (loopback's 64 KiB segments give a sender megabytes of send buffer
    at once) and a small receive buffer, both set before the handshake."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_LINK_BUFFER)
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, INTERNET_SEGMENT)
    sock.bind((LOOPBACK, port))
    sock.setblocking(False)
    return sock


@dataclass
class FaultPlan:
    """Probabilities (per connection) of each fault; the rest pass through."""

    cut: float = 0.0
    stall: float = 0.0
    canned: dict[str, float] = field(default_factory=dict)
    cut_bytes: tuple[int, int] = (0, 65536)
    stall_seconds: float = 3600.0
    bytes_per_second: float | None = None
    """The link's speed, each way, per connection; None is as fast as loopback. (Set it
    before the proxy starts for a link that buffers little, as slow links do.)"""

    @classmethod
    def calm(cls) -> FaultPlan:
        return cls()

    @classmethod
    def slow(cls, bytes_per_second: float) -> FaultPlan:
        """No faults, but a link of this speed (a slow uplink, say)."""
        return cls(bytes_per_second=bytes_per_second)

    @classmethod
    def stormy(cls) -> FaultPlan:
        """Every kind of fault, often."""
        return cls(
            cut=0.35,
            stall=0.05,
            canned={name: 0.03 for name in CANNED},
        )

    @classmethod
    def outage(cls) -> FaultPlan:
        """Nothing gets through: every connection is cut before any byte of the
        answer, or answered with an error page or garbage."""
        canned = ("http_503", "html_502", "truncated_json", "garbage")
        return cls(cut=0.2, cut_bytes=(0, 0), canned={name: 0.2 for name in canned})

    def draw(self, rng: random.Random) -> str:
        roll = rng.random()
        for name, chance in (("cut", self.cut), ("stall", self.stall), *self.canned.items()):
            if roll < chance:
                return name
            roll -= chance
        return "pass"


class FaultProxy:
    """``async with FaultProxy(upstream_port, plan) as proxy: proxy.url``."""

    def __init__(
        self,
        upstream_port: int,
        plan: FaultPlan | None = None,
        *,
        upstream_host: str = LOOPBACK,
        seed: int | None = None,
    ) -> None:
        if upstream_host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the fault proxy only forwards to loopback")
        self.upstream = (upstream_host, upstream_port)
        self.plan = plan or FaultPlan()
        self.rng = random.Random(seed)
        self.faults: Counter[str] = Counter()
        self.dropped = 0
        """Live connections cut by :meth:`drop_connections` so far."""
        self.client_closes = 0
        """Connections the client closed (EOF or reset from its end) so far."""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self.plan.bytes_per_second is None:
            self._server = await asyncio.start_server(self._handle, LOOPBACK, self.port)
        else:
            self._server = await asyncio.start_server(
                self._handle, sock=_slow_link_socket(self.port), limit=SLOW_LINK_BUFFER
            )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def drop_connections(self) -> int:
        """Cut every open connection now (kept-alive ones too); return how many."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        self.dropped += len(tasks)
        return len(tasks)

    async def drop_now_and_then(
        self, rng: random.Random, low: float = 0.2, high: float = 1.5
    ) -> None:
        """Besides the per-connection faults, cut every open connection every
        ``low``-``high`` seconds (until canceled): kept-alive connections that drew
        "pass" meet the weather too."""
        while True:
            await asyncio.sleep(rng.uniform(low, high))
            self.drop_connections()

    def fault_counts(self) -> dict[str, int]:
        """Faults injected so far by kind (passes left out), with live drops."""
        counts = {k: v for k, v in sorted(self.faults.items()) if k != "pass" and v}
        counts["dropped live"] = self.dropped
        return counts

    def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fault = self.plan.draw(self.rng)
        self.faults[fault] += 1
        try:
            if fault in CANNED:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(CANNED[fault])
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            limit: int | None = None
            if fault in ("cut", "stall"):
                limit = self.rng.randint(*self.plan.cut_bytes)
            try:
                await self._pump(reader, writer, up_reader, up_writer, fault, limit)
            finally:
                up_writer.close()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _from_client(self, reader: asyncio.StreamReader) -> bytes:
        """The client's next bytes (paced like :meth:`_read`); b"" (counted in
        ``client_closes``) once it closed."""
        try:
            chunk = await self._read(reader)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.client_closes += 1
        return chunk

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        fault: str,
        limit: int | None,
    ) -> None:
        async def requests() -> None:
            while chunk := await self._from_client(reader):
                up_writer.write(chunk)
                await up_writer.drain()
            with contextlib.suppress(OSError):
                up_writer.write_eof()

        forward = asyncio.get_running_loop().create_task(requests())
        try:
            sent = 0
            while chunk := await self._read(up_reader):
                if limit is not None and sent + len(chunk) > limit:
                    writer.write(chunk[: limit - sent])
                    await writer.drain()
                    if fault == "stall":
                        await asyncio.sleep(self.plan.stall_seconds)
                    return
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        finally:
            forward.cancel()

    async def _read(self, reader: asyncio.StreamReader) -> bytes:
        """The next chunk, no faster than the plan's link allows (read each time, so a
        plan switched mid-transfer takes effect at once)."""
        rate = self.plan.bytes_per_second
        if not rate:
            return await reader.read(65536)
        chunk = await reader.read(max(1024, min(65536, int(rate / 20))))
        if chunk:
            await asyncio.sleep(len(chunk) / rate)
        return chunk
