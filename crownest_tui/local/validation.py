"""Checks of request bodies and query parameters, each failure a precise ApiError."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from ..api.models import CreateRunRequest
from .contract import (
    METADATA_KEY_CHARS,
    METADATA_KEY_MAX,
    METADATA_MAX_BYTES,
    METADATA_MAX_KEYS,
    METADATA_VALUE_MAX,
    PAGE_LIMIT_MAX,
    dumps,
)
from .errors import ApiError, bad_request

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is an empty object)."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"the body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_request("the body must be a JSON object")
    return value


def check_metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_value", "metadata must be an object of strings")
    if len(value) > METADATA_MAX_KEYS:
        raise ApiError(
            "metadata_too_many_keys",
            f"metadata has {len(value)} keys; at most {METADATA_MAX_KEYS} are allowed",
        )
    for key, item in value.items():
        if not key or len(key) > METADATA_KEY_MAX or not set(key) <= METADATA_KEY_CHARS:
            raise ApiError(
                "invalid_metadata_key",
                f"metadata key {key!r} must be 1-{METADATA_KEY_MAX} characters of "
                "letters, digits and _ . - : /",
                details={"key": key},
            )
        if not isinstance(item, str) or len(item) > METADATA_VALUE_MAX:
            raise ApiError(
                "invalid_metadata_value",
                f"metadata value of {key!r} must be a string of at most "
                f"{METADATA_VALUE_MAX} characters",
                details={"key": key},
            )
    if len(dumps(value).encode()) > METADATA_MAX_BYTES:
        raise ApiError("metadata_too_large", f"metadata exceeds {METADATA_MAX_BYTES} bytes")
    return dict(value)


def create_request(body: dict[str, Any]) -> CreateRunRequest:
    check_metadata(body.get("metadata"))
    source = body.get("sourceMetadata")
    if source is not None and (
        not isinstance(source, dict) or not all(isinstance(v, str) for v in source.values())
    ):
        raise bad_request("sourceMetadata must be an object of strings")
    try:
        return CreateRunRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}", field=where) from None


def int_param(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer", parameter=name) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", parameter=name)
    return value


def page_limit(raw: str | None, default: int) -> int:
    return int_param(raw, "limit", default, 1, PAGE_LIMIT_MAX)


def sha256_hex(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise bad_request(f"{name} must be a hex SHA-256 digest", field=name)
    return value.lower()


def size_value(value: Any, name: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request(f"{name} must be a non-negative integer", field=name)
    return value
