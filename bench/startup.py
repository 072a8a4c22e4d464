"""Start-up: exec to the first run row painted, beside a minimal Textual app, on a pty.

A local backend with the demo data (37 runs) runs first and is left running. Then, in
turns, on a real pseudo-terminal of 120x40: ``crownest-tui --api-url URL`` (the key in
``CROWNEST_API_KEY``, config dirs empty) until a run id (``wsr_``) is on the screen, and
a minimal Textual app (one ``Static``) until its text is. Each time runs from just
before the fork to the first output holding the marker. Turns alternate so a busy
machine slows both alike.

A third app in the same turns measures the floor of the stack itself: Textual, httpx
and pydantic, one GET of the first page of runs, validated by a three-field model, and
the first id painted (with the dashboard's process set-up: no collection until the
first row, no httpx CLI, no pydantic plugin scan, no CA bundle for a plain-HTTP
origin). Whatever the dashboard spends above it is its own; below it nothing built on
this stack can go.

Prints the three medians and their ratios, and a ``python -X importtime`` top-10 of the
dashboard's imports (after the same process set-up); writes the figures to
``bench/out/startup.json``. Exits 1 when the dashboard takes more than ``GOAL`` times the
minimal app.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from _support import Figures
from _terminal import SIZE, PtyApp, demo_session, entry_point

GOAL = 2.0
TIMEOUT = 30.0
ENTRIES = ("crownest_tui.cli", "crownest_tui.ui.app")  # the CLI imports the app lazily
#: The entries imported after the process set-up ``crownest-tui`` does first.
PROBE = "; ".join(
    [
        "from crownest_tui.__main__ import prepare_process",
        "prepare_process()",
        *(f"import {module}" for module in ENTRIES),
    ]
)
MINIMAL_MARKER = b"minimal app ready"
MINIMAL_APP = f"""
from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("{MINIMAL_MARKER.decode()}")


Minimal().run()
"""
FLOOR_MARKER = b"wsr_"
FLOOR_APP = """
import os, ssl, sys
from crownest_tui.__main__ import prepare_process
from crownest_tui.core.memory import pause_collection

pause_collection()
prepare_process()
import httpx
from pydantic import BaseModel
from textual.app import App, ComposeResult
from textual.widgets import Static


class Run(BaseModel):
    id: str
    status: str
    command: str


class Page(BaseModel):
    data: list[Run]


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="first")

    async def on_mount(self) -> None:
        async with httpx.AsyncClient(
            base_url=sys.argv[1],
            headers={"Authorization": "Bearer " + os.environ["CROWNEST_API_KEY"]},
            verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        ) as client:
            response = await client.get("/v1/workspace-runs", params={"limit": 50})
        page = Page.model_validate_json(response.content)
        self.query_one("#first", Static).update(page.data[0].id)


Floor().run()
"""


def time_to_marker(argv: Sequence[str], env: dict[str, str], marker: bytes) -> tuple[float, float]:
    """Seconds from fork to the first pty output holding ``marker``, and the CPU seconds
    the child had used by then (steadier than wall time on a busy machine); the child
    is killed."""
    started = time.perf_counter()
    app = PtyApp(" ".join(argv), argv, env)
    try:
        app.wait_for(marker, timeout=TIMEOUT)
        return time.perf_counter() - started, app.cpu()
    finally:
        app.close()


def import_top(
    env: dict[str, str], count: int = 10
) -> tuple[dict[str, float], list[tuple[str, float, float]]]:
    """``-X importtime`` of the CLI and the app: each one's ms (cumulative, what it adds
    after those before it) and the slowest imports by their own time."""
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    rows: list[tuple[str, float, float]] = []
    for line in probe.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((name.strip(), int(own) / 1000, int(cumulative) / 1000))
    totals = {name: cumulative for name, _, cumulative in rows if name in ENTRIES}
    return totals, sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def summary(what: str, samples: list[tuple[float, float]]) -> tuple[float, float]:
    """Print a line of wall-time figures (and the median CPU); return both medians."""
    walls = [wall for wall, _ in samples]
    wall, cpu = statistics.median(walls), statistics.median(c for _, c in samples)
    print(
        f"{what}: median {wall * 1000:.0f} ms (min {min(walls) * 1000:.0f}, "
        f"max {max(walls) * 1000:.0f}); CPU used by then, median {cpu * 1000:.0f} ms"
    )
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=15, help="turns of each app (median)")
    args = parser.parse_args()
    with demo_session("crownest-startup-") as session:
        script = session.folder / "minimal.py"
        script.write_text(MINIMAL_APP)
        floor_script = session.folder / "floor.py"
        floor_script.write_text(FLOOR_APP)
        env, dashboard_env = session.env, session.dashboard_env
        dashboard = [*entry_point(), "--api-url", session.backend.url]
        minimal = [sys.executable, str(script)]
        floor = [sys.executable, str(floor_script), session.backend.url]
        time_to_marker(minimal, env, MINIMAL_MARKER)  # warm the caches (.pyc, page cache)
        time_to_marker(floor, dashboard_env, FLOOR_MARKER)
        time_to_marker(dashboard, dashboard_env, b"wsr_")
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        floors: list[tuple[float, float]] = []
        for _ in range(args.runs):
            theirs.append(time_to_marker(minimal, env, MINIMAL_MARKER))
            floors.append(time_to_marker(floor, dashboard_env, FLOOR_MARKER))
            ours.append(time_to_marker(dashboard, dashboard_env, b"wsr_"))
        totals, top = import_top(env)
    ours_wall, ours_cpu = summary("dashboard, exec to the first run row", ours)
    theirs_wall, theirs_cpu = summary("minimal Textual app, exec to first paint", theirs)
    floor_wall, floor_cpu = summary("stack floor (+ httpx, pydantic, one GET), to its row", floors)
    ratio = ours_wall / theirs_wall
    print(f"turns: {args.runs} of each, on a {SIZE[1]}x{SIZE[0]} pty")
    print(f"ratio: {ratio:.2f}x (goal <= {GOAL:g}x); CPU ratio {ours_cpu / theirs_cpu:.2f}x")
    print(
        f"stack floor: {floor_wall / theirs_wall:.2f}x the minimal app; the dashboard "
        f"{ours_wall / floor_wall:.2f}x the floor, {(ours_wall - floor_wall) * 1000:.0f} ms "
        f"above it (CPU {(ours_cpu - floor_cpu) * 1000:.0f} ms)"
    )
    spent = ", ".join(f"{name} {ms:.0f} ms" for name, ms in totals.items())
    print(f"python -X importtime: {spent} (total {sum(totals.values()):.0f} ms); slowest:")
    for name, own, cumulative in top:
        print(f"  {own:7.1f} ms self {cumulative:8.1f} ms cumulative  {name}")
    figures = Figures.of(__file__)
    figures.add("turns of each app", args.runs)
    figures.add("dashboard, exec to the first run row (median)", ours_wall * 1000, "ms")
    figures.add("minimal Textual app, exec to first paint (median)", theirs_wall * 1000, "ms")
    figures.add("dashboard CPU by its first run row (median)", ours_cpu * 1000, "ms")
    figures.add("minimal app CPU by its first paint (median)", theirs_cpu * 1000, "ms")
    figures.add("CPU ratio", ours_cpu / theirs_cpu, "x")
    figures.add("stack floor, exec to its first row (median)", floor_wall * 1000, "ms")
    figures.add("stack floor CPU by its first row (median)", floor_cpu * 1000, "ms")
    figures.add("stack floor to the minimal app", floor_wall / theirs_wall, "x")
    figures.add("dashboard to the stack floor", ours_wall / floor_wall, "x")
    for name, ms in totals.items():
        figures.add(f"import {name} (cumulative)", ms, "ms")
    figures.at_most("ratio to the minimal app", ratio, GOAL, "x")
    return figures.finish()


if __name__ == "__main__":
    sys.exit(main())
