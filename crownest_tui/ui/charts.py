"""Charts drawn with block characters, readable with or without colour.

Each result has a pattern of its own (█ succeeded, ▓ failed, ▒ canceled, ░ active)
as well as its status colour, so a stack reads the same on a monochrome terminal;
bars grow in eighths of a cell. Every function returns :class:`Content` lines built
from parts (never parsed as markup: project names and reasons come from the API).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo

from textual.content import Content

from ..core.insights import RESULTS, Bucket

PATTERNS: dict[str, str] = {"succeeded": "█", "failed": "▓", "canceled": "▒", "active": "░"}
#: Horizontal bars: eighths of a cell, left to right.
EIGHTHS = " ▏▎▍▌▋▊▉█"
#: A one-line level (the failure-rate row): eighths of a cell, bottom to top.
LEVELS = " ▁▂▃▄▅▆▇█"
Styles = dict[str, str]
Part = str | tuple[str, str]


def split_cells(counts: Sequence[int], cells: int) -> list[int]:
    """``cells`` shared out in proportion to ``counts`` (largest remainder), every
    non-zero count getting at least one cell when there are cells enough."""
    total = sum(counts)
    if total == 0 or cells <= 0:
        return [0] * len(counts)
    enough = cells >= sum(1 for n in counts if n)
    least = [1 if (n and enough) else 0 for n in counts]
    shares = [n * cells / total for n in counts]
    given = [max(low, int(share)) for low, share in zip(least, shares, strict=True)]
    while sum(given) > cells:  # the minimums overshot: take from the most over its share
        over = [i for i, n in enumerate(given) if n > least[i]]
        given[max(over, key=lambda i: (given[i] - shares[i], given[i]))] -= 1
    while sum(given) < cells:  # then the largest remainders
        short = [i for i, n in enumerate(counts) if n]
        given[max(short, key=lambda i: (shares[i] - given[i], counts[i]))] += 1
    return given


def hbar(value: float, peak: float, width: int) -> str:
    """A bar of ``width`` cells at most, ``value / peak`` of it filled, in eighths."""
    if peak <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(min(1.0, value / peak) * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


def level(share: float | None) -> str:
    """One cell for a share in 0..1 (``·`` for no value, so "none" is not "zero")."""
    if share is None:
        return "·"
    return LEVELS[max(1, math.ceil(share * 8))] if share > 0 else "▁"


def legend(styles: Styles) -> Content:
    parts: list[Part] = []
    for result in RESULTS:
        parts += [(PATTERNS[result] * 2, styles.get(result, "")), f" {result}  "]
    return Content.assemble(*parts)


def bucket_label(start: float, seconds: int, zone: tzinfo | None) -> str:
    moment = datetime.fromtimestamp(start, zone)
    if seconds >= 6 * 3600:
        return moment.strftime("%a %d") if moment.hour < seconds / 3600 else ""
    return moment.strftime("%H:%M")


def bucket_start(start: float, seconds: int, zone: tzinfo | None) -> str:
    """A bucket's start for a table row: ``14:05``, ``Fri 15:00``, ``Fri 27 06:00``."""
    moment = datetime.fromtimestamp(start, zone)
    pattern = {300: "%H:%M", 3600: "%a %H:%M"}.get(seconds, "%a %d %H:%M")
    return moment.strftime(pattern)


def _label_every(seconds: int) -> int:
    return {300: 3, 3600: 6}.get(seconds, 1)


def stacked_columns(
    buckets: Sequence[Bucket],
    bucket_seconds: int,
    width: int,
    height: int,
    styles: Styles,
    zone: tzinfo | None,
) -> list[Content]:
    """Runs started per bucket, stacked by result (bottom up: succeeded, failed,
    canceled, active), a y axis, time labels, then the failure rate row."""
    if not buckets:
        return [Content("No buckets")]
    peak = max(b.total for b in buckets)
    axis = len(str(peak)) + 1
    column = max(1, (width - axis) // len(buckets))
    bar = max(1, column - 1)
    height = max(2, height)
    stacks = []
    for bucket in buckets:
        counts = [bucket.succeeded, bucket.failed, bucket.canceled, bucket.active]
        cells = 0 if peak == 0 else round(bucket.total / peak * height)
        cells = max(cells, 1) if bucket.total else 0
        shares = split_cells(counts, cells)
        stack = [r for r, n in zip(RESULTS, shares, strict=True) for _ in range(n)]
        stacks.append(stack)
    ticks = {height: str(peak)}
    if height >= 6 and peak >= 4:  # a middle tick too, on the row holding half the peak
        ticks[height // 2] = str(round(peak * (height // 2) / height))
    lines: list[Content] = []
    for row in range(height, 0, -1):
        tick = ticks.get(row, "")
        parts: list[Part] = [(f"{tick:>{axis - 1}}┤" if tick else " " * (axis - 1) + "│", "dim")]
        for stack in stacks:
            cell = stack[row - 1] if len(stack) >= row else None
            text = PATTERNS[cell] * bar if cell else " " * bar
            parts += [(text, styles.get(cell or "", "")), " " * (column - bar)]
        lines.append(Content.assemble(*parts))
    lines.append(Content.assemble((f"{'0':>{axis - 1}}└" + "─" * (column * len(buckets)), "dim")))
    labels = [" "] * (axis + column * len(buckets) + 12)
    every = _label_every(bucket_seconds)
    for index, bucket in enumerate(buckets):
        text = bucket_label(bucket.start, bucket_seconds, zone) if index % every == 0 else ""
        at = axis + index * column
        if text and all(c == " " for c in labels[max(0, at - 1) : at + len(text) + 1]):
            labels[at : at + len(text)] = text
    lines.append(Content.assemble(("".join(labels).rstrip(), "dim")))
    rated = [b.rate for b in buckets if b.rate is not None]
    top = max(rated, default=0.0)
    scale = max(0.1, math.ceil(top * 10) / 10)
    parts = [(f"{'%':>{axis - 1}}┤", "dim")]
    for bucket in buckets:
        share = None if bucket.rate is None else bucket.rate / scale
        parts += [(level(share) * bar, styles.get("failed", "")), " " * (column - bar)]
    lines.append(Content.assemble(*parts))
    lines.append(
        Content.assemble(
            ("% ", "dim"),
            ("failed ÷ (succeeded + failed)", "bold"),
            f": ▁…█ = 0…{scale:.0%}, · = none ended",
        )
    )
    return lines


def bar_rows(
    rows: Sequence[tuple[str, float, str]],
    width: int,
    style: str = "",
    label_width: int = 16,
    peak: float | None = None,
) -> list[Content]:
    """Labelled horizontal bars: (label, value, note) per row, the note after the bar."""
    top = peak if peak is not None else max((value for _l, value, _n in rows), default=0.0)
    notes = max((len(note) for _l, _v, note in rows), default=0)
    room = max(4, width - label_width - notes - 3)
    lines = []
    for label, value, note in rows:
        name = label if len(label) <= label_width else label[: label_width - 1] + "…"
        drawn = hbar(value, top, room)
        lines.append(
            Content.assemble(
                f"{name:<{label_width}} ",
                (f"{drawn:<{room}}", style),
                f" {note:>{notes}}",
            )
        )
    return lines


def two_bars(
    rows: Sequence[tuple[str, float | None, float | None, str]],
    width: int,
    style: str = "",
    label_width: int = 16,
) -> list[Content]:
    """Two values per row on one scale: the first solid (█), the second light (░)
    beyond it (p50 and p95 of a duration), then the note."""
    top = max((high or 0.0 for _l, _low, high, _n in rows), default=0.0)
    notes = max((len(note) for *_rest, note in rows), default=0)
    room = max(4, width - label_width - notes - 3)
    lines = []
    for label, low, high, note in rows:
        name = label if len(label) <= label_width else label[: label_width - 1] + "…"
        solid = round((low or 0) / top * room) if top else 0
        light = round((high or 0) / top * room) if top else 0
        solid = max(solid, 1) if low else 0
        light = max(light, solid)
        lines.append(
            Content.assemble(
                f"{name:<{label_width}} ",
                ("█" * solid, style),
                ("░" * (light - solid), style),
                " " * (room - light),
                f" {note:>{notes}}",
            )
        )
    return lines
