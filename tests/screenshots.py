"""``make screenshots``: the README's SVGs, rendered by the real app on a demo backend.

Usage: ``python -m tests.screenshots OUT_DIR [--only NAME …]``. A local backend
is started with the demo seed, the dashboard is driven headless through Textual's Pilot
the way a person would use it, and each scene is exported as ``OUT_DIR/NAME.svg``.
Nothing is mocked: the runs, logs and evidence are whatever the demo really produced,
so the pictures change a little from one regeneration to the next. The Insights scene
is the exception: the demo's runs all start within a minute, so it shows a backend of
its own holding the known week of ``tests/insights_week.py`` (seeded through the test
hooks), at that week's frozen time.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot

from crownest_tui.api.client import CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import astart_local_backend
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.messages import OpenRun
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.log_view import LogView

SIZE = (140, 34)
THEME = "crownest"
SEED_TIMEOUT = 180.0
STEP_TIMEOUT = 30.0


@dataclass(frozen=True)
class DemoRuns:
    """The demo runs that scenes point at, found by their metadata and command."""

    tests: WorkspaceRun  # live coloured test suite
    stuck: WorkspaceRun  # live, silent: the one to cancel
    build: WorkspaceRun  # live, noisy build
    failed_tests: WorkspaceRun  # finished with failures
    report: WorkspaceRun  # finished, with artifacts
    deploy: WorkspaceRun  # failed in its last CI section
    all: tuple[WorkspaceRun, ...]


async def wait_for_demo(client: CrowNestClient) -> DemoRuns:
    """Wait until the seed has finished its runs and the live ones are running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SEED_TIMEOUT
    while True:
        runs = tuple([run async for run in client.iter_runs()])
        found = _pick(runs)
        if found is not None:
            return found
        if loop.time() > deadline:
            raise TimeoutError("the demo seed did not finish in time")
        await asyncio.sleep(1.0)


def _pick(runs: tuple[WorkspaceRun, ...]) -> DemoRuns | None:
    def first(test: Callable[[WorkspaceRun], bool]) -> WorkspaceRun | None:
        return next((run for run in runs if test(run)), None)

    def kind(name: str) -> Callable[[WorkspaceRun], bool]:
        return lambda run: run.metadata.get("kind") == name and run.status == "running"

    tests, stuck, build = first(kind("tests")), first(kind("stuck")), first(kind("build"))
    failed = first(lambda r: r.status == "failed" and "--fail-every 17" in r.command)
    report = first(lambda r: r.status == "succeeded" and r.command == "python3 report.py")
    deploy = first(lambda r: r.status == "failed" and r.command == "sh ci.sh deploy")
    if tests and stuck and build and failed and report and deploy:
        return DemoRuns(tests, stuck, build, failed, report, deploy, runs)
    return None


async def wait_until(pilot: Pilot[None], what: str, test: Callable[[], bool]) -> None:
    """Let the app run until ``test()`` holds (a scene step), or fail naming it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_TIMEOUT
    while not test():
        if loop.time() > deadline:
            raise TimeoutError(f"screenshot step timed out: {what}")
        await pilot.pause(0.05)


def _list_loaded(app: CrowNestApp) -> bool:
    screen = app.runs_screen
    return screen is not None and screen.table.row_count > 0


def _detail(app: CrowNestApp) -> RunDetailScreen:
    screen = app.screen
    assert isinstance(screen, RunDetailScreen), screen
    return screen


def _log_lines(app: CrowNestApp) -> int:
    screen = app.screen
    if not isinstance(screen, RunDetailScreen):
        return 0
    log = screen.query_one("#log-view", LogView)
    log.flush()
    return log.lines.view_count


Scene = Callable[[Pilot[None], CrowNestApp, DemoRuns], Awaitable[None]]


async def runs_list(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    screen = app.runs_screen
    assert screen is not None
    screen.select_run(demo.tests.id)
    await pilot.press("w")  # watched: ◉
    screen.select_run(demo.build.id)
    await pilot.press("space")  # marked for the split tail: ◆
    screen.select_run(demo.tests.id)
    await pilot.pause(0.3)


async def filters(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    screen = app.runs_screen
    assert screen is not None
    screen.set_filters(RunFilters.build(status="failed"))
    await pilot.press("slash", *"run_tests", "enter")
    await wait_until(pilot, "filtered", lambda: screen.table.row_count < len(demo.all))


async def live_tail(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    app.post_message(OpenRun(demo.tests.id))
    await wait_until(pilot, "live lines", lambda: _log_lines(app) > 40)
    await pilot.pause(1.0)
    _log_lines(app)


async def search(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    app.post_message(OpenRun(demo.failed_tests.id))
    await wait_until(pilot, "log loaded", lambda: _log_lines(app) > 20)
    await pilot.press("slash", *"FAIL", "enter")
    await pilot.pause(0.3)


async def log_filters(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    app.post_message(OpenRun(demo.failed_tests.id))
    await wait_until(pilot, "log loaded", lambda: _log_lines(app) > 20)
    await pilot.press("minus", *"Deprecation", "enter")  # hide the warnings
    await pilot.press("ampersand", *"FAILED", "enter")  # only the failures
    await pilot.press("C", "1", "enter")  # with the line after each
    await pilot.pause(0.5)
    _log_lines(app)


async def sections(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    app.post_message(OpenRun(demo.deploy.id))
    await wait_until(pilot, "log loaded", lambda: _log_lines(app) >= 6)
    await pilot.pause(0.5)
    _log_lines(app)


async def evidence(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    app.post_message(OpenRun(demo.report.id))
    await wait_until(pilot, "detail open", lambda: isinstance(app.screen, RunDetailScreen))
    await pilot.pause(0.5)
    await pilot.press("3")
    await pilot.pause(0.5)


async def cancel_confirmation(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    assert app.runs_screen is not None
    app.runs_screen.select_run(demo.stuck.id)
    await pilot.press("c")
    await pilot.pause(0.3)


def _split_lines(app: CrowNestApp) -> int:
    screen = app.screen
    if not isinstance(screen, SplitTailScreen):
        return 0
    counts = []
    for pane in screen.panes:
        pane.log_view.flush()
        counts.append(pane.log_view.lines.view_count)
    return min(counts, default=0)


async def split_tail(pilot: Pilot[None], app: CrowNestApp, demo: DemoRuns) -> None:
    await wait_until(pilot, "runs listed", lambda: _list_loaded(app))
    screen = app.runs_screen
    assert screen is not None
    for run in (demo.tests, demo.build):
        screen.select_run(run.id)
        await pilot.press("space")
    await pilot.press("t")
    await wait_until(pilot, "both panes fed", lambda: _split_lines(app) > 30)
    await pilot.pause(0.5)
    _split_lines(app)


async def insights() -> str:
    """The Insights screen over the known week (a backend of its own, a frozen clock)."""
    from crownest_tui.api.credentials import Connection, Secret
    from crownest_tui.core.defaults import LOCAL_SOURCE
    from crownest_tui.ui.screens.insights import InsightsScreen
    from tests.insights_week import WEEK_NOW, seed_week

    state = Path(tempfile.mkdtemp(prefix="crownest-shots-week-"))
    try:
        async with await astart_local_backend(state, extra_args=["--test-hooks"]) as backend:
            await asyncio.to_thread(seed_week, backend)
            connection = Connection(
                base_url=backend.url,
                credential=Secret(backend.token),
                base_url_source=LOCAL_SOURCE,  # "local" on the context line, not a port
            )
            client = CrowNestClient(connection=connection)
            app = CrowNestApp(
                client,
                refresh_interval=0,
                theme=THEME,
                clock=lambda: WEEK_NOW,
                insights="7d",
                concurrency=25,
            )
            async with client, app.run_test(size=SIZE) as pilot:

                def ready() -> bool:
                    screen = app.screen
                    return isinstance(screen, InsightsScreen) and screen.updated is not None

                await wait_until(pilot, "insights ready", ready)
                await pilot.pause(0.5)
                return app.export_screenshot(title="crownest-tui: Insights")
    finally:
        shutil.rmtree(state, ignore_errors=True)


#: Scenes that need no demo: each makes its own backend and app.
OWN_SCENES: dict[str, Callable[[], Awaitable[str]]] = {"insights": insights}

SCENES: dict[str, tuple[str, Scene]] = {
    "runs-list": ("Runs list", runs_list),
    "filters": ("Failed runs, quick-filtered", filters),
    "live-tail": ("Live tail", live_tail),
    "search": ("Search in a log", search),
    "log-filters": ("Log filters: only FAILED, one line of context", log_filters),
    "sections": ("CI sections, the failed one open", sections),
    "evidence": ("Evidence Bundle", evidence),
    "cancel-confirmation": ("Cancel confirmation", cancel_confirmation),
    "split-tail": ("Split tail of two live runs", split_tail),
}


async def render(only: Sequence[str] = ()) -> dict[str, str]:
    """Start a demo backend, then render each scene; returns name -> SVG text."""
    wanted = list(only) or [*SCENES, *OWN_SCENES]
    shots = {name: await OWN_SCENES[name]() for name in wanted if name in OWN_SCENES}
    only = [name for name in wanted if name in SCENES]
    if not only:
        return shots
    state = Path(tempfile.mkdtemp(prefix="crownest-shots-"))
    try:
        async with (
            await astart_local_backend(state, seed_demo=True) as backend,
            CrowNestClient(api_key=backend.token, base_url=backend.url) as client,
        ):
            demo = await wait_for_demo(client)
            for name in only:
                title, scene = SCENES[name]
                shots[name] = await shoot(client, demo, title, scene)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return shots


async def shoot(client: CrowNestClient, demo: DemoRuns, title: str, scene: Scene) -> str:
    """One scene, played on a fresh app, as SVG text."""
    app = CrowNestApp(client, refresh_interval=0, theme=THEME)
    async with app.run_test(size=SIZE) as pilot:
        await scene(pilot, app, demo)
        await pilot.pause(0.2)
        return app.export_screenshot(title=f"crownest-tui: {title}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.screenshots")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--only", nargs="*", choices=[*SCENES, *OWN_SCENES], default=[])
    args = parser.parse_args(argv)
    shots = asyncio.run(render(args.only))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, svg in shots.items():
        path = args.out_dir / f"{name}.svg"
        path.write_text(svg, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
