"""The badge at the bottom right of a log: what is hidden and whether it follows."""

from __future__ import annotations

from crownest_tui.core.chunk import StreamFilter

from ...text.format import format_count


def log_badge(follow: bool, new_lines: int, stream_filter: StreamFilter) -> str:
    """``stderr only · +12 new lines · f to follow``; empty while following everything.

    A stream filter is always named (``o`` hides a stream: the view must say so).
    """
    parts = [] if stream_filter == "all" else [f"{stream_filter} only · o to change"]
    if not follow:
        parts.append(
            f"+{format_count(new_lines, 'new line')} · f to follow"
            if new_lines
            else "paused · f to follow"
        )
    return " · ".join(parts)
