"""Key/value rows rendered as inert text: every value is untrusted and sanitised."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from ...text.sanitize import plain_text

Row = tuple[str, str | Text]


def inert(value: str) -> Text:
    """Untrusted text as a Rich Text with no markup and no escape sequences."""
    return Text(plain_text(value))


def kv_table(rows: Iterable[Row], *, columns: int = 1) -> Table:
    """A borderless grid of ``key  value`` pairs, ``columns`` pairs per line."""
    table = Table.grid(padding=(0, 2), expand=True)
    for _ in range(columns):
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
    cells: list[str | Text] = []
    for key, value in rows:
        cells += [key, value if isinstance(value, Text) else inert(value)]
        if len(cells) == 2 * columns:
            table.add_row(*cells)
            cells = []
    if cells:
        table.add_row(*cells, *([""] * (2 * columns - len(cells))))
    return table
