"""The backend's core: run records and their life cycle, independent of HTTP.

Handlers and the demo seed call these methods; each change of a run is saved and, for a
status change, followed by its ``status`` event. Everything runs on the event loop
thread, so a load-change-save without an ``await`` in between is atomic.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api.models import CreateRunRequest, RunStatus
from .contract import (
    DEFAULT_TEMPLATE,
    IN_FLIGHT,
    ORG_ID,
    TEMPLATES,
    TERMINAL,
    new_id,
    now_iso,
)
from .errors import ApiError, bad_request, conflict, not_found
from .hub import EventHub
from .run_process import end_run_processes
from .settings import Settings, StatePaths
from .store import Store

log = logging.getLogger("crownest_tui.local")

EVIDENCE_FIELDS = [
    "orgId",
    "projectId",
    "status",
    "command",
    "createdAt",
    "metadata",
    "orchestrationSucceeded",
    "cleanupStatus",
    "envKeys",
    "artifactIds",
    "artifactErrors",
    "archive",
    "commandId",
    "durationMs",
    "exitCode",
    "failureClass",
    "failureReason",
    "finishedAt",
    "sandboxId",
    "sourceMetadata",
    "startedAt",
    "timeoutMs",
]


def _millis_between(start: str, end: str) -> int:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    finish = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return max(0, round((finish - begin).total_seconds() * 1000))


def evidence_of(run: dict[str, Any]) -> dict[str, Any]:
    bundle: dict[str, Any] = {"workspaceRunId": run["id"]}
    bundle.update({k: run[k] for k in EVIDENCE_FIELDS if k in run})
    return bundle


class Backend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = StatePaths(settings.state_dir)
        self.store = Store(self.paths.database)
        self.hub = EventHub(self.store)
        self.executions: dict[str, Any] = {}  # run id -> executor.RunExecution

    # -- projects ----------------------------------------------------------------------

    def create_project(self, name: str) -> dict[str, Any]:
        doc = {"id": new_id("prj"), "orgId": ORG_ID, "name": name, "createdAt": now_iso()}
        self.store.insert_project(doc)
        return doc

    def _project_for(self, project_id: str | None) -> str:
        if project_id is not None:
            if self.store.get_project(project_id) is None:
                raise not_found("project", project_id)
            return project_id
        return self.store.oldest_project_id() or str(self.create_project("Default")["id"])

    # -- runs ----------------------------------------------------------------------------

    def run(self, run_id: str) -> dict[str, Any]:
        row = self.store.get_run(run_id)
        if row is None:
            raise not_found("workspace run", run_id)
        return row.doc

    def new_run_doc(self, req: CreateRunRequest) -> tuple[dict[str, Any], dict[str, Any]]:
        slug = req.template or DEFAULT_TEMPLATE
        if req.template_version_id is not None:
            matches = [s for s, t in TEMPLATES.items() if t[2] == req.template_version_id]
            if not matches or (req.template and req.template != matches[0]):
                raise bad_request(f"unknown template version {req.template_version_id}")
            slug = matches[0]
        if slug not in TEMPLATES:
            raise bad_request(f"unknown template {slug!r}", known=sorted(TEMPLATES))
        template_id, version, version_id = TEMPLATES[slug]
        doc: dict[str, Any] = {
            "id": new_id("wsr"),
            "orgId": ORG_ID,
            "projectId": self._project_for(req.project_id),
            "status": RunStatus.AWAITING_ARCHIVE.value,
            "command": req.command,
            "keepSandbox": bool(req.keep_sandbox),
            "metadata": dict(req.metadata or {}),
            "templateId": template_id,
            "templateSlug": slug,
            "templateVersion": version,
            "templateVersionId": version_id,
            "createdAt": now_iso(),
            "artifactIds": [],
            "artifactErrors": [],
            "envKeys": [],
            "evidenceAvailable": False,
            "cleanupStatus": "not_requested" if req.keep_sandbox else "pending",
        }
        if req.source_metadata:
            doc["sourceMetadata"] = dict(req.source_metadata)
        if req.timeout_ms is not None:
            doc["timeoutMs"] = req.timeout_ms
        if req.sandbox_id is not None:
            doc["sandboxId"] = req.sandbox_id
        spec = {"artifacts": [a.to_wire() for a in req.artifacts or []]}
        return doc, spec

    def create_run(self, req: CreateRunRequest) -> dict[str, Any]:
        doc, spec = self.new_run_doc(req)
        self.store.insert_runs([(doc, spec)])
        self.hub.emit(doc["id"], "status", status=doc["status"])
        return doc

    def update(self, run_id: str, **fields: Any) -> dict[str, Any]:
        doc = self.run(run_id)
        doc.update(fields)
        self.store.update_run(doc)
        return doc

    def set_status(self, run_id: str, status: str, **fields: Any) -> dict[str, Any]:
        doc = self.update(run_id, status=status, **fields)
        self.hub.emit(run_id, "status", status=status)
        return doc

    def finish(self, run_id: str, status: str, **fields: Any) -> dict[str, Any]:
        """Make the run terminal: final fields, evidence, ``status`` and ``terminal`` events."""
        doc = self.run(run_id)
        if doc["status"] in TERMINAL:
            return doc
        finished = now_iso()
        doc.update(fields, status=status, finishedAt=finished, evidenceAvailable=True)
        doc.setdefault("orchestrationSucceeded", doc.get("failureClass") != "platform")
        if doc.get("cleanupStatus") == "pending":
            doc["cleanupStatus"] = "succeeded"
        if "startedAt" in doc:
            doc["durationMs"] = _millis_between(doc["startedAt"], finished)
        self.store.update_run(doc)
        self.store.put_evidence(run_id, evidence_of(doc))
        self.hub.emit(run_id, "status", status=status)
        self.hub.emit(run_id, "terminal", workspaceRun=doc)
        return doc

    def accept_archive(
        self, run_id: str, source: Path, sha: str, size: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Keep a verified archive and move the run to ``archive_uploaded``."""
        os.replace(source, self.paths.archive(run_id))
        archive = {"sha256": sha, "sizeBytes": size, "uploadedAt": now_iso()}
        run = self.set_status(
            run_id,
            RunStatus.ARCHIVE_UPLOADED.value,
            archive=archive,
            uploadedAt=archive["uploadedAt"],
        )
        return archive, run

    def fail_internal(self, run_id: str, **fields: Any) -> dict[str, Any]:
        """Fail the run for a reason of ours (the server stopped, a bug)."""
        return self.finish(
            run_id,
            RunStatus.FAILED.value,
            failureClass="platform",
            failureReason="internal_error",
            orchestrationSucceeded=False,
            **fields,
        )

    def start(self, run_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        from .executor import RunExecution

        doc = self.run(run_id)
        if doc["status"] == RunStatus.AWAITING_ARCHIVE:
            raise conflict("upload the archive before starting the run", status=doc["status"])
        if doc["status"] != RunStatus.ARCHIVE_UPLOADED:
            raise conflict(f"the run is already {doc['status']}", status=doc["status"])
        doc = self.set_status(run_id, RunStatus.STARTING.value, startedAt=now_iso())
        execution = RunExecution(self, run_id, scopes)
        self.executions[run_id] = execution
        execution.launch()
        return doc

    async def cancel(self, run_id: str) -> dict[str, Any]:
        doc = self.run(run_id)
        if doc["status"] in TERMINAL:
            raise conflict(f"the run is already {doc['status']}", status=doc["status"])
        execution = self.executions.get(run_id)
        if execution is None:
            return self.finish(run_id, RunStatus.CANCELED.value, failureClass="canceled")
        await execution.cancel()
        return self.run(run_id)

    async def wait_terminal(self, run_id: str) -> dict[str, Any]:
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
        """Fail runs a previous server left in flight, and end what they left running."""
        for row in self.store.runs_with_status(IN_FLIGHT):
            run_id = str(row.doc["id"])
            await end_run_processes(run_id, self.store.get_pgid(run_id), 0.5)
            self.store.set_pgid(run_id, None)
            self.remove_workspace(row.doc)
            self.fail_internal(run_id)
            log.warning("run %s was in flight when the server stopped: failed", run_id)

    def remove_workspace(self, doc: dict[str, Any]) -> str:
        """Remove the run's workspace unless it keeps its sandbox; the cleanupStatus."""
        if doc.get("keepSandbox"):
            return "not_requested"
        shutil.rmtree(self.paths.workspace(doc["id"]), ignore_errors=True)
        shutil.rmtree(self.paths.home(doc["id"]), ignore_errors=True)
        return "succeeded"

    async def shutdown(self) -> None:
        """End every run in progress (failed: the server stopped) and stop streams."""
        executions = list(self.executions.values())
        await asyncio.gather(*(e.cancel(shutdown=True) for e in executions))
        await self.hub.stop()

    def close(self) -> None:
        self.hub.close()
        self.store.close()
