"""A window of time and the runs in it, as the Insights figures see them (no UI, no I/O).

:class:`Window` is the last hour, 24 h or 7 days in whole buckets; :class:`RunFacts`
is a slotted record of only what the figures need of one run (a pydantic run costs
several times as much), so 20,000 of them stay a few MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from ..api.models import RunStatus, WorkspaceRun
from ..api.summaries import RunSummary

RESULTS: tuple[str, ...] = ("succeeded", "failed", "canceled", "active")
ENDED = frozenset(RESULTS[:3])
#: Active statuses that do not hold a sandbox yet.
WAITING_STATUSES = frozenset({RunStatus.AWAITING_ARCHIVE.value, RunStatus.ARCHIVE_UPLOADED.value})


class Window(Enum):
    """A time window: its label, its length and its bucket, in seconds."""

    HOUR = ("1h", 3600, 300)
    DAY = ("24h", 86_400, 3600)
    WEEK = ("7d", 604_800, 21_600)

    def __init__(self, label: str, seconds: int, bucket: int) -> None:
        self.label = label
        self.seconds = seconds
        self.bucket = bucket

    @property
    def buckets(self) -> int:
        return self.seconds // self.bucket

    def step(self, delta: int) -> Window:
        """The next shorter (-1) or longer (+1) window, stopping at the ends."""
        order = list(Window)
        index = max(0, min(len(order) - 1, order.index(self) + delta))
        return order[index]

    @classmethod
    def parse(cls, text: str) -> Window:
        for window in cls:
            if window.label == text.strip().lower():
                return window
        raise ValueError(f"unknown window {text!r}; choose one of 1h, 24h, 7d")

    def span(self, now: float) -> tuple[float, float]:
        """(start, end) in epoch seconds: whole buckets, the last one ending at or
        just after ``now`` (so bucket edges fall on round times: 12:05, 13:00, 06:00 UTC)."""
        end = math.ceil(now / self.bucket) * self.bucket
        return end - self.seconds, end


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the figures need of one run (times in epoch seconds)."""

    id: str
    project_id: str
    template: str
    status: str
    created: float
    started: float | None = None
    duration_ms: int | None = None
    exit_code: int | None = None
    failure_reason: str | None = None
    timeout_ms: int | None = None
    command: str = ""
    result: str = field(init=False)
    """``succeeded``, ``failed``, ``canceled`` or ``active`` (from ``status``)."""

    def __post_init__(self) -> None:
        status = self.status
        object.__setattr__(self, "result", status if status in ENDED else "active")

    @classmethod
    def of(cls, run: WorkspaceRun | RunSummary) -> RunFacts:
        return cls(
            id=run.id,
            project_id=run.project_id,
            template=run.template_slug,
            status=str(run.status),
            created=run.created_at.timestamp(),
            started=_epoch(run.started_at),
            duration_ms=run.duration_ms,
            exit_code=run.exit_code,
            failure_reason=None if run.failure_reason is None else str(run.failure_reason),
            timeout_ms=run.timeout_ms,
            command=run.command,
        )

    @property
    def holds_sandbox(self) -> bool:
        return self.result == "active" and self.status not in WAITING_STATUSES
