"""How far a transfer is: bytes done of a total, its rate and the time left.

One model for every progress bar of ours (the CLI's launch, the new-run form, the
detail screen's upload bar fed by ``archive_progress`` events), with no UI in it.
Feed it ``update(done, at)`` from any clock in seconds (``time.monotonic()``, or an
event's timestamp); the rate is measured over the last ``window`` seconds only, so
it follows a link that slows down or speeds up instead of averaging from the start.
A count that goes back (a retried upload starting over) starts the measure again.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from .format import format_duration, format_rate, format_size

#: Seconds of samples the rate is measured over.
RATE_WINDOW = 5.0
#: No rate (nor time left) until the samples span at least this long: the first
#: fractions of a second mostly measure buffers filling, not the link.
MIN_SPAN = 0.5
_BAR_EIGHTHS = " ▏▎▍▌▋▊▉"
#: The widest bar of a progress line, and the narrowest worth drawing.
BAR_CELLS = 30
MIN_BAR_CELLS = 8
_LONGEST_RATE_AND_LEFT = ", 1023.9 KiB/s, 9m 59s left"


@dataclass
class TransferMeter:
    """Bytes ``done`` of ``total`` (None when unknown), with rate and time left."""

    total: int | None
    window: float = RATE_WINDOW
    min_span: float = MIN_SPAN
    done: int = 0
    started_at: float | None = None
    last_at: float | None = None
    _samples: deque[tuple[float, int]] = field(default_factory=deque, repr=False)

    def update(self, done: int, at: float) -> None:
        """Record that ``done`` bytes were through at time ``at``."""
        if self.total is not None:
            done = min(done, self.total)
        done = max(0, done)
        if done < self.done or self.started_at is None:
            self._samples.clear()
            self.started_at = at
        self.done = done
        self.last_at = at
        self._samples.append((at, done))
        while len(self._samples) > 2 and at - self._samples[1][0] >= self.window:
            self._samples.popleft()

    def tick(self, at: float) -> None:
        """No new bytes by ``at``: lets the rate fall while a link stalls."""
        self.update(self.done, at)

    @property
    def finished(self) -> bool:
        return self.total is not None and self.done >= self.total

    @property
    def fraction(self) -> float | None:
        """0.0 to 1.0, or None when the total is unknown (an empty total is done)."""
        if self.total is None:
            return None
        return 1.0 if self.total <= 0 else self.done / self.total

    @property
    def elapsed(self) -> float:
        if self.started_at is None or self.last_at is None:
            return 0.0
        return self.last_at - self.started_at

    @property
    def rate(self) -> float | None:
        """Bytes per second over the window, or None while there is too little to tell."""
        if len(self._samples) < 2:
            return None
        (first_at, first_done), (last_at, last_done) = self._samples[0], self._samples[-1]
        span = last_at - first_at
        if span < self.min_span:
            return None
        return (last_done - first_done) / span

    @property
    def average_rate(self) -> float | None:
        """Bytes per second since the start (for a summary once finished)."""
        return self.done / self.elapsed if self.elapsed > 0 else None

    @property
    def seconds_left(self) -> float | None:
        """Time to the total at the current rate; 0 once done; None when unknown."""
        if self.total is None:
            return None
        if self.finished:
            return 0.0
        rate = self.rate
        if not rate or rate <= 0:
            return None
        return (self.total - self.done) / rate


def progress_bar(fraction: float, width: int) -> str:
    """A bar of ``width`` cells drawn with eighth blocks (spaces for what is left)."""
    width = max(0, width)
    eighths = math.floor(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BAR_EIGHTHS[part] if full < width else "")
    return bar.ljust(width)


def describe(meter: TransferMeter) -> str:
    """``2.1 MiB of 8.0 MiB, 256.0 KiB/s, 23s left`` (parts shown once known)."""
    parts = [format_size(meter.done)]
    if meter.total is not None:
        parts[0] += f" of {format_size(meter.total)}"
    rate = meter.rate
    if rate is not None:
        parts.append(format_rate(rate))
    left = meter.seconds_left
    if left is not None and not meter.finished:
        parts.append(f"{format_duration(left)} left")
    return ", ".join(parts)


def meter_line(verb: str, meter: TransferMeter, width: int, extra: str = "") -> str:
    """``verb ████▌    45%  bytes, rate, time left`` for ``width`` cells: the bar takes
    what the width leaves once the longest text is allowed for, so it does not shrink
    when the rate appears (and is left out when too narrow); ``extra`` comes last, the
    first thing cut when the line is too long. No bar nor percentage without a total."""
    if meter.total is None:
        return f"{verb}  {describe(meter)}{extra}"
    fraction = meter.fraction or 0.0
    percent = math.floor(fraction * 100)  # 100% only once it is all there
    after = f" {percent:3d}%  {describe(meter)}{extra}"
    total = format_size(meter.total)
    longest = len(f" 100%  {total} of {total}{_LONGEST_RATE_AND_LEFT}")
    cells = min(BAR_CELLS, width - len(verb) - 1 - longest)
    bar = f" {progress_bar(fraction, cells)}" if cells >= MIN_BAR_CELLS else ""
    return f"{verb}{bar}{after}"


def summary(meter: TransferMeter) -> str:
    """``8.0 MiB in 31s (263.2 KiB/s)``: what a finished transfer took (no rate for
    one too short to measure a link by)."""
    text = format_size(meter.done)
    if meter.elapsed > 0:
        text += f" in {format_duration(meter.elapsed)}"
        average = meter.average_rate
        if average is not None and meter.elapsed >= meter.min_span:
            text += f" ({format_rate(average)})"
    return text
