"""One table of every bench figure, from the ``bench/out/*.json`` the scripts wrote.

``make bench`` runs it last, naming the scripts it ran: a script that wrote no
figures (it failed before the end) gets a row saying so. Exits 1 when a goal was
missed or a script wrote nothing.

    .venv/bin/python bench/_report.py [bench/NAME.py ...]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _support import OUT_DIR  # bench/ is the script's directory

HEADINGS = ("bench", "figure", "value", "goal", "")


def shown(value: object, unit: str) -> str:
    """``value`` rounded for a reader: 457,000 / 43.2 / 0.113; ``yes``/``no``."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        size = abs(value)
        text = f"{value:,.0f}" if size >= 100 else f"{value:.2f}" if size >= 1 else f"{value:.3f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def rows_of(bench: str, document: dict[str, Any] | None) -> list[tuple[str, ...]]:
    if document is None:
        return [(bench, "no figures written (the script failed before its end)", "", "", "FAIL")]
    rows: list[tuple[str, ...]] = []
    for figure in document["figures"]:
        met = figure["met"]
        verdict = "" if met is None else "ok" if met else "MISSED"
        goal = figure["goal"]
        if goal and goal != "yes":  # a limit, in the figure's unit
            goal = f"{goal} {figure['unit']}"
        value = shown(figure["value"], figure["unit"])
        rows.append((bench, figure["name"], value, goal.strip(), verdict))
    return rows


def load(bench: str) -> dict[str, Any] | None:
    path = OUT_DIR / f"{bench}.json"
    if not path.exists():
        return None
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def main(argv: Sequence[str]) -> int:
    benches = [Path(arg).stem for arg in argv] or sorted(p.stem for p in OUT_DIR.glob("*.json"))
    rows = [row for bench in benches for row in rows_of(bench, load(bench))]
    widths = [max(len(row[i]) for row in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    for row in [HEADINGS, tuple("-" * width for width in widths), *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    failed = sorted({row[0] for row in rows if row[4] in ("MISSED", "FAIL")})
    goals = sum(row[4] in ("ok", "MISSED") for row in rows)
    print(
        f"\n{len(benches)} scripts, {goals} goals: " + (f"FAILED {failed}" if failed else "all met")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
