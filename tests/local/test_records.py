"""The typed records keep the contract's wire form: camelCase keys, unset fields left out."""

from __future__ import annotations

import json
from dataclasses import replace

from crownest_tui.api.models import (
    ArtifactErrorCode,
    ArtifactRequest,
    CleanupStatus,
    EvidenceBundle,
    FailureClass,
    FailureReason,
    RunStatus,
    WorkspaceRun,
)
from crownest_tui.local.records import (
    EVIDENCE_FIELDS,
    ArchiveRecord,
    ArtifactFailure,
    RunRecord,
    RunSpec,
)

CREATED = "2025-01-02T03:04:05.678Z"


def new_run() -> RunRecord:
    return RunRecord(
        id="wsr_0123456789abcdef0123",
        org_id="org_local",
        project_id="prj_0123456789abcdef0123",
        status=RunStatus.AWAITING_ARCHIVE,
        command="echo ü \x1b[31m",
        keep_sandbox=False,
        metadata={"branch": "main"},
        template_id="tpl_python_node",
        template_slug="python-node",
        template_version="2025.06.1",
        template_version_id="tplv_python_node_2025061",
        created_at=CREATED,
    )


def finished_run() -> RunRecord:
    """A run with every field set."""
    return replace(
        new_run(),
        status=RunStatus.FAILED,
        keep_sandbox=True,
        artifact_ids=("art_0123456789abcdef0123",),
        artifact_errors=(
            ArtifactFailure(code=ArtifactErrorCode.FILE_NOT_FOUND, message="gone", path="x"),
        ),
        env_keys=("HOME", "PATH"),
        evidence_available=True,
        cleanup_status=CleanupStatus.NOT_REQUESTED,
        source_metadata={"repo": "r"},
        timeout_ms=1000,
        sandbox_id="sbx_0123456789abcdef0123",
        archive=ArchiveRecord(sha256="a" * 64, size_bytes=10, uploaded_at=CREATED),
        uploaded_at=CREATED,
        started_at=CREATED,
        command_id="cmd_0123456789abcdef0123",
        exit_code=3,
        failure_class=FailureClass.USER_COMMAND,
        failure_reason=FailureReason.COMMAND_EXIT,
        finished_at=CREATED,
        orchestration_succeeded=True,
        duration_ms=0,
    )


def test_a_new_run_has_the_always_present_fields_and_no_nulls() -> None:
    wire = json.loads(new_run().to_json())
    assert list(wire) == [
        "id",
        "orgId",
        "projectId",
        "status",
        "command",
        "keepSandbox",
        "metadata",
        "templateId",
        "templateSlug",
        "templateVersion",
        "templateVersionId",
        "createdAt",
        "artifactIds",
        "artifactErrors",
        "envKeys",
        "evidenceAvailable",
        "cleanupStatus",
    ]
    assert wire["status"] == "awaiting_archive" and wire["command"] == "echo ü \x1b[31m"
    assert "ü" in new_run().to_json()  # not escaped, like every stored document


def test_every_field_round_trips_and_the_client_reads_it() -> None:
    run = finished_run()
    assert RunRecord.from_json(run.to_json()) == run
    client = WorkspaceRun.model_validate_json(run.to_json())
    assert client.to_wire().keys() <= run.to_wire().keys()
    assert client.failure_reason == FailureReason.COMMAND_EXIT
    assert client.archive is not None and client.archive.size_bytes == 10


def test_evidence_holds_the_contract_fields_of_the_run() -> None:
    evidence = finished_run().evidence()
    assert list(evidence) == ["workspaceRunId", *EVIDENCE_FIELDS]
    assert EvidenceBundle.model_validate(evidence).workspace_run_id == finished_run().id
    assert "workspaceRunId" in new_run().evidence() and "exitCode" not in new_run().evidence()


def test_a_spec_keeps_the_requested_artifacts() -> None:
    spec = RunSpec(
        artifacts=(ArtifactRequest(path="out/a.txt"), ArtifactRequest(path="b", name="c"))
    )
    assert spec.to_json() == '{"artifacts":[{"path":"out/a.txt"},{"path":"b","name":"c"}]}'
    assert RunSpec.from_json(spec.to_json()) == spec
    assert RunSpec.from_json("{}") == RunSpec()  # what older state dirs stored
