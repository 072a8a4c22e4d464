"""What every route shares: the scope check, idempotency, error bodies.

The bearer key itself is checked before any route (an unknown one included), by
Starlette's ``AuthenticationMiddleware`` asking :class:`.keys.KeyRing`; a route then
requires its scope, if it has one, with Starlette's ``has_required_scope`` (the check
behind ``requires``, whose bare 403 could not carry the contract's ``forbidden`` body
and ``requiredScope``).

``Idempotency-Key`` (1-255 chars) on a mutation: the first answer (anything but a 5xx)
is stored per credential and key with a fingerprint of the request (method, path and
body, or the declared digest and size for archive bytes). The same key with the same
fingerprint gets that answer again; with another fingerprint, 409
``idempotency_key_reused``; while the first is still being handled, 409
``idempotency_request_in_progress``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.authentication import has_required_scope
from starlette.requests import Request
from starlette.responses import Response

from .backend import Backend
from .contract import IDEMPOTENCY_KEY_MAX, dumps
from .errors import ApiError, bad_request
from .keys import Principal, forbidden
from .store import StoredAnswer
from .validation import json_object

log = logging.getLogger("crownest_tui.local")


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request, as a handler sees it."""

    request: Request
    principal: Principal
    backend: Backend

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    async def body(self) -> dict[str, Any]:
        return json_object(await self.request.body())


Handler = Callable[[Call], Awaitable[Response]]
Fingerprint = Callable[[Request], Awaitable[str]]


def json_response(body: dict[str, Any] | str, status: int = 200) -> Response:
    text = body if isinstance(body, str) else dumps(body)
    return Response(text, status, media_type="application/json")


async def body_fingerprint(request: Request) -> str:
    digest = hashlib.sha256(await request.body()).hexdigest()
    return f"{request.method} {request.url.path} {digest}"


async def archive_fingerprint(request: Request) -> str:
    sha = request.headers.get("x-crownest-archive-sha256", "")
    size = request.headers.get("x-crownest-archive-size", "")
    return f"{request.method} {request.url.path} {sha.lower()} {size}"


class Endpoints:
    """Wraps handlers into Starlette endpoints bound to one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._in_flight: set[tuple[str, str]] = set()

    def wrap(
        self, handler: Handler, scope: str | None, fingerprint: Fingerprint | None = None
    ) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint of ``handler``; ``scope`` None: any valid key may call it."""

        async def endpoint(request: Request) -> Response:
            try:
                if scope is not None and not has_required_scope(request, [scope]):
                    raise forbidden(scope)
                principal = request.user
                assert isinstance(principal, Principal)  # the middleware let no other in
                call = Call(request, principal, self.backend)
                key = request.headers.get("idempotency-key")
                if fingerprint is not None and key is not None:
                    return await self._idempotent(call, key, await fingerprint(request), handler)
                return await handler(call)
            except ApiError as exc:
                return exc.response()
            except Exception:
                log.exception("unexpected error in %s %s", request.method, request.url.path)
                return ApiError("internal_error", "the local backend failed").response()

        return endpoint

    async def _idempotent(self, call: Call, key: str, print_: str, handler: Handler) -> Response:
        if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
            raise bad_request(f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} characters")
        store = self.backend.store
        who = call.principal.ident
        stored = store.get_answer(who, key)
        if stored is not None:
            if stored.fingerprint != print_:
                raise ApiError(
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request",
                )
            return Response(
                stored.body,
                stored.status,
                media_type=stored.media_type,
                headers={"idempotent-replayed": "true"},
            )
        if (who, key) in self._in_flight:
            raise ApiError(
                "idempotency_request_in_progress",
                "a request with this Idempotency-Key is still being handled",
            )
        self._in_flight.add((who, key))
        try:
            try:
                response = await handler(call)
            except ApiError as exc:
                response = exc.response()
            if response.status_code < 500:
                media_type = response.headers.get("content-type", "application/json")
                answer = StoredAnswer(
                    print_, response.status_code, bytes(response.body), media_type
                )
                store.put_answer(who, key, answer)
            return response
        finally:
            self._in_flight.discard((who, key))
