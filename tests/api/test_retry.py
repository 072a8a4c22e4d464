"""Backoff and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from crownest_tui.api.retry import Backoff, parse_retry_after


def test_backoff_doubles_with_jitter_and_caps() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    for attempt, ceiling in enumerate([1, 2, 4, 8, 8, 8]):
        for _ in range(50):
            assert ceiling / 2 <= backoff.delay(attempt) <= ceiling


def test_first_retry_can_be_immediate() -> None:
    backoff = Backoff(base=0.5, cap=4.0, first=0.0)
    assert backoff.delay(0) == 0.0
    assert 0.25 <= backoff.delay(1) <= 0.5
    assert 2.0 <= backoff.delay(10) <= 4.0


def test_retry_after_wins_but_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=2.0, max_retry_after=30.0)
    assert backoff.delay(0, retry_after=7.0) == 7.0
    assert backoff.delay(0, retry_after=3600.0) == 30.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=42), usegmt=True), now) == 42
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-4") == 0.0


def test_jitter_can_be_switched_off() -> None:
    backoff = Backoff(base=1.0, cap=8.0, jitter=False)
    assert [backoff.delay(n) for n in range(5)] == [1, 2, 4, 8, 8]
