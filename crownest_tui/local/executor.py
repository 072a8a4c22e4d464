"""Running one started run: extract, execute, collect, finish.

``starting`` is set by :meth:`Backend.start`; this task takes the run through
``extracting`` → ``running`` → ``collecting`` to a terminal status. A cancel ends the
command's whole process tree (TERM, KILL after the grace period); a server shutdown
does the same and fails the run with ``internal_error``. The processes themselves
(in a sandbox, or under the reaper where there is none) are :mod:`.runtime`'s: when
the command exits by itself, whatever it left running is killed at once, so nothing
of a run outlives it.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import posixpath
from dataclasses import replace
from typing import Protocol

from ..api.models import CleanupStatus, FailureClass, FailureReason, RunStatus
from .archive import ArchiveRejected, extract_archive
from .artifacts import ArtifactProblem, copy_artifact
from .contract import (
    COLLECT_SCOPES,
    ORG_ID,
    TTY_METADATA_KEY,
    iso_plus,
    new_id,
    now_iso,
)
from .hub import EventHub
from .output import OutputCoalescer
from .records import ArtifactFailure, ArtifactRecord, RunRecord
from .retention import ArtifactRetention
from .run_process import RunningCommand, end_run_processes
from .runtime import Runtime
from .sandbox import RunDirs
from .settings import Settings, StatePaths
from .store import Store

log = logging.getLogger("crownest_tui.local")

EXITED, TIMED_OUT, CANCELED = "exited", "timed_out", "canceled"
NOTICE = "[crownest local] "


def wants_tty(metadata: dict[str, str], default: bool) -> bool:
    """Terminal mode for a run: its ``crownest.tty`` metadata (1/0, true/false, yes/no,
    on/off) if it says, else the server's default (``local serve --tty``)."""
    value = metadata.get(TTY_METADATA_KEY, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return default


def exit_code_of(returncode: int | None) -> int | None:
    """A shell-style exit code: a death by signal N is 128 + N."""
    if returncode is None:
        return None
    return 128 - returncode if returncode < 0 else returncode


class RunHost(Protocol):
    """What an execution needs of the backend (:class:`.backend.Backend` is one).

    A protocol, so that this module never imports the backend that starts it.
    """

    settings: Settings
    paths: StatePaths
    store: Store
    hub: EventHub
    runtime: Runtime
    retention: ArtifactRetention

    def run(self, run_id: str) -> RunRecord: ...

    def save(self, run: RunRecord) -> RunRecord: ...

    def set_status(self, run_id: str, status: RunStatus) -> RunRecord: ...

    def finish(self, run: RunRecord) -> RunRecord: ...

    def fail_internal(self, run_id: str, cleanup: CleanupStatus | None = None) -> RunRecord: ...


class RunExecution:
    def __init__(self, backend: RunHost, run_id: str, scopes: frozenset[str]) -> None:
        self.backend = backend
        self.run_id = run_id
        self.may_collect = scopes >= COLLECT_SCOPES
        self.cancel_requested = asyncio.Event()
        self.shutdown = False
        self.task: asyncio.Task[None] | None = None
        self.command: RunningCommand | None = None
        self.dirs: RunDirs = backend.paths.run_dirs(run_id)

    def launch(self) -> asyncio.Task[None]:
        self.task = asyncio.get_running_loop().create_task(self._guarded())
        return self.task

    async def cancel(self, *, shutdown: bool = False) -> None:
        """Ask the run to stop and wait until it is terminal."""
        self.shutdown = self.shutdown or shutdown
        self.cancel_requested.set()
        if self.task is not None:
            await asyncio.shield(self.task)

    async def _guarded(self) -> None:
        b = self.backend
        try:
            await self._run()
        except Exception:
            log.exception("run %s failed inside the backend", self.run_id)
            if self.command is not None and self.command.pid is not None:
                await b.runtime.end(self.command, self.dirs, b.settings.cancel_grace)
            else:
                await end_run_processes(self.run_id, b.store.get_pgid(self.run_id), 0.5)
            b.fail_internal(self.run_id)
        finally:
            b.store.set_pgid(self.run_id, None)

    def _stopped(self) -> bool:
        """If a cancel arrived, finish the run accordingly and say so."""
        if not self.cancel_requested.is_set():
            return False
        b = self.backend
        run = b.run(self.run_id)
        cleanup = b.paths.remove_workspace(run)
        if self.shutdown:
            b.fail_internal(self.run_id, cleanup)
        else:
            b.finish(
                replace(
                    run,
                    status=RunStatus.CANCELED,
                    failure_class=FailureClass.CANCELED,
                    cleanup_status=cleanup,
                )
            )
        return True

    def _failed(self, failure_class: FailureClass, reason: FailureReason, notice: str) -> None:
        """Fail the run before its command ran (its workspace removed, a notice on stderr)."""
        b = self.backend
        b.hub.emit(self.run_id, "stderr", data=f"{NOTICE}{notice}\n")
        run = b.run(self.run_id)
        b.finish(
            replace(
                run,
                status=RunStatus.FAILED,
                failure_class=failure_class,
                failure_reason=reason,
                cleanup_status=b.paths.remove_workspace(run),
            )
        )

    async def _run(self) -> None:
        b, run_id = self.backend, self.run_id
        workspace = self.dirs.workspace
        self.dirs.make()
        run = b.run(run_id)
        env = b.runtime.environment(run_id, run.template_slug, self.dirs)
        b.save(
            replace(run, sandbox_id=run.sandbox_id or new_id("sbx"), env_keys=tuple(sorted(env)))
        )
        if self._stopped():
            return
        b.set_status(run_id, RunStatus.EXTRACTING)
        archive = b.paths.archive(run_id)
        try:
            await asyncio.to_thread(extract_archive, archive, workspace, b.settings.limits)
        except ArchiveRejected as exc:
            self._failed(FailureClass.USER_INPUT, exc.reason, f"archive rejected: {exc.message}")
            return
        except OSError as exc:
            self._failed(
                FailureClass.PLATFORM, FailureReason.EXTRACTION_FAILED, f"extraction failed: {exc}"
            )
            return
        if self._stopped():
            return
        run = b.save(replace(b.run(run_id), status=RunStatus.RUNNING, command_id=new_id("cmd")))
        outcome, returncode = await self._execute(run.command, run.template_slug, env)
        if outcome == CANCELED and self._stopped():
            return
        self._complete(outcome, exit_code_of(returncode))

    async def _execute(
        self, command: str, template: str, env: dict[str, str]
    ) -> tuple[str, int | None]:
        b, run_id = self.backend, self.run_id
        coalescer = OutputCoalescer(lambda stream, chunks: b.hub.emit_many(run_id, stream, chunks))
        tty = wants_tty(b.run(run_id).metadata, b.settings.tty)
        line = b.runtime.launch_line(command, template, self.dirs, b.settings.cancel_grace, tty=tty)
        try:
            self.command = RunningCommand(run_id, tty=tty)
            return await self._supervise(self.command, line, env, coalescer)
        finally:
            coalescer.close()

    async def _supervise(
        self, cmd: RunningCommand, line: str, env: dict[str, str], coalescer: OutputCoalescer
    ) -> tuple[str, int | None]:
        b, run_id = self.backend, self.run_id
        grace = b.settings.cancel_grace
        pid = await cmd.start(line, self.dirs.workspace, env, coalescer.feed)
        b.store.set_pgid(run_id, pid)
        timeout_ms = b.run(run_id).timeout_ms
        exited = asyncio.ensure_future(cmd.wait(None))
        canceled = asyncio.ensure_future(self.cancel_requested.wait())
        done, _ = await asyncio.wait(
            {exited, canceled},
            timeout=timeout_ms / 1000 if timeout_ms else None,
            return_when=asyncio.FIRST_COMPLETED,
        )
        canceled.cancel()
        outcome = EXITED if exited in done else CANCELED if canceled in done else TIMED_OUT
        if outcome != EXITED:
            exited.cancel()
            await b.runtime.end(cmd, self.dirs, grace)
        await b.runtime.settle(self.dirs)
        returncode = await cmd.finish()
        coalescer.close()
        if outcome == TIMED_OUT:
            b.hub.emit(run_id, "stderr", data=f"{NOTICE}timed out after {timeout_ms} ms\n")
        return outcome, returncode

    def _complete(self, outcome: str, exit_code: int | None) -> None:
        b = self.backend
        run = b.set_status(self.run_id, RunStatus.COLLECTING)
        artifact_ids, errors = self._collect(run)
        done = replace(
            run,
            status=RunStatus.SUCCEEDED,
            artifact_ids=artifact_ids,
            artifact_errors=errors,
            cleanup_status=b.paths.remove_workspace(run),
            exit_code=exit_code,
        )
        if outcome == TIMED_OUT:
            reason: FailureReason | None = FailureReason.TIMEOUT
        else:
            reason = None if exit_code == 0 else FailureReason.COMMAND_EXIT
        if reason is not None:
            done = replace(
                done,
                status=RunStatus.FAILED,
                failure_class=FailureClass.USER_COMMAND,
                failure_reason=reason,
            )
        b.finish(done)

    def _collect(self, run: RunRecord) -> tuple[tuple[str, ...], tuple[ArtifactFailure, ...]]:
        b, run_id = self.backend, self.run_id
        row = b.store.get_run(run_id)
        assert row is not None and run.sandbox_id is not None
        ids: list[str] = []
        errors: list[ArtifactFailure] = []
        for request in row.spec.artifacts:
            path = request.path
            artifact_id = new_id("art")
            try:
                if not self.may_collect:
                    raise ArtifactProblem(
                        "artifact_collect_failed",
                        "the key that started the run lacks artifact:create or file:read",
                        path,
                    )
                size = copy_artifact(b.paths.workspace(run_id), path, b.paths.artifact(artifact_id))
            except ArtifactProblem as problem:
                errors.append(problem.failure)
                b.hub.emit(run_id, "artifact_error", error=problem.failure.to_wire())
                continue
            name = request.name or posixpath.basename(path.rstrip("/"))
            created = now_iso()
            artifact = ArtifactRecord(
                id=artifact_id,
                org_id=ORG_ID,
                project_id=run.project_id,
                sandbox_id=run.sandbox_id,
                name=name,
                object_key=f"workspace-runs/{run_id}/artifacts/{artifact_id}/{name}",
                size_bytes=size,
                created_at=created,
                content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                source_path=path,
                retention_expires_at=iso_plus(created, b.settings.artifact_retention),
            )
            b.store.insert_artifact(artifact, run_id, str(b.paths.artifact(artifact_id)))
            b.retention.collected()
            ids.append(artifact_id)
            b.hub.emit(run_id, "artifact_collected", artifactId=artifact_id, path=path)
        return tuple(ids), tuple(errors)
