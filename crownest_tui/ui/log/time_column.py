"""The time column's modes (``t`` cycles them) and what each writes for a line."""

from __future__ import annotations

from typing import Literal

from crownest_tui.ui.log.render import TIME_WIDTH
from crownest_tui.ui.log.transcript import Line, Transcript

TimeMode = Literal["off", "clock", "since", "delta"]
NEXT_MODE: dict[TimeMode, TimeMode] = {
    "off": "clock",
    "clock": "since",
    "since": "delta",
    "delta": "off",
}
MODE_NAMES: dict[TimeMode, str] = {
    "off": "no times",
    "clock": "event times",
    "since": "time since the run started",
    "delta": "time since the previous line",
}
SLOW_STEP_MS = 1_000
"""A delta this long or longer is shown in the warning colour."""


def format_duration(ms: int) -> str:
    """``+0.012s``, ``+59.999s``, ``+1:02.345``, ``+2:03:04.5``; fits the column."""
    sign = "-" if ms < 0 else "+"
    ms = abs(ms)
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if not minutes and not hours:
        text = f"{sign}{seconds}.{millis:03d}s"
    elif not hours:
        text = f"{sign}{minutes}:{seconds:02d}.{millis:03d}"
    else:
        text = f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{millis // 100}"
    return text[: TIME_WIDTH - 1].rjust(TIME_WIDTH - 1)


def stamp(
    mode: TimeMode, time_ms: int | None, origin_ms: int | None, previous_ms: int | None
) -> tuple[str, bool] | None:
    """What ``since``/``delta`` modes write for a line, and whether it is a slow step
    (None for the other modes: the renderer writes event times itself)."""
    if mode not in ("since", "delta"):
        return None
    base = origin_ms if mode == "since" else previous_ms
    if time_ms is None or base is None:
        return " " * (TIME_WIDTH - 1), False
    elapsed = time_ms - base
    return format_duration(elapsed), mode == "delta" and elapsed >= SLOW_STEP_MS


def line_stamp(
    transcript: Transcript, mode: TimeMode, index: int | None, line: Line, origin_ms: int | None
) -> tuple[str, bool] | None:
    """:func:`stamp` for line ``index`` of ``transcript`` (None: a partial line, after
    every complete one); the origin defaults to the first line's time."""
    if mode not in ("since", "delta"):
        return None
    committed = transcript.committed
    if origin_ms is None and committed:
        origin_ms = transcript.line(0).time_ms
    before = committed if index is None else index
    previous = transcript.line(before - 1).time_ms if before > 0 else None
    return stamp(mode, line.time_ms, origin_ms if origin_ms is not None else line.time_ms, previous)
