"""The backend's core: run records and their life cycle, independent of HTTP.

Handlers and the demo seed call these methods; each change of a run is saved and, for a
status change, checked against :mod:`.lifecycle` and followed by its ``status`` event.
Everything runs on the event loop thread, so a load-change-save without an ``await``
in between is atomic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from ..api.models import (
    CleanupStatus,
    CreateRunRequest,
    FailureClass,
    FailureReason,
    RunStatus,
    is_terminal,
)
from .contract import DEFAULT_TEMPLATE, IN_FLIGHT, ORG_ID, TEMPLATES, dumps, new_id, now_iso
from .errors import ApiError, bad_request, conflict, not_found
from .executor import RunExecution
from .hub import EventHub
from .lifecycle import check_transition
from .records import ArchiveRecord, ProjectRecord, RunRecord, RunSpec
from .retention import ArtifactRetention
from .run_process import end_run_processes
from .runtime import Runtime
from .settings import Settings, StatePaths
from .store import Store

log = logging.getLogger("crownest_tui.local")


def _millis_between(start: str, end: str) -> int:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    finish = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return max(0, round((finish - begin).total_seconds() * 1000))


class Backend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = StatePaths(settings.state_dir)
        self.runtime = Runtime(
            settings.state_dir, sandbox=settings.sandbox, network=settings.network
        )
        self.store = Store(self.paths.database)
        self.hub = EventHub(self.store)
        self.retention = ArtifactRetention(self.store)
        self.executions: dict[str, RunExecution] = {}
        self._retention_task: asyncio.Task[None] | None = None

    # -- projects ----------------------------------------------------------------------

    def create_project(self, name: str) -> ProjectRecord:
        project = ProjectRecord(id=new_id("prj"), org_id=ORG_ID, name=name, created_at=now_iso())
        self.store.insert_project(project)
        return project

    def _project_for(self, project_id: str | None) -> str:
        if project_id is not None:
            if self.store.get_project(project_id) is None:
                raise not_found("project", project_id)
            return project_id
        return self.store.oldest_project_id() or self.create_project("Default").id

    # -- runs ----------------------------------------------------------------------------

    def run(self, run_id: str) -> RunRecord:
        row = self.store.get_run(run_id)
        if row is None:
            raise not_found("workspace run", run_id)
        return row.run

    def new_run(self, req: CreateRunRequest) -> tuple[RunRecord, RunSpec]:
        """The record of a run ``req`` asks for (awaiting its archive), not yet stored."""
        slug = req.template or DEFAULT_TEMPLATE
        if req.template_version_id is not None:
            matches = [s for s, t in TEMPLATES.items() if t[2] == req.template_version_id]
            if not matches or (req.template and req.template != matches[0]):
                raise bad_request(f"unknown template version {req.template_version_id}")
            slug = matches[0]
        if slug not in TEMPLATES:
            raise bad_request(f"unknown template {slug!r}", known=sorted(TEMPLATES))
        template_id, version, version_id = TEMPLATES[slug]
        run = RunRecord(
            id=new_id("wsr"),
            org_id=ORG_ID,
            project_id=self._project_for(req.project_id),
            status=RunStatus.AWAITING_ARCHIVE,
            command=req.command,
            keep_sandbox=bool(req.keep_sandbox),
            metadata=dict(req.metadata or {}),
            template_id=template_id,
            template_slug=slug,
            template_version=version,
            template_version_id=version_id,
            created_at=now_iso(),
            cleanup_status=(
                CleanupStatus.NOT_REQUESTED if req.keep_sandbox else CleanupStatus.PENDING
            ),
            source_metadata=dict(req.source_metadata) if req.source_metadata else None,
            timeout_ms=req.timeout_ms,
            sandbox_id=req.sandbox_id,
        )
        return run, RunSpec(artifacts=tuple(req.artifacts or ()))

    def create_run(self, req: CreateRunRequest) -> RunRecord:
        run, spec = self.new_run(req)
        self.store.insert_runs([(run, spec)])
        self.hub.emit(run.id, "status", status=run.status)
        return run

    def save(self, run: RunRecord) -> RunRecord:
        """Store a changed run; a change of status must be in the life-cycle table
        (:class:`IllegalTransition` otherwise) and is followed by its ``status`` event."""
        before = self.run(run.id).status
        if run.status != before:
            check_transition(run.id, before, run.status)
        self.store.update_run(run)
        if run.status != before:
            self.hub.emit(run.id, "status", status=run.status)
        return run

    def set_status(self, run_id: str, status: RunStatus) -> RunRecord:
        return self.save(replace(self.run(run_id), status=status))

    def finish(self, run: RunRecord) -> RunRecord:
        """End the run as ``run`` says (a terminal status and the outcome's fields).

        Adds the end time, duration and evidence, and sends the ``status`` and
        ``terminal`` events. A run that has already ended stays as it was.
        """
        stored = self.run(run.id)
        if is_terminal(stored.status):
            return stored
        finished = now_iso()
        cleanup = run.cleanup_status
        done = replace(
            run,
            finished_at=finished,
            evidence_available=True,
            orchestration_succeeded=run.failure_class != FailureClass.PLATFORM,
            cleanup_status=CleanupStatus.SUCCEEDED if cleanup == CleanupStatus.PENDING else cleanup,
            duration_ms=None
            if run.started_at is None
            else _millis_between(run.started_at, finished),
        )
        self.save(done)
        self.store.put_evidence(run.id, dumps(done.evidence()))
        self.hub.emit(run.id, "terminal", workspaceRun=done.to_wire())
        return done

    def accept_archive(
        self, run_id: str, source: Path, sha: str, size: int
    ) -> tuple[ArchiveRecord, RunRecord]:
        """Keep a verified archive and move the run to ``archive_uploaded``."""
        os.replace(source, self.paths.archive(run_id))
        archive = ArchiveRecord(sha256=sha, size_bytes=size, uploaded_at=now_iso())
        run = self.save(
            replace(
                self.run(run_id),
                status=RunStatus.ARCHIVE_UPLOADED,
                archive=archive,
                uploaded_at=archive.uploaded_at,
            )
        )
        return archive, run

    def fail_internal(self, run_id: str, cleanup: CleanupStatus | None = None) -> RunRecord:
        """Fail the run for a reason of ours (the server stopped, a bug)."""
        run = self.run(run_id)
        return self.finish(
            replace(
                run,
                status=RunStatus.FAILED,
                failure_class=FailureClass.PLATFORM,
                failure_reason=FailureReason.INTERNAL_ERROR,
                cleanup_status=cleanup or run.cleanup_status,
            )
        )

    def start(self, run_id: str, scopes: frozenset[str]) -> RunRecord:
        run = self.run(run_id)
        if run.status == RunStatus.AWAITING_ARCHIVE:
            raise conflict("upload the archive before starting the run", status=run.status)
        if run.status != RunStatus.ARCHIVE_UPLOADED:
            raise conflict(f"the run is already {run.status}", status=run.status)
        run = self.save(replace(run, status=RunStatus.STARTING, started_at=now_iso()))
        execution = RunExecution(self, run_id, scopes)
        self.executions[run_id] = execution
        execution.launch().add_done_callback(lambda _: self.executions.pop(run_id, None))
        return run

    async def cancel(self, run_id: str) -> RunRecord:
        run = self.run(run_id)
        if is_terminal(run.status):
            raise conflict(f"the run is already {run.status}", status=run.status)
        execution = self.executions.get(run_id)
        if execution is None:
            return self.finish(
                replace(run, status=RunStatus.CANCELED, failure_class=FailureClass.CANCELED)
            )
        await execution.cancel()
        return self.run(run_id)

    async def wait_terminal(self, run_id: str) -> RunRecord:
        execution = self.executions.get(run_id)
        if execution is not None and execution.task is not None:
            await asyncio.shield(execution.task)
        return self.run(run_id)

    def evidence(self, run_id: str) -> str:
        self.run(run_id)
        text = self.store.get_evidence(run_id)
        if text is None:
            raise ApiError("not_found", "the evidence bundle exists once the run is terminal")
        return text

    # -- life of the server ----------------------------------------------------------------

    async def recover(self) -> None:
        """Fail runs a previous server left in flight, and end what they left running;
        then keep deleting expired artifacts."""
        for row in self.store.runs_with_status(IN_FLIGHT):
            run_id = row.run.id
            await end_run_processes(run_id, self.store.get_pgid(run_id), 0.5)
            self.store.set_pgid(run_id, None)
            self.paths.remove_workspace(row.run)
            self.fail_internal(run_id)
            log.warning("run %s was in flight when the server stopped: failed", run_id)
        self._retention_task = asyncio.create_task(self.retention.keep())

    async def shutdown(self) -> None:
        """End every run in progress (failed: the server stopped) and stop streams."""
        executions = list(self.executions.values())
        await asyncio.gather(*(e.cancel(shutdown=True) for e in executions))
        await self.hub.stop()
        if self._retention_task is not None:
            self._retention_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retention_task

    def close(self) -> None:
        self.hub.close()
        self.store.close()
