"""Pydantic models of the CrowNest Workspace Runs resources, as the public API defines them.

Attributes are snake_case, the wire is camelCase. Unknown fields are ignored and
unknown enum values are kept as plain strings, so a newer server never breaks us.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic.alias_generators import to_camel

from .ids import (
    ArtifactId,
    CommandId,
    OrgId,
    ProjectId,
    RunId,
    SandboxId,
    TemplateId,
    TemplateVersionId,
    UploadId,
)


def _as_aware(value: datetime) -> datetime:
    """Timestamps without a zone are taken as UTC, so every datetime is aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_as_aware)]


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        defer_build=True,  # validators are built on first use: start-up needs few models
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready camelCase dict, without unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RunStatus(StrEnum):
    AWAITING_ARCHIVE = "awaiting_archive"
    ARCHIVE_UPLOADED = "archive_uploaded"
    STARTING = "starting"
    EXTRACTING = "extracting"
    RUNNING = "running"
    COLLECTING = "collecting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


TERMINAL_STATUSES: frozenset[str] = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED}
)
#: The life cycle in order; unknown statuses sort after it.
STATUS_ORDER: tuple[RunStatus, ...] = tuple(RunStatus)


def is_terminal(status: str) -> bool:
    """Terminal statuses end a run; every other status (known or not) is active."""
    return status in TERMINAL_STATUSES


class FailureClass(StrEnum):
    CANCELED = "canceled"
    PLATFORM = "platform"
    USER_COMMAND = "user_command"
    USER_INPUT = "user_input"


class FailureReason(StrEnum):
    ARCHIVE_INVALID = "archive_invalid"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    COMMAND_EXIT = "command_exit"
    EXTRACTION_FAILED = "extraction_failed"
    INTERNAL_ERROR = "internal_error"
    SANDBOX_CONFLICT = "sandbox_conflict"
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"
    TIMEOUT = "timeout"
    UPLOAD_MISSING = "upload_missing"


class CleanupStatus(StrEnum):
    NOT_REQUESTED = "not_requested"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ArtifactErrorCode(StrEnum):
    ARTIFACT_COLLECT_FAILED = "artifact_collect_failed"
    FILE_NOT_FOUND = "file_not_found"
    PATH_OUTSIDE_WORKSPACE = "path_outside_workspace"


class TransferStatus(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    FINALIZED = "finalized"
    EXPIRED = "expired"


def _known_or_raw(enum: type[StrEnum]) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, StrEnum):
            try:
                return enum(value)
            except ValueError:
                return value
        return value

    return BeforeValidator(convert)


# Each field keeps a known value as the enum member and an unknown one as its string.
StatusField = Annotated[RunStatus | str, _known_or_raw(RunStatus)]
FailureClassField = Annotated[FailureClass | str, _known_or_raw(FailureClass)]
FailureReasonField = Annotated[FailureReason | str, _known_or_raw(FailureReason)]
CleanupStatusField = Annotated[CleanupStatus | str, _known_or_raw(CleanupStatus)]
ArtifactErrorCodeField = Annotated[ArtifactErrorCode | str, _known_or_raw(ArtifactErrorCode)]
TransferStatusField = Annotated[TransferStatus | str, _known_or_raw(TransferStatus)]


class ArchiveInfo(WireModel):
    sha256: str
    size_bytes: int
    uploaded_at: Timestamp | None = None


class ArtifactError(WireModel):
    code: ArtifactErrorCodeField
    message: str = ""
    path: str = ""


class ArtifactRequest(WireModel):
    path: str
    name: str | None = None


class _RunFields(WireModel):
    """Fields a run and its Evidence Bundle share."""

    org_id: OrgId
    project_id: ProjectId
    status: StatusField
    command: str
    created_at: Timestamp
    metadata: dict[str, str] = Field(default_factory=dict)
    archive: ArchiveInfo | None = None
    artifact_errors: list[ArtifactError] = Field(default_factory=list)
    artifact_ids: list[ArtifactId] = Field(default_factory=list)
    cleanup_status: CleanupStatusField | None = None
    command_id: CommandId | None = None
    duration_ms: int | None = None
    env_keys: list[str] = Field(default_factory=list)
    exit_code: int | None = None
    failure_class: FailureClassField | None = None
    failure_reason: FailureReasonField | None = None
    finished_at: Timestamp | None = None
    orchestration_succeeded: bool | None = None
    sandbox_id: SandboxId | None = None
    source_metadata: dict[str, str] = Field(default_factory=dict)
    started_at: Timestamp | None = None
    timeout_ms: int | None = None

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)


class WorkspaceRun(_RunFields):
    id: RunId
    keep_sandbox: bool = False
    template_id: TemplateId | None = None
    template_slug: str = ""
    template_version: str = ""
    template_version_id: TemplateVersionId | None = None
    evidence_available: bool | None = None
    uploaded_at: Timestamp | None = None


class EvidenceBundle(_RunFields):
    workspace_run_id: RunId


class Project(WireModel):
    id: ProjectId
    org_id: OrgId
    name: str
    created_at: Timestamp


class Artifact(WireModel):
    id: ArtifactId
    org_id: OrgId
    project_id: ProjectId
    sandbox_id: SandboxId | None = None
    name: str
    object_key: str = ""
    size_bytes: int | None = None
    created_at: Timestamp
    content_type: str | None = None
    source_path: str | None = None
    deleted_at: Timestamp | None = None
    retention_expires_at: Timestamp | None = None


class ArchiveTransfer(WireModel):
    id: UploadId
    upload_url: str
    method: str = "PUT"
    headers: dict[str, str] = Field(default_factory=dict)
    expires_at: Timestamp | None = None
    max_size_bytes: int | None = None
    status: TransferStatusField = TransferStatus.PENDING
    checksum_algorithm: str = "sha256"
    workspace_run_id: RunId


class ArchiveUploadResult(WireModel):
    archive: ArchiveInfo
    workspace_run: WorkspaceRun


T = TypeVar("T")


class Page(WireModel, Generic[T]):
    """One page of a list: ``data``, ``has_more`` and the cursor for the next page."""

    data: list[T]
    has_more: bool = False
    next_cursor: str | None = None


class CreateRunRequest(WireModel):
    """The body of ``POST /v1/workspace-runs``."""

    command: str = Field(min_length=1)
    project_id: ProjectId | None = None
    template: str | None = None
    template_version_id: TemplateVersionId | None = None
    sandbox_id: SandboxId | None = None
    keep_sandbox: bool | None = None
    timeout_ms: int | None = Field(default=None, gt=0)
    metadata: dict[str, str] | None = None
    source_metadata: dict[str, str] | None = None
    artifacts: list[ArtifactRequest] | None = None
