"""Typed async client for the CrowNest Workspace Runs API (no UI imports here).

``from crownest_tui.api import CrowNestClient`` is the public entry point. The event
models and the stream engine are imported on first use (PEP 562): the dashboard's
start-up needs neither, and building the event models costs tens of milliseconds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .client import CrowNestClient, new_idempotency_key
from .credentials import ConfigError, Connection, Secret, resolve_connection
from .errors import CrowNestError
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

if TYPE_CHECKING:
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
    from .stream import EventStream, StreamOptions, StreamState, StreamStatus

_LAZY = {
    "events": (
        "ArchiveProgressEvent",
        "ArtifactCollectedEvent",
        "ArtifactErrorEvent",
        "BadPayload",
        "ErrorEvent",
        "EventPage",
        "HeartbeatEvent",
        "RunEvent",
        "StatusEvent",
        "StderrEvent",
        "StdoutEvent",
        "TerminalEvent",
        "UnknownEvent",
    ),
    "stream": ("EventStream", "StreamOptions", "StreamState", "StreamStatus"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}

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


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
