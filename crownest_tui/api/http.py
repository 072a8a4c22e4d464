"""The HTTP plumbing under the client: origin-bound auth, retries, error decoding."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .credentials import Secret, url_origin
from .errors import CONNECTION_ERROR, INVALID_ERROR_RESPONSE, INVALID_RESPONSE, CrowNestError
from .retry import RETRYABLE_STATUSES, Backoff, parse_retry_after
from .trace import http_log, loggable_url, millis, note_secret

#: Query parameters in order (metadata filters repeat the ``metadata.`` prefix).
QueryList = list[tuple[str, str | int | float | bool | None]]
#: Called with (bytes sent, total) as a request body goes out: 0 when a try starts
#: (so a retry starts over from 0), then after each chunk, up to the total.
SentCallback = Callable[[int, int], None]
#: A body sent with a progress callback goes out in chunks of this many bytes.
UPLOAD_CHUNK_BYTES = 64 * 1024


async def _chunks(data: bytes, on_sent: SentCallback) -> AsyncIterator[bytes]:
    """``data`` in chunks; each one is reported once the transport asks for the next
    (by then it has been written to the socket)."""
    total = len(data)
    view = memoryview(data)
    on_sent(0, total)
    for start in range(0, total, UPLOAD_CHUNK_BYTES):
        end = min(start + UPLOAD_CHUNK_BYTES, total)
        yield bytes(view[start:end])
        on_sent(end, total)


class OriginBearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer …`` only to requests for the API origin.

    A staged upload URL on another origin (storage) never sees the credential.
    """

    def __init__(self, credential: Secret | None, base_url: str) -> None:
        self._credential = credential
        self._origin = url_origin(base_url)
        note_secret(credential)

    def __repr__(self) -> str:
        return "OriginBearerAuth(credential=<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._credential is not None and url_origin(str(request.url)) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._credential.reveal()}"
        else:
            request.headers.pop("Authorization", None)
        yield request


class LazyTLSTransport(httpx.AsyncBaseTransport):
    """httpx's own transport, with its TLS pool built at the first ``https://`` request.

    httpx makes its SSL context (certifi's CA bundle, parsed) when a client is made,
    whatever the origin: about a quarter of a minimal Textual app's whole start-up,
    spent on every start even against the local backend on ``http://127.0.0.1``.
    Plain ``http://`` requests go through a pool whose context holds no CA at all, so
    it could never verify (or be used for) a TLS peer; ``https://`` ones through
    :class:`httpx.AsyncHTTPTransport` with its defaults, exactly as before. Both pools
    keep connections by ``limits`` (a client's own ``limits`` do not reach a transport
    it is given).
    """

    def __init__(self, limits: httpx.Limits | None = None) -> None:
        self._limits = limits or httpx.Limits()
        self._plain = httpx.AsyncHTTPTransport(
            verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), limits=self._limits
        )
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        if self._tls is None:
            self._tls = httpx.AsyncHTTPTransport(limits=self._limits)
        return await self._tls.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def error_from_response(response: httpx.Response) -> CrowNestError:
    """Turn a non-2xx response into a CrowNestError, whatever its body is."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    status = response.status_code
    try:
        body = response.json()
        error = body["error"]
        code = error["code"]
        message = error.get("message") or code
        details = error.get("details")
        if not isinstance(code, str) or not isinstance(message, str):
            raise TypeError
        if not message.strip():
            message = f"HTTP {status} {response.reason_phrase or 'error'}"
        code = code.strip() or INVALID_ERROR_RESPONSE
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        text = response.text if response.content else ""
        reason = response.reason_phrase or "error"
        message = f"HTTP {status} {reason} with a body that is not a CrowNest error"
        if text:
            message += f": {_snippet(text)}"
        return CrowNestError(
            message, code=INVALID_ERROR_RESPONSE, status=status, retry_after=retry_after
        )
    return CrowNestError(
        message,
        code=code,
        status=status,
        details=details if isinstance(details, dict) else None,
        retry_after=retry_after,
    )


def origin_of(url: httpx.URL) -> str:
    """``scheme://host[:port]`` of ``url``: no user info, path or query, so never a key."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = "" if url.port is None else f":{url.port}"
    return f"{url.scheme}://{host}{port}"


def _request_origin(exc: httpx.HTTPError) -> str | None:
    try:
        return origin_of(exc.request.url)
    except RuntimeError:  # an error raised outside of any request
        return None


def connection_error(exc: httpx.HTTPError, detail: str | None = None) -> CrowNestError:
    """The error for a transport failure, naming the origin it could not reach."""
    kind = type(exc).__name__
    origin = _request_origin(exc)
    where = f" with {origin}" if origin else ""
    text = _snippet(detail or str(exc) or kind)
    return CrowNestError(
        f"Connection problem{where}: {text} ({kind})", code=CONNECTION_ERROR, origin=origin
    )


def is_retryable(error: CrowNestError) -> bool:
    """Connection errors and statuses that may pass (429, 5xx from proxies, …)."""
    return error.status is None or error.status in RETRYABLE_STATUSES


def decode_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        raise CrowNestError(
            f"HTTP {response.status_code} answer is not JSON: {_snippet(response.text)}",
            code=INVALID_RESPONSE,
            status=response.status_code,
        ) from None


@dataclass(frozen=True)
class Timeouts:
    """Limits of one unary request, in seconds.

    ``read`` is a stall limit, not a deadline: it bounds the wait for the *next*
    bytes, so a GET whose server accepted and then went silent fails within it (and is
    retried) while a slow but live download goes on. A mutation may keep the server
    busy before it answers (checking an uploaded archive, say), so its reads get the
    longer ``mutation_read``.
    """

    connect: float = 5.0
    read: float = 10.0
    write: float = 30.0
    pool: float = 30.0
    mutation_read: float = 30.0

    def for_method(self, method: str) -> httpx.Timeout:
        safe = method.upper() in ("GET", "HEAD", "OPTIONS")
        return httpx.Timeout(
            connect=self.connect,
            read=self.read if safe else self.mutation_read,
            write=self.write,
            pool=self.pool,
        )


class Requester:
    """Sends one logical call, retrying it when that is safe.

    A call is retried only if it is idempotent: a GET, a PUT of the same bytes, or a
    mutation carrying an Idempotency-Key (the same key is reused on every try). Each
    try is logged on ``crownest_tui.api.http`` (never a header, never the credential).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        backoff: Backoff,
        max_attempts: int,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.http = http
        self.backoff = backoff
        self.max_attempts = max_attempts
        self.timeouts = timeouts or Timeouts()
        self._origin = url_origin(str(http.base_url))

    async def send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        params: QueryList | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        on_sent: SentCallback | None = None,
    ) -> httpx.Response:
        """Send until success or a failure that retrying cannot help; ``on_sent``
        streams ``content`` in chunks and reports them (with a Content-Length, so
        the body is never sent chunked)."""
        attempt = 0
        if on_sent is not None and content is not None:
            sized = httpx.Headers(headers)
            sized["Content-Length"] = str(len(content))
            headers = sized
        while True:
            body = content if on_sent is None or content is None else _chunks(content, on_sent)
            request = self.http.build_request(
                method,
                url,
                params=params,
                json=json_body,
                content=body,
                headers=headers,
                timeout=self.timeouts.for_method(method),
            )
            started = time.perf_counter()
            try:
                response = await self.http.send(request)
            except httpx.HTTPError as exc:
                error = self._connection_error(exc, request)
                outcome = type(exc).__name__
            else:
                if response.is_success:
                    self._log_success(request, response, started, attempt)
                    return response
                error = error_from_response(response)
                outcome = f"{response.status_code} {error.code}"
            attempt += 1
            retry = idempotent and is_retryable(error) and attempt < self.max_attempts
            delay = self.backoff.delay(attempt - 1, error.retry_after) if retry else None
            self._log_failure(request, outcome, started, attempt, error, delay)
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    def _connection_error(self, exc: httpx.HTTPError, request: httpx.Request) -> CrowNestError:
        if isinstance(exc, httpx.ReadTimeout):
            limit = request.extensions.get("timeout", {}).get("read") or self.timeouts.read
            return connection_error(exc, f"the server sent nothing for {limit:g} s")
        return connection_error(exc)

    def _log_success(
        self, request: httpx.Request, response: httpx.Response, started: float, attempt: int
    ) -> None:
        if http_log.isEnabledFor(logging.DEBUG):
            http_log.debug(
                "%s %s -> %d in %s (attempt %d/%d)",
                request.method,
                loggable_url(request.url, self._origin),
                response.status_code,
                millis(time.perf_counter() - started),
                attempt + 1,
                self.max_attempts,
            )

    def _log_failure(
        self,
        request: httpx.Request,
        outcome: str,
        started: float,
        attempt: int,
        error: CrowNestError,
        delay: float | None,
    ) -> None:
        if not http_log.isEnabledFor(logging.WARNING):
            return
        if delay is None:
            then = "giving up"
        else:
            then = f"retrying in {delay:.2f} s"
            if error.retry_after is not None:
                then += f" (Retry-After {error.retry_after:g} s)"
        http_log.warning(
            "%s %s -> %s after %s (attempt %d/%d): %s; %s",
            request.method,
            loggable_url(request.url, self._origin),
            outcome,
            millis(time.perf_counter() - started),
            attempt,
            self.max_attempts,
            error.message,
            then,
        )
