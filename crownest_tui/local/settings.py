"""The local backend's settings and the layout of its state dir."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..api.models import CleanupStatus
from .archive import Limits
from .contract import (
    ARTIFACT_RETENTION_SECONDS,
    CANCEL_GRACE_SECONDS,
    HEARTBEAT_SECONDS,
    TRANSFER_TTL_SECONDS,
)
from .records import RunRecord
from .sandbox import RunDirs


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    heartbeat: float = HEARTBEAT_SECONDS
    cancel_grace: float = CANCEL_GRACE_SECONDS
    transfer_ttl: float = TRANSFER_TTL_SECONDS
    #: Seconds an artifact is kept (``retentionExpiresAt``); then its file is deleted.
    artifact_retention: float = ARTIFACT_RETENTION_SECONDS
    test_hooks: bool = False
    #: Runs get a pseudo-terminal per output stream unless their metadata says no.
    tty: bool = False
    limits: Limits = field(default_factory=Limits)
    #: Run each command in its own bubblewrap sandbox, where the host allows it.
    sandbox: bool = True
    #: Give sandboxed runs the host's network (else an empty network namespace).
    network: bool = True


class StatePaths:
    """Where things live under the state dir (directories are made on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.database = root / "state.sqlite3"
        for name in ("archives", "uploads", "workspaces", "artifacts", "sandboxes"):
            (root / name).mkdir(parents=True, exist_ok=True)

    def archive(self, run_id: str) -> Path:
        return self.root / "archives" / f"{run_id}.tar.gz"

    def upload(self, upload_id: str) -> Path:
        return self.root / "uploads" / f"{upload_id}.part"

    def workspace(self, run_id: str) -> Path:
        return self.root / "workspaces" / run_id

    def run_dirs(self, run_id: str) -> RunDirs:
        """The run's workspace, and its private home, /tmp and sandbox info file."""
        private = self.root / "sandboxes" / run_id
        return RunDirs(
            self.workspace(run_id), private / "home", private / "tmp", private / "info.json"
        )

    def artifact(self, artifact_id: str) -> Path:
        return self.root / "artifacts" / artifact_id

    def remove_workspace(self, run: RunRecord) -> CleanupStatus:
        """Remove the run's workspace unless it keeps its sandbox; its cleanupStatus."""
        if run.keep_sandbox:
            return CleanupStatus.NOT_REQUESTED
        shutil.rmtree(self.workspace(run.id), ignore_errors=True)
        shutil.rmtree(self.root / "sandboxes" / run.id, ignore_errors=True)
        return CleanupStatus.SUCCEEDED
