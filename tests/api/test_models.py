"""Every model round-trips realistic JSON, keeps unknowns and validates ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from crownest_tui.api import (
    ArchiveTransfer,
    ArchiveUploadResult,
    Artifact,
    CreateRunRequest,
    EvidenceBundle,
    Page,
    Project,
    RunStatus,
    WorkspaceRun,
)
from crownest_tui.api.events import (
    ArchiveProgressEvent,
    ArtifactCollectedEvent,
    ArtifactErrorEvent,
    BadPayload,
    ErrorEvent,
    HeartbeatEvent,
    StatusEvent,
    StderrEvent,
    StdoutEvent,
    TerminalEvent,
    UnknownEvent,
    parse_event,
    parse_event_page,
    parse_events,
)
from crownest_tui.api.models import FailureClass, FailureReason, is_terminal

RUN: dict[str, Any] = {
    "id": "wsr_01JD4Z9Q",
    "orgId": "org_acme",
    "projectId": "prj_web",
    "status": "failed",
    "command": "pnpm test -- --ci",
    "keepSandbox": False,
    "metadata": {"branch": "main", "ci": "true"},
    "templateId": "tpl_pythonnode",
    "templateSlug": "python-node",
    "templateVersion": "2026.11.1",
    "templateVersionId": "tplv_pn_2026111",
    "createdAt": "2026-11-28T09:15:02.120Z",
    "archive": {
        "sha256": "ab" * 32,
        "sizeBytes": 48213,
        "uploadedAt": "2026-11-28T09:15:03Z",
    },
    "artifactErrors": [
        {"code": "file_not_found", "message": "no such file", "path": "coverage/lcov.info"}
    ],
    "artifactIds": ["art_report1"],
    "cleanupStatus": "succeeded",
    "commandId": "cmd_77",
    "durationMs": 61234,
    "envKeys": ["CI", "NODE_ENV"],
    "evidenceAvailable": True,
    "exitCode": 2,
    "failureClass": "user_command",
    "failureReason": "command_exit",
    "finishedAt": "2026-11-28T09:16:05+00:00",
    "orchestrationSucceeded": True,
    "sandboxId": "sbx_9f",
    "sourceMetadata": {"repo": "acme/web", "commit": "4f2c1e9"},
    "startedAt": "2026-11-28T09:15:04Z",
    "timeoutMs": 600000,
    "uploadedAt": "2026-11-28T09:15:03Z",
}

EVIDENCE: dict[str, Any] = {
    "workspaceRunId": "wsr_01JD4Z9Q",
    **{k: v for k, v in RUN.items() if k not in ("id", "keepSandbox", "evidenceAvailable")},
}


def test_workspace_run_round_trips() -> None:
    run = WorkspaceRun.model_validate(RUN)
    assert run.status is RunStatus.FAILED
    assert run.failure_class is FailureClass.USER_COMMAND
    assert run.failure_reason is FailureReason.COMMAND_EXIT
    assert run.archive is not None and run.archive.size_bytes == 48213
    assert run.created_at.tzinfo is not None
    assert run.is_terminal
    wire = run.to_wire()
    for key, value in RUN.items():
        if key.endswith("At") or key == "archive":
            continue
        assert wire[key] == value, key
    assert WorkspaceRun.model_validate(wire) == run


def test_minimal_run_has_safe_defaults() -> None:
    minimal = {k: RUN[k] for k in ("id", "orgId", "projectId", "status", "command", "createdAt")}
    run = WorkspaceRun.model_validate(minimal)
    assert run.metadata == {} and run.artifact_ids == [] and run.exit_code is None


def test_unknown_fields_are_ignored_and_unknown_enums_kept() -> None:
    run = WorkspaceRun.model_validate(
        {**RUN, "status": "hibernating", "failureReason": "cosmic_ray", "newField": {"x": 1}}
    )
    assert run.status == "hibernating" and not isinstance(run.status, RunStatus)
    assert run.failure_reason == "cosmic_ray"
    assert not run.is_terminal  # an unknown status is treated as active
    assert run.to_wire()["status"] == "hibernating"


def test_naive_timestamps_become_utc() -> None:
    run = WorkspaceRun.model_validate({**RUN, "createdAt": "2026-11-28T09:15:02"})
    assert run.created_at == datetime(2026, 11, 28, 9, 15, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "run_123"),
        ("id", "wsr_../../etc"),
        ("id", "wsr_a b"),
        ("projectId", "wsr_1"),
        ("orgId", "org_"),
        ("artifactIds", ["file_1"]),
        ("templateVersionId", "tpl_1"),
    ],
)
def test_ids_are_validated_by_prefix(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        WorkspaceRun.model_validate({**RUN, field: value})


def test_evidence_bundle_round_trips() -> None:
    evidence = EvidenceBundle.model_validate(EVIDENCE)
    assert evidence.workspace_run_id == "wsr_01JD4Z9Q"
    assert evidence.artifact_errors[0].code == "file_not_found"
    assert EvidenceBundle.model_validate(evidence.to_wire()) == evidence


def test_project_artifact_transfer_and_pages() -> None:
    project = {"id": "prj_web", "orgId": "org_acme", "name": "Web", "createdAt": RUN["createdAt"]}
    page = Page[Project].model_validate({"data": [project], "hasMore": True, "nextCursor": "c2"})
    assert page.data[0].name == "Web" and page.has_more and page.next_cursor == "c2"
    artifact = Artifact.model_validate(
        {
            "id": "art_report1",
            "orgId": "org_acme",
            "projectId": "prj_web",
            "sandboxId": "sbx_9f",
            "name": "report.html",
            "objectKey": "o/k",
            "sizeBytes": 1234,
            "createdAt": RUN["createdAt"],
            "contentType": "text/html",
            "sourcePath": "out/report.html",
        }
    )
    assert Artifact.model_validate(artifact.to_wire()) == artifact
    transfer = ArchiveTransfer.model_validate(
        {
            "id": "upl_1",
            "uploadUrl": "https://storage.example/put/1",
            "method": "PUT",
            "headers": {"content-type": "application/gzip"},
            "expiresAt": RUN["createdAt"],
            "maxSizeBytes": 8388608,
            "status": "pending",
            "checksumAlgorithm": "sha256",
            "workspaceRunId": "wsr_01JD4Z9Q",
        }
    )
    assert ArchiveTransfer.model_validate(transfer.to_wire()) == transfer
    result = ArchiveUploadResult.model_validate({"archive": RUN["archive"], "workspaceRun": RUN})
    assert result.workspace_run.id == RUN["id"]


def test_create_request_serialises_camel_case_without_unset_fields() -> None:
    request = CreateRunRequest(
        command="make test",
        template="python-node",
        timeout_ms=120_000,
        metadata={"ci": "1"},
        artifacts=[{"path": "out/report.html"}],
    )
    assert request.to_wire() == {
        "command": "make test",
        "template": "python-node",
        "timeoutMs": 120000,
        "metadata": {"ci": "1"},
        "artifacts": [{"path": "out/report.html"}],
    }
    with pytest.raises(ValidationError):
        CreateRunRequest(command="")


EVENTS: list[tuple[dict[str, Any], type]] = [
    ({"type": "status", "seq": 1, "createdAt": RUN["createdAt"], "status": "running"}, StatusEvent),
    (
        {"type": "archive_progress", "seq": 2, "receivedBytes": 10, "sizeBytes": 20},
        ArchiveProgressEvent,
    ),
    ({"type": "stdout", "seq": 3, "data": "hello\n"}, StdoutEvent),
    ({"type": "stderr", "seq": 4, "data": "warn"}, StderrEvent),
    (
        {"type": "artifact_collected", "seq": 5, "artifactId": "art_1", "path": "a.txt"},
        ArtifactCollectedEvent,
    ),
    (
        {
            "type": "artifact_error",
            "seq": 6,
            "error": {"code": "path_outside_workspace", "message": "no", "path": "../x"},
        },
        ArtifactErrorEvent,
    ),
    ({"type": "heartbeat", "seq": 6}, HeartbeatEvent),
    ({"type": "terminal", "seq": 7, "workspaceRun": RUN}, TerminalEvent),
    ({"type": "error", "seq": 8, "code": "stream_gap", "message": "gone"}, ErrorEvent),
]


@pytest.mark.parametrize(("payload", "kind"), EVENTS)
def test_every_event_type_round_trips(payload: dict[str, Any], kind: type) -> None:
    event = parse_event(payload)
    assert isinstance(event, kind) and not isinstance(event, BadPayload)
    assert event.to_wire()["type"] == payload["type"]
    assert parse_event(event.to_wire()) == event


def test_batches_mix_known_unknown_and_broken_payloads() -> None:
    import json

    payloads = [json.dumps(p).encode() for p, _ in EVENTS]
    payloads.insert(3, b'{"type":"telemetry","seq":99,"cpu":0.5}')
    payloads.insert(5, b"{not json")
    payloads.insert(6, b'{"type":"stdout","seq":"x"}')
    parsed = parse_events(payloads)
    assert len(parsed) == len(payloads)
    unknown = parsed[3]
    assert isinstance(unknown, UnknownEvent)
    assert unknown.type == "telemetry" and unknown.seq == 99 and unknown.raw["cpu"] == 0.5
    assert isinstance(parsed[5], BadPayload) and "not JSON" in parsed[5].reason
    assert isinstance(parsed[6], BadPayload)
    assert isinstance(parsed[-1], ErrorEvent)


def test_event_page_tolerates_unknown_events() -> None:
    good = parse_event_page(b'{"data":[{"type":"stdout","seq":1,"data":"x"}],"hasMore":false}')
    assert len(good.events) == 1 and not good.has_more
    mixed = parse_event_page(
        b'{"data":[{"type":"stdout","seq":1,"data":"x"},{"type":"new","seq":2},"junk"],'
        b'"hasMore":true,"nextSeq":2}'
    )
    assert [e.type for e in mixed.events] == ["stdout", "new"]
    assert mixed.has_more and mixed.next_seq == 2 and len(mixed.bad) == 1


def test_terminal_statuses() -> None:
    assert {s for s in RunStatus if is_terminal(s)} == {"succeeded", "failed", "canceled"}


def test_naive_event_times_become_utc() -> None:
    event = parse_event({"type": "stdout", "seq": 1, "data": "x", "createdAt": "2026-11-28T09:00"})
    assert isinstance(event, StdoutEvent)
    assert event.created_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    (batched,) = parse_events([b'{"type":"stdout","seq":1,"data":"x","createdAt":"2026-11-28"}'])
    assert isinstance(batched, StdoutEvent) and batched.created_at is not None
    assert batched.created_at.tzinfo is not None
