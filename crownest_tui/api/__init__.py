"""Typed async client for the CrowNest Workspace Runs API (no UI imports here).

``from crownest_tui.api import CrowNestClient`` is the public entry point.
"""

from .client import CrowNestClient, new_idempotency_key
from .credentials import ConfigError, Connection, Secret, resolve_connection
from .errors import CrowNestError
from .events import (
    ArchiveProgressEvent,
    ArtifactCollectedEvent,
    ArtifactErrorEvent,
    BadPayload,
    ErrorEvent,
    EventPage,
    HeartbeatEvent,
    RunEvent,
    StatusEvent,
    StderrEvent,
    StdoutEvent,
    TerminalEvent,
    UnknownEvent,
)
from .models import (
    ArchiveTransfer,
    ArchiveUploadResult,
    Artifact,
    CreateRunRequest,
    EvidenceBundle,
    Page,
    Project,
    RunStatus,
    WorkspaceRun,
    is_terminal,
)
from .retry import Backoff
from .stream import EventStream, StreamOptions, StreamState, StreamStatus

__all__ = [
    "ArchiveProgressEvent",
    "ArchiveTransfer",
    "ArchiveUploadResult",
    "Artifact",
    "ArtifactCollectedEvent",
    "ArtifactErrorEvent",
    "Backoff",
    "BadPayload",
    "ConfigError",
    "Connection",
    "CreateRunRequest",
    "CrowNestClient",
    "CrowNestError",
    "ErrorEvent",
    "EventPage",
    "EventStream",
    "EvidenceBundle",
    "HeartbeatEvent",
    "Page",
    "Project",
    "RunEvent",
    "RunStatus",
    "Secret",
    "StatusEvent",
    "StderrEvent",
    "StdoutEvent",
    "StreamOptions",
    "StreamState",
    "StreamStatus",
    "TerminalEvent",
    "UnknownEvent",
    "WorkspaceRun",
    "is_terminal",
    "new_idempotency_key",
    "resolve_connection",
]
