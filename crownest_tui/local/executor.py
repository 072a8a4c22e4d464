"""Running one started run: extract, execute, collect, finish.

``starting`` is set by :meth:`Backend.start`; this task takes the run through
``extracting`` → ``running`` → ``collecting`` to a terminal status. A cancel ends the
command's whole process tree (TERM, KILL after the grace period); a server shutdown
does the same and fails the run with ``internal_error``. The processes themselves
(the reaper that supervises them, and the sweep that backs it up) are
:mod:`.run_process`'s: when the command exits by itself, whatever it left running is
killed at once, so nothing of a run outlives it.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import posixpath
from typing import TYPE_CHECKING, Any

from ..api.models import RunStatus
from .archive import ArchiveRejected, extract_archive
from .artifacts import ArtifactProblem, copy_artifact
from .contract import COLLECT_SCOPES, ORG_ID, new_id, now_iso
from .output import OutputCoalescer
from .run_process import RunningCommand, end_run, end_run_processes, minimal_env, supervised

if TYPE_CHECKING:
    from .backend import Backend

log = logging.getLogger("crownest_tui.local")

EXITED, TIMED_OUT, CANCELED = "exited", "timed_out", "canceled"
NOTICE = "[crownest local] "


def exit_code_of(returncode: int | None) -> int | None:
    """A shell-style exit code: a death by signal N is 128 + N."""
    if returncode is None:
        return None
    return 128 - returncode if returncode < 0 else returncode


class RunExecution:
    def __init__(self, backend: Backend, run_id: str, scopes: frozenset[str]) -> None:
        self.backend = backend
        self.run_id = run_id
        self.may_collect = scopes >= COLLECT_SCOPES
        self.cancel_requested = asyncio.Event()
        self.shutdown = False
        self.task: asyncio.Task[None] | None = None
        self.command: RunningCommand | None = None

    def launch(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._guarded())

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
                await end_run(self.command, b.settings.cancel_grace)
            else:
                await end_run_processes(self.run_id, b.store.get_pgid(self.run_id), 0.5)
            b.fail_internal(self.run_id)
        finally:
            b.executions.pop(self.run_id, None)
            b.store.set_pgid(self.run_id, None)

    def _stopped(self) -> bool:
        """If a cancel arrived, finish the run accordingly and say so."""
        if not self.cancel_requested.is_set():
            return False
        b = self.backend
        cleanup = b.remove_workspace(b.run(self.run_id))
        if self.shutdown:
            b.fail_internal(self.run_id, cleanupStatus=cleanup)
        else:
            b.finish(
                self.run_id,
                RunStatus.CANCELED.value,
                failureClass="canceled",
                cleanupStatus=cleanup,
            )
        return True

    async def _run(self) -> None:
        b, run_id = self.backend, self.run_id
        workspace = b.paths.workspace(run_id)
        home = b.paths.home(run_id)
        workspace.mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        env = minimal_env(run_id, workspace, home)
        doc = b.update(
            run_id, sandboxId=b.run(run_id).get("sandboxId") or new_id("sbx"), envKeys=sorted(env)
        )
        if self._stopped():
            return
        b.set_status(run_id, RunStatus.EXTRACTING.value)
        archive = b.paths.archive(run_id)
        try:
            await asyncio.to_thread(extract_archive, archive, workspace, b.settings.limits)
        except ArchiveRejected as exc:
            b.hub.emit(run_id, "stderr", data=f"{NOTICE}archive rejected: {exc.message}\n")
            cleanup = b.remove_workspace(doc)
            b.finish(
                run_id,
                RunStatus.FAILED.value,
                failureClass="user_input",
                failureReason=exc.reason,
                cleanupStatus=cleanup,
            )
            return
        except OSError as exc:
            b.hub.emit(run_id, "stderr", data=f"{NOTICE}extraction failed: {exc}\n")
            b.finish(
                run_id,
                RunStatus.FAILED.value,
                failureClass="platform",
                failureReason="extraction_failed",
                orchestrationSucceeded=False,
                cleanupStatus=b.remove_workspace(doc),
            )
            return
        if self._stopped():
            return
        doc = b.set_status(run_id, RunStatus.RUNNING.value, commandId=new_id("cmd"))
        outcome, returncode = await self._execute(doc["command"], env)
        if outcome == CANCELED and self._stopped():
            return
        self._complete(outcome, exit_code_of(returncode))

    async def _execute(self, command: str, env: dict[str, str]) -> tuple[str, int | None]:
        b, run_id = self.backend, self.run_id
        coalescer = OutputCoalescer(lambda stream, chunks: b.hub.emit_many(run_id, stream, chunks))
        try:
            self.command = RunningCommand(run_id)
            return await self._supervise(self.command, command, env, coalescer)
        finally:
            coalescer.close()

    async def _supervise(
        self, cmd: RunningCommand, command: str, env: dict[str, str], coalescer: OutputCoalescer
    ) -> tuple[str, int | None]:
        b, run_id = self.backend, self.run_id
        grace = b.settings.cancel_grace
        line = supervised(command, grace)
        pid = await cmd.start(line, b.paths.workspace(run_id), env, coalescer.feed)
        b.store.set_pgid(run_id, pid)
        timeout_ms = b.run(run_id).get("timeoutMs")
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
            await end_run(cmd, grace)
        returncode = await cmd.finish()
        coalescer.close()
        if outcome == TIMED_OUT:
            b.hub.emit(run_id, "stderr", data=f"{NOTICE}timed out after {timeout_ms} ms\n")
        return outcome, returncode

    def _complete(self, outcome: str, exit_code: int | None) -> None:
        b, run_id = self.backend, self.run_id
        b.set_status(run_id, RunStatus.COLLECTING.value)
        artifact_ids, errors = self._collect()
        cleanup = b.remove_workspace(b.run(run_id))
        fields: dict[str, Any] = {
            "artifactIds": artifact_ids,
            "artifactErrors": errors,
            "cleanupStatus": cleanup,
        }
        if exit_code is not None:
            fields["exitCode"] = exit_code
        if outcome == TIMED_OUT:
            fields.update(failureClass="user_command", failureReason="timeout")
        elif exit_code != 0:
            fields.update(failureClass="user_command", failureReason="command_exit")
        status = RunStatus.FAILED if "failureReason" in fields else RunStatus.SUCCEEDED
        b.finish(run_id, status.value, **fields)

    def _collect(self) -> tuple[list[str], list[dict[str, str]]]:
        b, run_id = self.backend, self.run_id
        row = b.store.get_run(run_id)
        assert row is not None
        ids: list[str] = []
        errors: list[dict[str, str]] = []
        for request in row.spec.get("artifacts", []):
            path = str(request.get("path", ""))
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
                errors.append(problem.wire())
                b.hub.emit(run_id, "artifact_error", error=problem.wire())
                continue
            name = str(request.get("name") or posixpath.basename(path.rstrip("/")))
            doc = {
                "id": artifact_id,
                "orgId": ORG_ID,
                "projectId": row.doc["projectId"],
                "sandboxId": row.doc.get("sandboxId"),
                "name": name,
                "objectKey": f"workspace-runs/{run_id}/artifacts/{artifact_id}/{name}",
                "sizeBytes": size,
                "createdAt": now_iso(),
                "contentType": mimetypes.guess_type(name)[0] or "application/octet-stream",
                "sourcePath": path,
            }
            b.store.insert_artifact(doc, run_id, str(b.paths.artifact(artifact_id)))
            ids.append(artifact_id)
            b.hub.emit(run_id, "artifact_collected", artifactId=artifact_id, path=path)
        return ids, errors
