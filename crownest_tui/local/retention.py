"""Artifacts past their ``retentionExpiresAt``: the file deleted, the record kept.

An expired artifact's record stays (``GET /v1/artifacts/{id}`` answers it, with
``deletedAt``) and its file goes, as the hosted service's retention does; its download
then answers 404 (:data:`.contract.ARTIFACT_SWEEP_SECONDS` has the details).
:meth:`ArtifactRetention.keep` deletes each artifact when its time comes, while the
backend runs; :meth:`ArtifactRetention.sweep` also runs before any artifact is read, so
an answer never shows a file whose time has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from .contract import ARTIFACT_SWEEP_SECONDS, now_iso
from .store import Store

log = logging.getLogger("crownest_tui.local")


def _seconds_until(moment: str) -> float:
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return (when - datetime.now(UTC)).total_seconds()


class ArtifactRetention:
    """Deletes the files of the artifacts in ``store`` whose retention has ended."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._changed = asyncio.Event()

    def sweep(self) -> int:
        """Delete every expired artifact's file and mark its record; how many."""
        now = now_iso()
        expired = self.store.artifacts_expired_by(now)
        for artifact, file in expired:
            with contextlib.suppress(FileNotFoundError):
                Path(file).unlink()
            self.store.update_artifact(replace(artifact, deleted_at=now))
            log.info("artifact %s expired: its file is deleted", artifact.id)
        return len(expired)

    def next_wait(self) -> float:
        """Seconds until the next artifact expires (at most ``ARTIFACT_SWEEP_SECONDS``)."""
        upcoming = self.store.next_artifact_expiry()
        if upcoming is None:
            return ARTIFACT_SWEEP_SECONDS
        return min(ARTIFACT_SWEEP_SECONDS, max(0.0, _seconds_until(upcoming)))

    async def keep(self) -> None:
        """Sweep now, then whenever the next artifact expires, until cancelled.

        A run that collects an artifact wakes it (:meth:`collected`): the new one may
        expire before the one it was waiting for (when none was: the wait is long)."""
        while True:
            self.sweep()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), self.next_wait() + 0.001)

    def collected(self) -> None:
        """A new artifact is stored: its expiry may be the next one."""
        self._changed.set()
