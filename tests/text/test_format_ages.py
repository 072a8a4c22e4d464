"""Relative ages: what they read, and when they next read differently (the list's
clock repaints a cell only then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crownest_tui.text.format import ago, compact_age, compact_age_changes_at

NOW = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "just now"),
        (4.9, "just now"),
        (9.99, "just now"),  # a list refreshed every 5 s keeps this text
        (10, "10 s ago"),
        (59.9, "59 s ago"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (7200, "2 h ago"),
    ],
)
def test_updated_ago(seconds: float, text: str) -> None:
    assert ago(seconds) == text


@pytest.mark.parametrize(
    "age",
    [
        timedelta(0),
        timedelta(seconds=59, milliseconds=500),
        timedelta(minutes=1),
        timedelta(minutes=59, seconds=59),
        timedelta(hours=47, minutes=59),
        timedelta(days=3, hours=5),
        timedelta(seconds=-30),  # created "in the future" (clock skew): 0s
    ],
)
def test_a_compact_age_keeps_its_text_until_it_changes(age: timedelta) -> None:
    moment = NOW - age
    text = compact_age(moment, NOW)
    changes = compact_age_changes_at(moment, NOW)
    assert changes > NOW
    just_before = changes - timedelta(microseconds=1)
    assert compact_age(moment, just_before) == text
    assert compact_age(moment, changes) != text
