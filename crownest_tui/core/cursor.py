"""Which row the runs list's cursor belongs on after the rows change.

Plain Python (no Textual). New runs arrive on top of the list while it is looked at,
so "the same row" and "the same run" differ. The rule:

* until the user moves the cursor it stays on the top row (the newest run);
* once they move it, it follows the run it is on, wherever refreshes push it;
* a run asked for with :meth:`CursorAnchor.want` (the run just launched) takes the
  cursor as soon as it is shown, and is followed from then on;
* when the followed run is no longer shown (filtered out), the cursor goes back
  to the top and stays there.
"""

from __future__ import annotations

from collections.abc import Callable

RowOf = Callable[[str], int | None]


class CursorAnchor:
    """Remembers what the cursor is tied to: the top row, or one run by id."""

    def __init__(self) -> None:
        self.followed: str | None = None
        """The run the cursor follows, or ``None`` while it stays on the top row."""
        self.wanted: str | None = None
        """A run that takes the cursor once it is shown (e.g. the one just launched)."""

    def moved_to(self, run_id: str | None) -> None:
        """The user put the cursor on ``run_id``: follow it from now on."""
        self.followed, self.wanted = run_id, None

    def to_top(self) -> None:
        """Back to the top row, staying there as new runs arrive (``home``)."""
        self.followed, self.wanted = None, None

    def want(self, run_id: str) -> None:
        """Put the cursor on ``run_id`` when it is shown (now or after a refresh)."""
        self.wanted = run_id

    def row(self, row_of: RowOf) -> int:
        """The row for the cursor, given where each run is shown now."""
        if self.wanted is not None:
            row = row_of(self.wanted)
            if row is not None:
                self.moved_to(self.wanted)
                return row
        if self.followed is not None:
            row = row_of(self.followed)
            if row is not None:
                return row
            self.followed = None  # gone from the list: back to the top
        return 0

    @property
    def on_top(self) -> bool:
        """Whether the cursor stays on the top row (the user has not moved it)."""
        return self.followed is None
