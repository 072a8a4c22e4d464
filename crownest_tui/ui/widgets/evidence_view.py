"""The Evidence Bundle, for people (humanised) and as raw JSON (indented, coloured)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual.content import Content
from textual.highlight import highlight
from textual.reactive import reactive
from textual.widgets import Static

from ...api.models import EvidenceBundle
from ...text.format import format_duration, format_size, metadata_chips, status_label
from ...text.sanitize import plain_text
from ..themes import on_theme, themed_status_style
from .kv_table import Row, kv_table
from .run_header import when


def raw_json(bundle: EvidenceBundle) -> Content:
    """The bundle as the API sent it: indented JSON, one key a line, coloured by the
    theme; nothing is markup. The sanitiser works on one line (it removes newlines
    with the other control characters), so each line is cleaned on its own; JSON
    escapes the control characters inside strings, so no line break is lost."""
    text = json.dumps(bundle.to_wire(), indent=2, sort_keys=True, ensure_ascii=False)
    clean = "\n".join(plain_text(line) for line in text.split("\n"))
    hint = Content.styled("j: back to the fields\n", "dim")
    return hint + highlight(clean, language="json")


class EvidenceView(Static):
    """Shows ``evidence``, or ``waiting`` (why there is none yet); ``raw`` shows JSON."""

    DEFAULT_CSS = """
    EvidenceView { height: auto; padding: 0 1; }
    EvidenceView.-raw { width: auto; text-wrap: nowrap; }  /* long values scroll */
    """

    evidence: reactive[EvidenceBundle | None] = reactive(None)
    """The bundle, once fetched."""

    waiting: reactive[str] = reactive("Evidence is available when the run ends.")
    """What to say while there is no bundle."""

    raw: reactive[bool] = reactive(False)
    """Show the bundle as JSON instead of rows."""

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.clock = clock

    def on_mount(self) -> None:
        on_theme(self, self._render_bundle)

    def watch_evidence(self) -> None:
        self._render_bundle()

    def watch_waiting(self) -> None:
        self._render_bundle()

    def watch_raw(self, raw: bool) -> None:
        self.set_class(raw, "-raw")
        self._render_bundle()

    def _render_bundle(self) -> None:
        bundle = self.evidence
        if bundle is None:
            self.update(Text(self.waiting, style="italic"))
            return
        if self.raw:
            self.update(raw_json(bundle))
            return
        hint = Text("j: raw JSON", style="dim")
        self.update(Group(kv_table(self._rows(bundle)), hint))

    def _rows(self, bundle: EvidenceBundle) -> list[Row]:
        now = self.clock()
        style = themed_status_style(self, bundle.status)
        failed = bundle.exit_code not in (None, 0)
        failure = " / ".join(str(x) for x in (bundle.failure_reason, bundle.failure_class) if x)
        archive = "—"
        if bundle.archive is not None:
            size = format_size(bundle.archive.size_bytes)
            archive = f"{size}, sha256 {bundle.archive.sha256}"
        errors = "; ".join(f"{e.code} {e.path}" for e in bundle.artifact_errors) or "—"
        rows: list[Row] = [
            ("Run", bundle.workspace_run_id),
            ("Status", Text(status_label(bundle.status), style=style)),
            (
                "Exit code",
                Text(
                    "—" if bundle.exit_code is None else str(bundle.exit_code),
                    "bold red" if failed else "bold green",
                ),
            ),
            ("Failure", Text(failure or "—", "bold red" if failure else "")),
            ("Command", bundle.command),
            ("Organization", bundle.org_id),
            ("Project", bundle.project_id),
            ("Created", when(bundle.created_at, now)),
            ("Started", when(bundle.started_at, now)),
            ("Finished", when(bundle.finished_at, now)),
            (
                "Duration",
                "—" if bundle.duration_ms is None else format_duration(bundle.duration_ms / 1000),
            ),
            (
                "Timeout",
                "—" if not bundle.timeout_ms else format_duration(bundle.timeout_ms / 1000),
            ),
            (
                "Orchestration",
                {True: "succeeded", False: "failed", None: "—"}[bundle.orchestration_succeeded],
            ),
            ("Cleanup", str(bundle.cleanup_status or "—")),
            ("Sandbox", bundle.sandbox_id or "—"),
            ("Command id", bundle.command_id or "—"),
            ("Archive", archive),
            ("Artifacts", ", ".join(bundle.artifact_ids) or "—"),
            ("Artifact errors", errors),
            ("Env keys", ", ".join(bundle.env_keys) or "—"),
        ]
        rows += [(f"  {key}", value) for key, value in sorted(bundle.metadata.items())]
        if bundle.metadata:
            rows.insert(len(rows) - len(bundle.metadata), ("Metadata", ""))
        rows.append(("Source", metadata_chips(bundle.source_metadata) or "—"))
        return rows
