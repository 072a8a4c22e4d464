"""The badge at the bottom right of a log: what is hidden and whether it follows."""

from __future__ import annotations

from crownest_tui.core.chunk import StreamFilter

from ...text.format import format_count


def log_badge(follow: bool, new_lines: int, stream_filter: StreamFilter, live: bool = True) -> str:
    """``stderr only · +12 new lines · f to follow``; empty while following everything.

    A stream filter is always named (``o`` hides a stream: the view must say so). The
    log of a run that has ended (``live`` False) has nothing to follow: ``f`` only goes
    to its end.
    """
    parts = [] if stream_filter == "all" else [f"{stream_filter} only · o to change"]
    if not follow:
        if new_lines:
            parts.append(f"+{format_count(new_lines, 'new line')} · f to follow")
        else:
            parts.append("paused · f to follow" if live else "ended · f to the end")
    return " · ".join(parts)
