"""Run a run again: the same request, with its archive packed again or fetched.

The request repeats the run's command, template, project, metadata, source
metadata, timeout, sandbox choice and artifacts. The archive is packed again from
the folder the run was launched from on this machine (:mod:`.remembered`), so the
rerun sees today's files, and :attr:`RerunPlan.changed` says whether they differ
from the run's (sha256 of the new archive against the one the run recorded); the git
facts of the source metadata are then read again, since they describe the new
archive. A run not launched here gets the archive the local backend kept for it
(its private ``/v1/_local`` routes); elsewhere there is none to be had, and
:class:`RerunUnavailable` says to launch it from its folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import ArtifactRequest, CreateRunRequest, WorkspaceRun
from .flow import ProgressCallback, launch
from .gitmeta import source_metadata
from .pack import PackedArchive, pack_directory
from .remembered import LaunchSource, recall, remember

NOT_HERE = "this run's archive is not available here: launch it from its folder"


class RerunUnavailable(Exception):
    """There is no archive to run again with (one sentence, fit to show as is)."""


@dataclass(frozen=True, slots=True)
class RerunPlan:
    """What a rerun would start, and where its archive came from."""

    run: WorkspaceRun
    request: CreateRunRequest
    archive: PackedArchive
    folder: Path | None
    """The folder packed again, or ``None`` for the archive the backend kept."""
    excludes: tuple[str, ...] = ()

    @property
    def old_sha256(self) -> str | None:
        return self.run.archive.sha256 if self.run.archive is not None else None

    @property
    def changed(self) -> bool | None:
        """Whether the archive differs from the run's (``None``: the run recorded none)."""
        old = self.old_sha256
        return None if old is None else old != self.archive.sha256

    @property
    def change_text(self) -> str:
        """``unchanged since wsr_… (sha256 1a2b3c4d5e6f)`` / ``changed since …: a → b``."""
        new = self.archive.sha256[:12]
        if self.folder is None:
            return f"the archive {self.run.id} ran with (sha256 {new})"
        old = self.old_sha256
        if old is None:
            return f"packed again (sha256 {new}); {self.run.id} recorded no archive to compare"
        if self.changed:
            return f"changed since {self.run.id}: sha256 {old[:12]} → {new}"
        return f"unchanged since {self.run.id} (sha256 {new})"


def stored_archive(data: bytes) -> PackedArchive:
    """A kept archive as :func:`launch` takes it (its files counted, if it reads)."""
    files = 0
    content = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                if member.isfile():
                    files += 1
                    content += member.size
    except (tarfile.TarError, OSError, EOFError):
        pass
    return PackedArchive(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        files=files,
        content_bytes=content,
        skipped=(),
        uses_git=False,
    )


def rerun_request(
    run: WorkspaceRun, artifacts: list[ArtifactRequest], folder: Path | None
) -> CreateRunRequest:
    """The run's own request again (fresh git facts when packed from ``folder``)."""
    source = dict(run.source_metadata)
    if folder is not None:
        source.update(source_metadata(folder))
    return CreateRunRequest(
        command=run.command,
        project_id=run.project_id,
        template=run.template_slug or None,
        metadata=dict(run.metadata) or None,
        source_metadata=source or None,
        artifacts=artifacts or None,
        keep_sandbox=True if run.keep_sandbox else None,
        timeout_ms=run.timeout_ms,
    )


async def _from_folder(run: WorkspaceRun, source: LaunchSource) -> RerunPlan:
    folder = source.path
    archive = await asyncio.to_thread(pack_directory, folder, excludes=source.excludes)
    request = await asyncio.to_thread(rerun_request, run, source.artifacts, folder)
    return RerunPlan(run, request, archive, folder, tuple(source.excludes))


async def _from_backend(client: CrowNestClient, run: WorkspaceRun) -> RerunPlan:
    try:
        data = await client.local_run_archive(run.id)
        artifacts = await client.local_run_artifacts(run.id)
    except CrowNestError as error:
        if error.status == 404:
            raise RerunUnavailable(NOT_HERE) from None
        raise
    return RerunPlan(run, rerun_request(run, artifacts, None), stored_archive(data), None)


async def plan_rerun(
    client: CrowNestClient, run_id: str, *, store: Path | None = None
) -> RerunPlan:
    """Read the run, then pack its folder again or fetch its kept archive.

    Raises :class:`RerunUnavailable`, ``CrowNestError`` or ``PackError``."""
    run = await client.get_run(run_id)
    source = recall(run_id, store)
    if source is not None and source.path.is_dir():
        return await _from_folder(run, source)
    try:
        return await _from_backend(client, run)
    except RerunUnavailable:
        if source is not None:
            raise RerunUnavailable(
                f"{source.folder}, the folder {run_id} was launched from, is gone, and {NOT_HERE}"
            ) from None
        raise


async def start_rerun(
    client: CrowNestClient,
    plan: RerunPlan,
    *,
    on_progress: ProgressCallback | None = None,
    store: Path | None = None,
) -> WorkspaceRun:
    """Launch the plan; the new run is remembered with the same folder (if any).

    Raises ``LaunchError``."""
    run = await launch(client, plan.request, plan.archive, on_progress=on_progress)
    if plan.folder is not None:
        remember(
            run.id,
            plan.folder,
            excludes=plan.excludes,
            artifacts=plan.request.artifacts or (),
            path=store,
        )
    return run
