"""CI sections in the log, on real runs of the local backend: folding, the outline,
annotations, the running section and the section a run failed in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.log.outline import SectionOutline
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.log_view import LogView
from tests.local.support import open_gate
from tests.ui.conftest import RecordingApp
from tests.ui.log_helpers import LogApp, screen_rows, wait_until
from tests.ui.palette import run_command
from tests.ui.test_detail import DetailHost, client_of, detail, start_run, stream_ended
from tests.ui.test_split_tail import ended

PRELUDE = """
import os, sys, time
E = "\\x1b"
def out(text, stream=sys.stdout):
    stream.write(text + "\\n")
    stream.flush()
    time.sleep(0.01)
def gitlab(kind, name, header=""):
    out(f"{E}[0Ksection_{kind}:{int(time.time())}:{name}\\r{E}[0K{header}")
"""

SECTIONS = (
    PRELUDE
    + """
out("setting up")
out("::group::Install")
out("pip install a")
out("::group::Wheels")
out("built a.whl")
out("::endgroup::")
out("::endgroup::")
gitlab("start", "build[collapsed=true]", "Build")
out("make all")
out("cc -o app")
gitlab("end", "build")
gitlab("start", "deploy", f"{E}[36;1mDeploy{E}[0;m")
out("uploading")
gitlab("end", "deploy")
out("--- Lint")
out("ruff ok")
out("~~~ Cache")
out("restored 3 files")
out("+++ Tests")
out("::error file=app.py,line=3,title=Type error::bad%0Athing")
out("::warning::slow test")
out("::group::Coverage")
out("91%")
"""
)

FOLDED_AFTER_THE_RUN = [
    "setting up",
    "▸ Install  4 lines",
    "▸ Build  2 lines",
    "▾ Deploy  1 line",
    "uploading",
    "▸ Lint  1 line",
    "▸ Cache  1 line",
    "▾ Tests  4 lines",
    "error  app.py:3 Type error: bad ↵ thing",
    "warning  slow test",
    "▸ Coverage  1 line",
]

MARKERS = re.compile(r"::group|::endgroup|section_(start|end)|::error|::warning")


def rows(view: LogView) -> list[str]:
    """The log's rows, durations left out (they depend on the machine's speed)."""
    shown = [re.sub(r" · [0-9.]+s\b", "", row).strip(" ▌✗➤") for row in screen_rows(view)]
    return [row for row in shown if row and "f to " not in row]  # not the badge


async def ended_detail(pilot: Pilot[None]) -> LogView:
    screen = detail(pilot)
    await wait_until(pilot, lambda: stream_ended(screen))
    await wait_until(pilot, lambda: screen.state.run is not None and screen.state.run.is_terminal)
    view = screen.query_one("#log-view", LogView)
    view.flush()
    await pilot.pause()
    return view


@asynccontextmanager
async def ended_run(
    backend: LocalBackendProcess, script: str
) -> AsyncIterator[tuple[DetailHost, Pilot[None], LogView]]:
    """The detail screen of a real run of ``script``, once it has ended."""
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": script})
        app = DetailHost(client, run_id)
        async with app.run_test(size=(100, 45)) as pilot:
            yield app, pilot, await ended_detail(pilot)


async def test_sections_of_three_dialects_fold_and_the_outline_jumps(
    backend: LocalBackendProcess,
) -> None:
    async with ended_run(backend, SECTIONS) as (app, pilot, view):
        assert rows(view) == FOLDED_AFTER_THE_RUN
        assert not any(MARKERS.search(row) for row in screen_rows(view))

        await pilot.press("g", "z")  # the top line is in no section: the first header
        view.flush()
        assert rows(view)[:5] == [
            "setting up",
            "▾ Install  4 lines",
            "pip install a",
            "▸ Wheels  1 line",
            "▸ Build  2 lines",
        ]
        await pilot.press("Z")  # one is open: fold them all
        view.flush()
        assert [row[0] for row in rows(view)] == ["s", *"▸▸▸▸▸▸"]
        await pilot.press("Z")  # all folded: open them all
        view.flush()
        opened = rows(view)
        assert "built a.whl" in opened and "91%" in opened and "restored 3 files" in opened
        assert not any(MARKERS.search(row) for row in screen_rows(view))
        assert len(opened) == 19  # 23 lines, less 4 end markers

        await pilot.press("Z", "O")
        await wait_until(pilot, lambda: isinstance(app.screen, SectionOutline))
        await pilot.press(*"cov", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SectionOutline))
        view.flush()
        await pilot.pause()
        assert rows(view) == [  # it and the section around it are open
            "setting up",
            "▸ Install  4 lines",
            "▸ Build  2 lines",
            "▸ Deploy  1 line",
            "▸ Lint  1 line",
            "▸ Cache  1 line",
            "▾ Tests  4 lines",
            "error  app.py:3 Type error: bad ↵ thing",
            "warning  slow test",
            "▾ Coverage  1 line",
            "91%",
        ]


async def test_clicking_a_header_folds_it(backend: LocalBackendProcess) -> None:
    async with ended_run(backend, SECTIONS) as (_app, pilot, view):
        row = rows(view).index("▾ Deploy  1 line")
        await pilot.click(view.lines, offset=(4, row))
        view.flush()
        assert rows(view)[row : row + 2] == ["▸ Deploy  1 line", "▸ Lint  1 line"]


GATED = (
    PRELUDE
    + """
out("::group::Long step")
out("working")
while not os.path.exists("gate"):
    time.sleep(0.02)
out("done")
out("::endgroup::")
out("after")
"""
)


async def test_the_running_section_is_open_and_folds_when_it_ends(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": GATED})
        app = DetailHost(client, run_id)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = detail(pilot)
            view = screen.query_one("#log-view", LogView)

            def shown() -> list[str]:
                view.flush()
                return rows(view)

            await wait_until(pilot, lambda: "working" in shown())
            assert shown() == ["▾ Long step  1 line · running", "working"]
            open_gate(backend, run_id)
            await ended_detail(pilot)
            assert shown() == ["▸ Long step  2 lines", "after"]


FAILING = (
    PRELUDE
    + """
out("::group::Install")
out("ok")
out("::endgroup::")
out("::group::Test")
out("test_a passed")
out("FAILED test_b", sys.stderr)
sys.exit(1)
"""
)

GITLAB_FAILING = (
    PRELUDE
    + """
gitlab("start", "prepare", "Prepare")
out("pulled")
gitlab("end", "prepare")
gitlab("start", "step_script", "Run tests")
out("FAILED test_c", sys.stderr)
time.sleep(0.3)  # stdout and stderr are two pipes: let it arrive before the end marker
gitlab("end", "step_script")
gitlab("start", "cleanup[collapsed=true]", "Cleaning up")
out("removed files")
gitlab("end", "cleanup")
sys.exit(1)
"""
)


async def test_the_section_a_run_failed_in_is_open(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        github = await start_run(client, "python3 gen.py", {"gen.py": FAILING})
        gitlab = await start_run(client, "python3 gen.py", {"gen.py": GITLAB_FAILING})
        async with DetailHost(client, github).run_test(size=(100, 30)) as pilot:
            view = await ended_detail(pilot)
            shown = ["▸ Install  1 line", "▾ Test  2 lines", "test_a passed", "FAILED test_b"]
            assert rows(view) == shown
        async with DetailHost(client, gitlab).run_test(size=(100, 30)) as pilot:
            view = await ended_detail(pilot)
            assert rows(view) == [
                "▾ Prepare  1 line",
                "pulled",
                "▾ Run tests  1 line",  # the last stderr line is in here
                "FAILED test_c",
                "▾ Cleaning up  1 line",  # and the last line in here
                "removed files",
            ]


async def test_each_split_pane_folds_its_own_sections(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        ids = [
            await start_run(client, "python3 gen.py", {"gen.py": FAILING}),
            await start_run(client, "python3 gen.py", {"gen.py": SECTIONS}),
        ]
        app = RecordingApp(client, refresh_interval=0)
        async with app.run_test(size=(200, 40)) as pilot:
            app.push_screen(SplitTailScreen(client, ids))
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = app.screen
            assert isinstance(screen, SplitTailScreen)
            await wait_until(pilot, lambda: len(screen.panes) == 2)
            panes = screen.panes
            await wait_until(pilot, lambda: all(ended(p) and p.run is not None for p in panes))
            await wait_until(pilot, lambda: all(p.run and p.run.is_terminal for p in panes))
            failing, sections = (pane.log_view for pane in panes)
            for view in (failing, sections):
                view.flush()
            await pilot.pause()
            assert rows(failing)[:2] == ["▸ Install  1 line", "▾ Test  2 lines"]
            assert rows(sections) == FOLDED_AFTER_THE_RUN
            await pilot.press("Z")  # the focused pane only
            failing.flush()
            sections.flush()
            assert [row[0] for row in rows(failing)] == ["▸", "▸"]
            assert rows(sections) == FOLDED_AFTER_THE_RUN


async def test_the_keys_are_in_help_and_the_palette(backend: LocalBackendProcess) -> None:
    async with ended_run(backend, SECTIONS) as (app, pilot, view):
        entries = {e.binding_id: e for s in help_sections(app.screen) for e in s.entries}
        assert (entries["log.fold"].key, entries["log.fold_all"].key) == ("z", "Z")
        assert entries["log.outline"].key == "O"
        assert "section" in entries["log.outline"].description
        await run_command(pilot, "fold every", "Fold every section, or open them all")
        view.flush()
        assert [row[0] for row in rows(view)] == ["s", *"▸▸▸▸▸▸"]
        await run_command(pilot, "outline", "Outline: list the sections and jump to one")
        await wait_until(pilot, lambda: isinstance(app.screen, SectionOutline))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SectionOutline))


async def test_a_search_opens_the_sections_that_hide_its_match(
    backend: LocalBackendProcess,
) -> None:
    async with ended_run(backend, SECTIONS) as (_app, pilot, view):
        assert "built a.whl" not in rows(view)
        await pilot.press("slash", *"whl", "enter")
        view.flush()
        await pilot.pause()
        shown = rows(view)
        assert shown[shown.index("▾ Install  4 lines") :][:4] == [
            "▾ Install  4 lines",
            "pip install a",
            "▾ Wheels  1 line",
            "built a.whl",
        ]


async def test_the_run_ending_folds_its_sections_before_the_next_paint() -> None:
    """The running group folds when the run ends; the rows painted right after (before
    the next frame) are the folded ones, never lines the view no longer has."""
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.log_view
        view.set_run_state(active=True, failed=False)
        text = "::group::Build\n" + "".join(f"step {n}\n" for n in range(8))
        view.append([OutputChunk("stdout", text, 1)])
        view.flush()
        assert [row.strip() for row in screen_rows(view)][:2] == [
            "▾ Build  8 lines · running",
            "step 0",
        ]
        view.set_run_state(active=False, failed=False)
        rows = [row.strip() for row in screen_rows(view)]  # no frame in between
        assert rows[0].startswith("▸ Build") and "step 0" not in rows
        await pilot.pause()


async def test_lines_a_filter_keeps_inside_a_folded_section_stay_in_sight() -> None:
    """A folded section whose header a filter (or ``o``) leaves out is shown open: the
    lines the filter keeps never vanish behind a header that is not there to unfold."""
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.log_view
        group = "::group::Build\n" + "".join(f"step {n}\n" for n in range(8))
        view.append([OutputChunk("stdout", group, 1)])
        view.append([OutputChunk("stderr", "warning: step 5 slow\n", 2)])
        view.append([OutputChunk("stdout", "::endgroup::\nafter\n", 3)])
        view.set_run_state(active=False, failed=False)
        view.flush()
        assert [row.strip() for row in screen_rows(view)][:2] == ["▸ Build  9 lines", "after"]
        view.lines.focus()
        await pilot.press("ampersand", *"step 3", "enter")
        await wait_until(pilot, lambda: "step 3" in [r.strip() for r in screen_rows(view)])
        await pilot.press("X")
        await wait_until(pilot, lambda: screen_rows(view)[0].strip().startswith("▸ Build"))
        await pilot.press("o")  # stdout only: the header is there, the section folded
        view.flush()
        assert screen_rows(view)[0].strip().startswith("▸ Build")
        await pilot.press("o")  # stderr only: no header, so the stderr line is shown
        view.flush()
        assert any("warning: step 5 slow" in row for row in screen_rows(view))
