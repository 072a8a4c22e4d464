"""What the dashboard's first screen does without: modules it does not need are not
imported, and no TLS context is made for an ``http://`` API, until the first run row is
painted (bench/startup.py measures the time; this checks the behaviour behind it).

Each check runs in a fresh interpreter: this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterable

from textual.geometry import Region
from textual.strip import Strip

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.widgets.runs_table import AFTER_PAINT_DELAY

from .conftest import runs_screen, settle, suite_app, suite_runs

#: Loaded when first used, never by the runs list's first paint.
NOT_AT_START = (
    "crownest_tui.api.events",  # the event models: the first stream
    "crownest_tui.api.stream",
    "crownest_tui.launch",  # packing and git: the new-run form, a rerun
    "pathspec",
    "crownest_tui.commands",  # the script-friendly subcommands
    "crownest_tui.core.insights",  # the Insights screen
    "crownest_tui.local.process",  # --demo / --local only
    "crownest_tui.local.service_state",
    "crownest_tui.local.server",
    "crownest_tui.serve",  # browser mode
    "tomlkit",  # writing settings (a theme picked in the palette)
    "crownest_tui.ui.screens.detail",
    "crownest_tui.ui.screens.rerunning",
    "crownest_tui.ui.screens.confirm_cancel",
)

FIRST_ROW = """
import asyncio, json, ssl, sys

loaded_ca = []
ssl.SSLContext.load_verify_locations = lambda self, *a, **k: loaded_ca.append(a)
sys.modules.setdefault("httpx._main", None)  # as crownest_tui.__main__ does

from crownest_tui import cli  # the command line's imports too
from crownest_tui.api.client import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.ui.app import CrowNestApp


async def main() -> None:
    client = CrowNestClient({token!r}, {url!r})
    app = CrowNestApp(client, filters=RunFilters.build(metadata={metadata!r}), refresh_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(2000):
            await pilot.pause(0.01)
            screen = app.runs_screen
            if screen is not None and screen.table.shown_ids:
                break
        else:
            raise SystemExit("no run row")
        print(json.dumps({{"modules": sorted(sys.modules), "ca": len(loaded_ca)}}))
    await client.aclose()


asyncio.run(main())
"""


def test_the_first_run_row_needs_neither_later_modules_nor_tls(
    backend: LocalBackendProcess,
) -> None:
    filters = suite_runs(backend, 2)
    code = FIRST_ROW.format(token=backend.token, url=backend.url, metadata=dict(filters.metadata))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    modules: list[str] = seen["modules"]
    assert "crownest_tui.ui.screens.runs" in modules  # it did start the list
    early = [m for m in modules if m.startswith(NOT_AT_START)]
    assert early == []
    assert seen["ca"] == 0, "a CA bundle was loaded for an http:// API"


def test_an_https_origin_still_gets_a_verifying_tls_pool(backend: LocalBackendProcess) -> None:
    """The lazy TLS pool is made for the first https:// request, and does TLS: the
    plain-HTTP backend cannot answer it (a request in clear text would succeed)."""
    port = backend.url.rsplit(":", 1)[1]
    code = f"""
import asyncio, ssl
from crownest_tui.api.client import CrowNestClient
from crownest_tui.api.errors import CrowNestError

loaded = []
original = ssl.SSLContext.load_verify_locations
def counted(self, *args, **kwargs):
    loaded.append(args or kwargs)
    return original(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counted

async def main() -> None:
    client = CrowNestClient({backend.token!r}, "https://127.0.0.1:{port}", max_attempts=1)
    assert not loaded
    try:
        await client.list_runs(limit=1)
    except CrowNestError as error:
        print("refused:", error.code, "ca:", len(loaded))
    else:
        print("answered in clear text")
    await client.aclose()

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.strip()
    assert out.startswith("refused: connection_error"), out
    assert out.endswith("ca: 1"), out  # certifi's bundle, loaded for that request


async def test_the_first_collection_waits_until_the_first_rows_are_out(
    backend: LocalBackendProcess,
) -> None:
    """The start-up's full collection (tens of ms holding the GIL) runs a while after
    the table paints its first rows, so the writer thread can put them on the terminal
    first; it used to run in the loop's next turn, with the frame still unwritten."""
    app = suite_app(backend, 3)
    events: list[tuple[str, float]] = []
    async with app.run_test(size=(120, 30)) as pilot:
        table = runs_screen(app).table
        render_lines = table.render_lines

        def recording(crop: Region) -> list[Strip]:
            if table.shown_ids and not any(name == "painted" for name, _ in events):
                events.append(("painted", time.perf_counter()))
            return render_lines(crop)

        table.render_lines = recording  # type: ignore[method-assign]
        after_load = app.frozen_heap.after_load

        def collecting(run_ids: Iterable[str]) -> bool:
            events.append(("collected", time.perf_counter()))
            return after_load(run_ids)

        app.frozen_heap.after_load = collecting  # type: ignore[method-assign]
        await settle(pilot)
        await pilot.pause(AFTER_PAINT_DELAY * 2)
    names = [name for name, _ in events]
    assert names[:2] == ["painted", "collected"], names
    assert events[1][1] - events[0][1] >= AFTER_PAINT_DELAY * 0.9
