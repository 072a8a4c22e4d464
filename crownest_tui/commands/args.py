"""Argument types shared by the subcommands (each raises ``ArgumentTypeError``)."""

from __future__ import annotations

import argparse
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
            raise argparse.ArgumentTypeError(
                f"not a duration: {text!r} (use e.g. 90s, 10m, 1h30m)"
            ) from None
    if not seconds > 0 or seconds != seconds:
        raise argparse.ArgumentTypeError(f"a duration must be more than zero, got {text!r}")
    return seconds


def key_value(text: str) -> tuple[str, str]:
    """``"key=value"`` -> ``("key", "value")`` (the key must not be empty)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _id(text: str, prefix: str) -> str:
    try:
        return check_id(text.strip(), prefix)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_pairs_option(parser: argparse.ArgumentParser, flag: str, text: str) -> None:
    """A repeatable ``--flag KEY=VALUE`` option collected as a list of pairs."""
    parser.add_argument(
        flag, metavar="KEY=VALUE", type=key_value, action="append", default=[], help=text
    )


def run_id(text: str) -> str:
    """A ``wsr_…`` id."""
    return _id(text, "wsr")


def project_id(text: str) -> str:
    """A ``prj_…`` id."""
    return _id(text, "prj")


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def count(text: str) -> int:
    """A whole number of at least 1 (``--limit``)."""
    return _whole(text, 1)


def seq(text: str) -> int:
    """An event sequence number, 0 or more (``--after-seq``)."""
    return _whole(text, 0)
