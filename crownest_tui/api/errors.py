"""One exception family for everything the CrowNest API (or the way to it) can say."""

from __future__ import annotations

from typing import Any

#: Error codes the client itself produces (the server's codes come from the contract).
CONNECTION_ERROR = "connection_error"
INVALID_ERROR_RESPONSE = "invalid_error_response"
INVALID_RESPONSE = "invalid_response"
STREAM_STALLED = "stream_stalled"
MISSING_CREDENTIAL = "missing_credential"


class CrowNestError(Exception):
    """An API call that did not succeed.

    ``status`` is the HTTP status (``None`` when no response arrived), ``code`` the
    contract's error code, ``message`` a human sentence, ``details`` whatever extra
    object the server sent, ``origin`` the ``scheme://host[:port]`` a transport failure
    could not reach (the message names it too). The credential is never part of any
    of these, nor a path or query.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
        origin: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}
        self.retry_after = retry_after
        self.origin = origin

    @property
    def title(self) -> str:
        """A short heading for a notification."""
        if self.status is None:
            return "Cannot reach CrowNest"
        return f"CrowNest error {self.status} ({self.code})"

    @property
    def is_auth_error(self) -> bool:
        return self.status in (401, 403)

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        return f"{self.message} [{self.code}, {where}]"

    def __repr__(self) -> str:
        return (
            f"CrowNestError(status={self.status!r}, code={self.code!r}, message={self.message!r})"
        )
