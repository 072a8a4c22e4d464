"""The quiet threshold in the config, and how a quiet spell is written."""

from __future__ import annotations

import pytest

from crownest_tui.api.credentials import ConfigError
from crownest_tui.config import parse_settings
from crownest_tui.core.quiet import DEFAULT_QUIET_AFTER, quiet_text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5m", 300.0), ("90s", 90.0), (45, 45.0), (0, 0.0), ("off", 0.0), ("1h30m", 5400.0)],
)
def test_quiet_after_takes_durations_and_off(value: object, seconds: float) -> None:
    assert parse_settings({"ui": {"quiet_after": value}}, "test").ui.quiet_after == seconds


def test_quiet_after_defaults_to_five_minutes_and_refuses_nonsense() -> None:
    assert parse_settings({}, "test").ui.quiet_after == DEFAULT_QUIET_AFTER == 300.0
    with pytest.raises(ConfigError, match=r"ui\.quiet_after: not a duration: 'soon'"):
        parse_settings({"ui": {"quiet_after": "soon"}}, "test")
    with pytest.raises(ConfigError, match=r"ui\.quiet_after"):
        parse_settings({"ui": {"quiet_after": -1}}, "test")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2.7, "Quiet for 2s"),
        (300.0, "Quiet for 5m"),
        (359.0, "Quiet for 5m"),
        (5400.0, "Quiet for 1h 30m"),
    ],
)
def test_quiet_text(seconds: float, text: str) -> None:
    assert quiet_text(seconds) == text
