"""The HTTP plumbing under the client: origin-bound auth, retries, error decoding."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Generator, Mapping
from typing import Any

import httpx

from .credentials import Secret, url_origin
from .errors import CONNECTION_ERROR, INVALID_ERROR_RESPONSE, INVALID_RESPONSE, CrowNestError
from .retry import RETRYABLE_STATUSES, Backoff, parse_retry_after

#: Query parameters in order (metadata filters repeat the ``metadata.`` prefix).
QueryList = list[tuple[str, str | int | float | bool | None]]


class OriginBearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer …`` only to requests for the API origin.

    A staged upload URL on another origin (storage) never sees the credential.
    """

    def __init__(self, credential: Secret | None, base_url: str) -> None:
        self._credential = credential
        self._origin = url_origin(base_url)

    def __repr__(self) -> str:
        return "OriginBearerAuth(credential=<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._credential is not None and url_origin(str(request.url)) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._credential.reveal()}"
        else:
            request.headers.pop("Authorization", None)
        yield request


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


def connection_error(exc: httpx.HTTPError) -> CrowNestError:
    kind = type(exc).__name__
    detail = str(exc) or kind
    return CrowNestError(f"Connection problem: {_snippet(detail)} ({kind})", code=CONNECTION_ERROR)


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


class Requester:
    """Sends one logical call, retrying it when that is safe.

    A call is retried only if it is idempotent: a GET, a PUT of the same bytes, or a
    mutation carrying an Idempotency-Key (the same key is reused on every try).
    """

    def __init__(self, http: httpx.AsyncClient, backoff: Backoff, max_attempts: int) -> None:
        self.http = http
        self.backoff = backoff
        self.max_attempts = max_attempts

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
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self.http.request(
                    method, url, params=params, json=json_body, content=content, headers=headers
                )
            except httpx.HTTPError as exc:
                error = connection_error(exc)
            else:
                if response.is_success:
                    return response
                error = error_from_response(response)
            attempt += 1
            if not (idempotent and is_retryable(error)) or attempt >= self.max_attempts:
                raise error
            await asyncio.sleep(self.backoff.delay(attempt - 1, error.retry_after))
