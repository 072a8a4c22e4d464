"""The runs list's filters: the server-side query and the client-side quick filter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from ..api.models import TERMINAL_STATUSES, RunStatus, WorkspaceRun
from ..api.summaries import RunSummary

ACTIVE_GROUP = "active"
TERMINAL_GROUP = "terminal"
STATUS_GROUPS: dict[str, frozenset[str]] = {
    ACTIVE_GROUP: frozenset(s.value for s in RunStatus) - TERMINAL_STATUSES,
    TERMINAL_GROUP: frozenset(TERMINAL_STATUSES),
}
#: Every choice the status picker offers, in life-cycle order, then the groups.
STATUS_CHOICES: tuple[str, ...] = (*(s.value for s in RunStatus), ACTIVE_GROUP, TERMINAL_GROUP)


class FilterError(ValueError):
    """A filter value the user typed that cannot be used (one line)."""


def parse_metadata_pair(text: str) -> tuple[str, str]:
    """``"key=value"`` -> ``("key", "value")``; raises FilterError otherwise."""
    key, sep, value = text.strip().partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise FilterError(f"metadata filter must be key=value, got {text.strip()!r}")
    return key, value


def check_status(text: str) -> str:
    """A known status or group name; raises FilterError otherwise."""
    value = text.strip().lower()
    if value not in STATUS_CHOICES:
        raise FilterError(f"unknown status {text!r}; choose one of {', '.join(STATUS_CHOICES)}")
    return value


@dataclass(frozen=True)
class RunFilters:
    """The server-side filters (project, status or status group, metadata pairs).

    A status *group* cannot be sent as one API query, so the list asks the API without
    a status and keeps the group's runs on the client (see :meth:`server_status`).
    ``failure`` (``("reason", "timeout")`` or ``("exit", "2")``, set by opening a row
    of the Insights screen) is kept on the client too, among the failed runs.
    """

    project_id: str | None = None
    status: str | None = None
    metadata: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    failure: tuple[str, str] | None = None

    @classmethod
    def build(
        cls,
        project_id: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> RunFilters:
        pairs = metadata.items() if isinstance(metadata, Mapping) else metadata
        return cls(project_id or None, status or None, tuple(sorted(dict(pairs).items())))

    @property
    def is_empty(self) -> bool:
        return (
            self.project_id is None
            and self.status is None
            and not self.metadata
            and self.failure is None
        )

    @property
    def server_status(self) -> str | None:
        """The ``status`` query parameter (``None`` for a group; ``failed`` when only
        a failure reason or exit code is asked for)."""
        if self.status is None and self.failure is not None:
            return RunStatus.FAILED.value
        return None if self.status in STATUS_GROUPS else self.status

    @property
    def metadata_dict(self) -> dict[str, str]:
        return dict(self.metadata)

    def keeps(self, run: WorkspaceRun | RunSummary) -> bool:
        """Whether a run the API returned belongs in the list (status groups)."""
        group = STATUS_GROUPS.get(self.status or "")
        if group is not None and run.status not in group:
            return False
        return self.failure is None or failure_matches(run, self.failure)

    def with_metadata(self, key: str, value: str) -> RunFilters:
        return replace(self, metadata=tuple(sorted({**self.metadata_dict, key: value}.items())))

    def without_metadata(self, key: str) -> RunFilters:
        return replace(self, metadata=tuple(p for p in self.metadata if p[0] != key))

    def describe(self) -> str:
        """A short human summary, e.g. ``project=prj_… status=active branch=main``."""
        parts = []
        if self.project_id:
            parts.append(f"project={self.project_id}")
        if self.status:
            parts.append(f"status={self.status}")
        parts += [f"{k}={v}" for k, v in self.metadata]
        if self.failure is not None:
            parts.append(f"{self.failure[0]}={self.failure[1]}")
        return " ".join(parts) or "no filters"


def failure_matches(run: WorkspaceRun | RunSummary, failure: tuple[str, str]) -> bool:
    """Whether a failed run has this failure reason (``"(none)"``: none given) or exit
    code (the kinds and values the Insights screen ranks)."""
    if run.status != RunStatus.FAILED:
        return False
    kind, value = failure
    if kind == "exit":
        return run.exit_code is not None and str(run.exit_code) == value
    reason = "(none)" if run.failure_reason is None else str(run.failure_reason)
    return reason == value


def quick_haystack(run: WorkspaceRun, project_name: str = "") -> str:
    """The lower-cased text the quick filter searches: id, command, project, metadata.

    Fields are joined with a newline so a search never matches across two of them.
    """
    pairs = (f"{k}={v}" for k, v in run.metadata.items())
    return "\n".join((run.id, run.command, run.project_id, project_name, *pairs)).lower()


def quick_match(run: WorkspaceRun, needle: str, project_name: str = "") -> bool:
    """Client-side quick filter over id, command, project and metadata (case-blind)."""
    return not needle or needle.lower() in quick_haystack(run, project_name)
