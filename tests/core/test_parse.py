"""The core parsers raise ValueError with the message the CLI and the form show."""

from __future__ import annotations

import re

import pytest

from crownest_tui.core.net import is_loopback
from crownest_tui.core.parse import (
    parse_duration,
    parse_key_value,
    parse_project_id,
    parse_run_id,
    parse_whole,
)


@pytest.mark.parametrize(
    ("text", "seconds"), [("10m", 600), ("1h30m", 5400), ("500ms", 0.5), (" 45 ", 45)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "not a duration: 'soon' (use e.g. 90s, 10m, 1h30m)"),
        ("1h 30m", "not a duration: '1h 30m'"),
        ("", "not a duration: ''"),
        ("0s", "a duration must be more than zero, got '0s'"),
        ("-5", "a duration must be more than zero, got '-5'"),
        ("nan", "a duration must be more than zero, got 'nan'"),
    ],
)
def test_bad_durations_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_duration(text)


def test_key_value() -> None:
    assert parse_key_value(" branch =main ") == ("branch", "main ")
    assert parse_key_value("a=b=c") == ("a", "b=c")
    for bad in ("novalue", "=x", " =x"):
        with pytest.raises(ValueError, match="expected KEY=VALUE"):
            parse_key_value(bad)


def test_ids_are_checked_by_prefix() -> None:
    assert parse_run_id(" wsr_1 ") == "wsr_1"
    assert parse_project_id("prj_web") == "prj_web"
    with pytest.raises(ValueError, match="is not a prj_… id"):
        parse_project_id("wsr_1")
    with pytest.raises(ValueError, match="is not a wsr_… id"):
        parse_run_id("wsr_a/b")


def test_whole_numbers() -> None:
    assert parse_whole("0", 0) == 0 and parse_whole("7", 1) == 7
    with pytest.raises(ValueError, match=re.escape("not a whole number: '1.5'")):
        parse_whole("1.5", 0)
    with pytest.raises(ValueError, match="must be at least 1, got 0"):
        parse_whole("0", 1)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
