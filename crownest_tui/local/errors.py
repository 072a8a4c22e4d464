"""The one exception an API handler raises, and the JSON error body it becomes."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .contract import ERROR_STATUS, dumps


class ApiError(Exception):
    """An error answer: ``{"error": {"code", "message", "details"?}}``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or ERROR_STATUS.get(code, 400)
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> Response:
        return Response(dumps(self.body()), self.status, media_type="application/json")


def not_found(what: str, ident: str) -> ApiError:
    return ApiError("not_found", f"{what} {ident} not found", details={"id": ident})


def bad_request(message: str, **details: Any) -> ApiError:
    return ApiError("invalid_request", message, details=details or None)


def conflict(message: str, **details: Any) -> ApiError:
    """An ``invalid_request`` that is about the resource's state, not the request."""
    return ApiError("invalid_request", message, status=409, details=details or None)
