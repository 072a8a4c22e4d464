"""What a screen following a run knows about it, built from its event stream.

Pure state (no widgets, no I/O): :class:`RunFeed` opens the run's stream and takes
its batches into :class:`RunDetailState`; the UI's follower does the reading, and the
screen (the detail screen, a split tail pane) hands the parts down to its widgets.
Output events become :class:`OutputChunk`s for the log view; every event becomes one
line for the raw Events view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..api.events import (
    ArchiveProgressEvent,
    ArtifactCollectedEvent,
    ArtifactErrorEvent,
    ErrorEvent,
    HeartbeatEvent,
    RunEvent,
    StatusEvent,
    StderrEvent,
    StdoutEvent,
    TerminalEvent,
    UnknownEvent,
)
from ..api.models import ArtifactError, RunStatus, WorkspaceRun
from ..api.stream import EventStream, StreamState
from ..text.format import format_size
from ..text.progress import TransferMeter
from .chunk import OutputChunk

if TYPE_CHECKING:
    from ..api.client import CrowNestClient

SUMMARY_WIDTH = 160


@dataclass(frozen=True)
class TimelineStep:
    """One status the run passed through: when it began, and when the next began."""

    status: str
    started: datetime
    ended: datetime | None


@dataclass
class ArtifactRow:
    """An artifact the run produced (size and retention filled in when fetched)."""

    artifact_id: str
    path: str
    size_bytes: int | None = None
    retention_expires_at: datetime | None = None
    deleted_at: datetime | None = None
    """Its retention ended and its file was deleted: it cannot be downloaded."""


@dataclass
class RunDetailState:
    """Everything the detail screen derives from the stream, in seq order."""

    run: WorkspaceRun | None = None
    timeline: list[TimelineStep] = field(default_factory=list)
    received_bytes: int | None = None
    archive_size: int | None = None
    archive_meter: TransferMeter | None = None
    """The archive's upload as ``archive_progress`` events report it, timed by the
    events' own times (so a replayed upload shows the rate it had)."""
    artifacts: dict[str, ArtifactRow] = field(default_factory=dict)
    artifact_errors: list[ArtifactError] = field(default_factory=list)
    stream_error: ErrorEvent | None = None
    last_heartbeat: datetime | None = None

    def ingest(self, events: list[RunEvent]) -> tuple[list[OutputChunk], list[OutputChunk]]:
        """Take a batch; return (log chunks, raw event lines) for the two views."""
        output: list[OutputChunk] = []
        raw: list[OutputChunk] = []
        for event in events:
            raw.append(OutputChunk("stdout", event_line(event) + "\n", event.seq, event.created_at))
            if isinstance(event, (StdoutEvent, StderrEvent)):
                output.append(OutputChunk(event.type, event.data, event.seq, event.created_at))
            elif isinstance(event, StatusEvent):
                self._status(event)
            elif isinstance(event, ArchiveProgressEvent):
                self._archive_progress(event)
            elif isinstance(event, ArtifactCollectedEvent):
                row = self.artifacts.setdefault(
                    event.artifact_id, ArtifactRow(event.artifact_id, "")
                )
                row.path = row.path or event.path
            elif isinstance(event, ArtifactErrorEvent):
                self._add_error(event.error)
            elif isinstance(event, TerminalEvent):
                self.set_run(event.workspace_run)
            elif isinstance(event, ErrorEvent):
                self.stream_error = event
            elif isinstance(event, HeartbeatEvent):
                self.last_heartbeat = event.created_at
        return output, raw

    def _archive_progress(self, event: ArchiveProgressEvent) -> None:
        self.received_bytes = event.received_bytes
        if event.size_bytes is not None:
            self.archive_size = event.size_bytes
        meter = self.archive_meter
        if meter is None or meter.total != self.archive_size:
            meter = self.archive_meter = TransferMeter(self.archive_size)
        created = event.created_at
        # An event without a time is counted at the last one's: it tells no rate.
        at = created.timestamp() if created is not None else (meter.last_at or 0.0)
        meter.update(event.received_bytes, at)

    @property
    def receiving_archive(self) -> bool:
        """The run waits for its archive, which has not all arrived (as far as we know)."""
        run = self.run
        if run is None or run.status != RunStatus.AWAITING_ARCHIVE:
            return False
        return self.archive_meter is None or not self.archive_meter.finished

    def set_run(self, run: WorkspaceRun) -> None:
        """A fresher copy of the run (GET, terminal event, cancel answer)."""
        self.run = run
        for error in run.artifact_errors:
            self._add_error(error)
        for artifact_id in run.artifact_ids:
            self.artifacts.setdefault(artifact_id, ArtifactRow(artifact_id, ""))
        if run.archive is not None and self.archive_size is None:
            self.archive_size = run.archive.size_bytes

    def _add_error(self, error: ArtifactError) -> None:
        """The same error arrives as an event and in the final run: keep it once."""
        if error not in self.artifact_errors:
            self.artifact_errors.append(error)

    def _status(self, event: StatusEvent) -> None:
        run = self.run
        # Status events move a live run along; a finished run stays finished (opening
        # one replays its whole history).
        if run is not None and not run.is_terminal and run.status != event.status:
            self.run = run.model_copy(update={"status": event.status})
        at = event.created_at
        if at is None:
            return
        if self.timeline and self.timeline[-1].status == event.status:
            return
        if self.timeline:
            last = self.timeline[-1]
            self.timeline[-1] = TimelineStep(last.status, last.started, at)
        self.timeline.append(TimelineStep(str(event.status), at, None))


class RunFeed:
    """One run's event stream and the state built from it (no I/O of its own).

    Each view that tails a run has one, so each gets the same exactly-once
    transcript: a stream opened again resumes after the last seq delivered before.
    """

    def __init__(self, run_id: str, after_seq: int | None = None) -> None:
        self.run_id = run_id
        self.after_seq = after_seq
        self.state = RunDetailState()
        self.stream: EventStream | None = None

    def open(self, client: CrowNestClient) -> EventStream:
        """A new stream of the run, resuming after the last event delivered (the
        ``after_seq`` the feed was made with, for the first one)."""
        after = self.after_seq if self.stream is None else self.stream.status.last_seq
        self.stream = client.stream_events(self.run_id, after)
        return self.stream

    def ingest(self, events: list[RunEvent]) -> tuple[list[OutputChunk], list[OutputChunk]]:
        """Take a batch of the stream into the state; (log chunks, raw event lines)."""
        return self.state.ingest(events)

    def reconnect(self) -> bool:
        """Reconnect a live stream now; True when the caller must open a new one
        (the stream failed or was closed, or never started)."""
        stream = self.stream
        if stream is not None and not stream.status.is_over:
            stream.reconnect_now()
            return False
        return stream is None or stream.status.state is not StreamState.ENDED


def event_line(event: RunEvent) -> str:
    """``seq type summary`` for the raw Events view (times come from the view)."""
    return f"{event.seq:>8}  {event.type:<18}  {event_summary(event)}"


def event_summary(event: RunEvent) -> str:
    """A one-line description of an event's payload."""
    if isinstance(event, (StdoutEvent, StderrEvent)):
        text = json.dumps(event.data, ensure_ascii=False)
    elif isinstance(event, StatusEvent):
        text = str(event.status)
    elif isinstance(event, ArchiveProgressEvent):
        text = format_size(event.received_bytes)
        if event.size_bytes is not None:
            text += f" of {format_size(event.size_bytes)}"
    elif isinstance(event, ArtifactCollectedEvent):
        text = f"{event.artifact_id} {event.path}"
    elif isinstance(event, ArtifactErrorEvent):
        text = f"{event.error.code} {event.error.path}: {event.error.message}"
    elif isinstance(event, TerminalEvent):
        run = event.workspace_run
        text = f"{run.status} exit={run.exit_code} reason={run.failure_reason}"
    elif isinstance(event, ErrorEvent):
        text = f"{event.code}: {event.message}"
    elif isinstance(event, UnknownEvent):
        text = json.dumps(event.raw, ensure_ascii=False, sort_keys=True)
    else:
        text = ""
    return text if len(text) <= SUMMARY_WIDTH else text[: SUMMARY_WIDTH - 1] + "…"
