"""Collected artifacts (downloadable) and artifact errors."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...api.models import ArtifactError
from ...core.detail_state import ArtifactRow
from ...text.format import absolute_time, format_size
from .kv_table import inert


class ArtifactsTable(DataTable[str | Text]):
    """One row per artifact (key = artifact id) and one per artifact error."""

    DEFAULT_CSS = """
    ArtifactsTable { height: auto; max-height: 12; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("Artifact", "Path", "Size", "Kept until", "Note")

    def show(self, artifacts: list[ArtifactRow], errors: list[ArtifactError]) -> None:
        """Replace the rows, keeping the cursor on the same artifact when possible."""
        selected = self.selected_artifact()
        self.clear()
        for row in artifacts:
            size = "—" if row.size_bytes is None else format_size(row.size_bytes)
            expiry = row.retention_expires_at
            kept = "—" if expiry is None else absolute_time(expiry)
            note = "d downloads"
            if row.deleted_at is not None:  # its retention ended: the file is gone
                kept, note = f"deleted {absolute_time(row.deleted_at)}", "expired"
            self.add_row(
                inert(row.artifact_id),
                inert(row.path or "—"),
                size,
                kept,
                note,
                key=row.artifact_id,
            )
        for index, error in enumerate(errors):
            self.add_row(
                Text(str(error.code), style="bold red"),
                inert(error.path or "—"),
                "—",
                "—",
                inert(error.message),
                key=f"error-{index}",
            )
        if selected is not None and selected in {a.artifact_id for a in artifacts}:
            self.move_cursor(row=self.get_row_index(selected))

    def selected_artifact(self) -> str | None:
        """The artifact id under the cursor, if the cursor is on an artifact."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return key if key and key.startswith("art_") else None
