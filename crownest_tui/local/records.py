"""The documents the local backend stores and serves, as typed records.

Each record is a frozen, slotted dataclass with snake_case fields; its wire form is the
camelCase JSON of the CrowNest Workspace Runs API, with unset (``None``) fields left out.
Changes are new records (``dataclasses.replace``, which mypy checks field by field).
Pydantic converts both ways (it is already ours, for the client's models) and checks
what is read back from SQLite; its adapters are built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self

from pydantic import ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel

from ..api.models import (
    ArtifactErrorCode,
    ArtifactRequest,
    CleanupStatus,
    FailureClass,
    FailureReason,
    RunStatus,
    TransferStatus,
)
from .contract import dumps

#: The fields of a run that its Evidence Bundle repeats, in the bundle's order.
EVIDENCE_FIELDS: Final = (
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
)


_ADAPTERS: dict[type[WireRecord], TypeAdapter[Any]] = {}


def _adapter(kind: type[WireRecord]) -> TypeAdapter[Any]:
    """The record type's pydantic adapter, built on first use."""
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


class WireRecord:
    """Base of every record: to and from its camelCase wire form."""

    __slots__ = ()
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(
        alias_generator=to_camel, populate_by_name=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict, without the fields that are ``None``."""
        wire: dict[str, Any] = _adapter(type(self)).dump_python(
            self, mode="json", by_alias=True, exclude_none=True
        )
        return wire

    def to_json(self) -> str:
        """The compact JSON text every stored document and answer body uses."""
        return dumps(self.to_wire())

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        record: Self = _adapter(cls).validate_json(text)
        return record


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveRecord(WireRecord):
    sha256: str
    size_bytes: int
    uploaded_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactFailure(WireRecord):
    """One requested artifact that was not collected (``artifactErrors`` items)."""

    code: ArtifactErrorCode
    message: str
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord(WireRecord):
    """A Workspace Run. Field order is the order of its JSON keys: the order in which
    a run's fields used to be added to its document, as the server sets them."""

    id: str
    org_id: str
    project_id: str
    status: RunStatus
    command: str
    keep_sandbox: bool
    metadata: dict[str, str]
    template_id: str
    template_slug: str
    template_version: str
    template_version_id: str
    created_at: str
    artifact_ids: tuple[str, ...] = ()
    artifact_errors: tuple[ArtifactFailure, ...] = ()
    env_keys: tuple[str, ...] = ()
    evidence_available: bool = False
    cleanup_status: CleanupStatus = CleanupStatus.PENDING
    source_metadata: dict[str, str] | None = None
    timeout_ms: int | None = None
    archive: ArchiveRecord | None = None
    uploaded_at: str | None = None
    started_at: str | None = None
    sandbox_id: str | None = None
    command_id: str | None = None
    exit_code: int | None = None
    failure_class: FailureClass | None = None
    failure_reason: FailureReason | None = None
    finished_at: str | None = None
    orchestration_succeeded: bool | None = None
    duration_ms: int | None = None

    def evidence(self) -> dict[str, Any]:
        """The Evidence Bundle of this (terminal) run, as JSON-ready data."""
        wire = self.to_wire()
        bundle: dict[str, Any] = {"workspaceRunId": self.id}
        bundle.update({key: wire[key] for key in EVIDENCE_FIELDS if key in wire})
        return bundle


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec(WireRecord):
    """What a run asked for at creation that is not part of the run document."""

    artifacts: tuple[ArtifactRequest, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRecord(WireRecord):
    id: str
    org_id: str
    name: str
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactRecord(WireRecord):
    id: str
    org_id: str
    project_id: str
    sandbox_id: str
    name: str
    object_key: str
    size_bytes: int
    created_at: str
    content_type: str
    source_path: str
    retention_expires_at: str | None = None  # None only in state dirs made before it
    deleted_at: str | None = None  # its retention ended: the file is gone


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferRecord(WireRecord):
    """A staged archive transfer (the contract's fields, and what was declared)."""

    id: str
    upload_url: str
    method: str
    headers: dict[str, str]
    expires_at: str
    max_size_bytes: int
    status: TransferStatus
    checksum_algorithm: str
    workspace_run_id: str
    sha256: str
    size_bytes: int
