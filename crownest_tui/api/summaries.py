"""A run's summary: the few fields figures over thousands of runs need.

Validating a page of these straight from the answer's bytes (pydantic-core parses the
JSON itself) costs a fraction of a page of full :class:`~.models.WorkspaceRun` models,
and they weigh less; the Insights screen pages through whole weeks with them. Unknown
fields are ignored; statuses and failure reasons stay the strings the API sent.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from .ids import ProjectId, RunId
from .models import Page, Timestamp, WireModel, is_terminal


class RunSummary(WireModel):
    id: RunId
    project_id: ProjectId
    status: str
    command: str
    created_at: Timestamp
    template_slug: str = ""
    started_at: Timestamp | None = None
    duration_ms: int | None = None
    exit_code: int | None = None
    failure_reason: str | None = None
    timeout_ms: int | None = None

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)


_PAGE: TypeAdapter[Page[RunSummary]] | None = None


def summary_page_adapter() -> TypeAdapter[Page[RunSummary]]:
    """The adapter of a page of summaries (built on first use)."""
    global _PAGE
    if _PAGE is None:
        _PAGE = TypeAdapter(Page[RunSummary])
    return _PAGE
