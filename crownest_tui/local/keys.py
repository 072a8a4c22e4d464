"""API keys: who may call the local backend, and with which scopes.

* The main key is ``--token``, else the ``token`` file in the state dir (created once
  with a random ``cn_local_…`` value, mode 0600). It has every scope.
* Extra keys live in ``keys.json`` in the state dir (optional, re-read whenever it
  changes, so a test can add one to a running server)::

      {"keys": [{"name": "reader", "token": "cn_local_…",
                 "scopes": ["workspace_run:read"]}]}

  ``scopes`` lists any of ``workspace_run:read``, ``workspace_run:create``,
  ``workspace_run:cancel``, ``artifact:read``, ``artifact:create``, ``file:read``.

The key ring is Starlette's authentication backend: ``AuthenticationMiddleware`` asks
it about every request (so none reaches a route without a valid key) and puts the
caller's scopes in ``request.auth`` and its :class:`Principal` in ``request.user``.
A missing or unknown key is answered by :func:`rejected` in the contract's error
envelope (401 ``unauthorized`` or ``invalid_api_key``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import Response

from .contract import ALL_SCOPES, new_token
from .errors import ApiError

TOKEN_FILE = "token"
KEYS_FILE = "keys.json"


@dataclass(frozen=True, slots=True)
class Principal(BaseUser):
    """An authenticated caller. ``ident`` is a digest of its token (never the token)."""

    name: str
    scopes: frozenset[str]
    ident: str

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def identity(self) -> str:
        return self.ident


class KeyRejected(AuthenticationError):
    """No valid key: ``error`` is the 401 answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error = ApiError(code, message)


def rejected(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """The answer to a request without a valid key (``on_error`` of the middleware)."""
    error = exc.error if isinstance(exc, KeyRejected) else ApiError("unauthorized", str(exc))
    return error.response()


def forbidden(scope: str) -> ApiError:
    return ApiError(
        "forbidden", f"this API key lacks the {scope} scope", details={"requiredScope": scope}
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def load_or_create_token(state_dir: Path) -> str:
    path = state_dir / TOKEN_FILE
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    token = new_token()
    write_private(path, token + "\n")
    return token


class KeyRing(AuthenticationBackend):
    """The main key and the extra keys, checked on every request."""

    def __init__(self, state_dir: Path, main_token: str) -> None:
        self._keys_path = state_dir / KEYS_FILE
        self._main = (main_token, Principal("main", ALL_SCOPES, _digest(main_token)))
        self._extra: list[tuple[str, Principal]] = []
        self._stamp: tuple[float, int] | None = None

    def _reload(self) -> None:
        try:
            stat = self._keys_path.stat()
        except FileNotFoundError:
            self._extra, self._stamp = [], None
            return
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            entries = json.loads(self._keys_path.read_text()).get("keys", [])
        except (ValueError, OSError, AttributeError):
            entries = []
        extra: list[tuple[str, Principal]] = []
        for entry in entries if isinstance(entries, list) else []:
            token = entry.get("token") if isinstance(entry, dict) else None
            if not isinstance(token, str) or not token:
                continue
            scopes = frozenset(s for s in entry.get("scopes", []) if isinstance(s, str))
            name = str(entry.get("name") or "key")
            extra.append((token, Principal(name, scopes, _digest(token))))
        self._extra = extra

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, Principal]:
        principal = self.principal(conn.headers.get("authorization"))
        return AuthCredentials(sorted(principal.scopes)), principal

    def principal(self, authorization: str | None) -> Principal:
        """Who the ``Authorization`` header names, or raise :class:`KeyRejected`."""
        if not authorization:
            raise KeyRejected("unauthorized", "missing Authorization: Bearer <token> header")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise KeyRejected("unauthorized", "the Authorization header must be 'Bearer <token>'")
        self._reload()
        found: Principal | None = None
        for known, principal in [self._main, *self._extra]:
            if hmac.compare_digest(known.encode(), token.encode()):
                found = principal
        if found is None:
            raise KeyRejected("invalid_api_key", "this API key is not valid for this server")
        return found
