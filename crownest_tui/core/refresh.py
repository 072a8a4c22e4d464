"""When the list refreshes next: a fixed interval, paused, or backing off after failures."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BACKOFF = 60.0


@dataclass
class RefreshSchedule:
    """``interval`` seconds between refreshes (0 = manual); after ``failures`` failed
    loads the next try waits ``base * 2**(failures-1)`` seconds, up to a minute."""

    interval: float = 5.0
    paused: bool = False
    failures: int = 0

    @property
    def automatic(self) -> bool:
        return self.interval > 0 and not self.paused

    def next_delay(self) -> float | None:
        """Seconds until the next automatic load, ``None`` when there is none."""
        if not self.automatic:
            return None
        if self.failures == 0:
            return self.interval
        base = min(1.0, self.interval)
        delay: float = base * 2.0 ** (self.failures - 1)
        return min(max(MAX_BACKOFF, self.interval), delay)

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> None:
        self.failures += 1

    def toggle(self) -> bool:
        """Pause or resume; returns whether auto-refresh is now on."""
        self.paused = not self.paused
        return self.automatic

    def retry_note(self) -> str:
        delay = self.next_delay()
        if delay is None:
            return "auto-refresh is off, r retries"
        return f"retrying in {delay:g} s (attempt {self.failures + 1}), r retries now"
