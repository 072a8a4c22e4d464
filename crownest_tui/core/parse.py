"""Parsing what people type: durations, ``key=value`` pairs, ids, whole numbers.

Each parser raises ``ValueError`` with a one-line message fit to show as is; the
command line (:mod:`crownest_tui.commands.args`) and the new-run form wrap them.
"""

from __future__ import annotations

import re

from ..api.ids import check_id

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """``"10m"``, ``"90s"``, ``"1h30m"``, ``"500ms"`` or plain seconds -> seconds (> 0)."""
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        position = 0
        seconds = 0.0
        for match in _DURATION_PART.finditer(value):
            if match.start() != position:
                break
            seconds += float(match[1]) * _UNIT_SECONDS[match[2]]
            position = match.end()
        if position != len(value) or not value:
            raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 10m, 1h30m)") from None
    if not seconds > 0 or seconds != seconds:
        raise ValueError(f"a duration must be more than zero, got {text!r}")
    return seconds


def parse_key_value(text: str) -> tuple[str, str]:
    """``"key=value"`` -> ``("key", "value")`` (the key must not be empty)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def parse_run_id(text: str) -> str:
    """A ``wsr_…`` id (surrounding blanks ignored)."""
    return check_id(text.strip(), "wsr")


def parse_project_id(text: str) -> str:
    """A ``prj_…`` id (surrounding blanks ignored)."""
    return check_id(text.strip(), "prj")


def parse_whole(text: str, minimum: int) -> int:
    """A whole number of at least ``minimum``."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None
    if value < minimum:
        raise ValueError(f"must be at least {minimum}, got {value}")
    return value
