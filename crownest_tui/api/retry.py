"""Backoff policies: capped exponential with jitter, and ``Retry-After`` parsing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Statuses worth another try: the server or a proxy may recover.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Backoff:
    """``delay(n)`` for the n-th retry (0-based): ``first`` for n=0, then doubling.

    ``first=0`` makes the first retry immediate (the stream's rule). Jitter takes the
    delay uniformly from [d/2, d] so that many clients do not retry in step.
    """

    base: float = 0.25
    cap: float = 10.0
    first: float | None = None
    max_retry_after: float = 60.0
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        if attempt == 0 and self.first is not None:
            return self.first
        n = attempt - 1 if self.first is not None else attempt
        ceiling = min(self.cap, self.base * (2 ** min(n, 30)))
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
