"""Why did it fail, on real local runs: the failure summary, the error lines found as
output arrives, the detail screen opening at the first one, and the list's Why column.

The runs: a real pytest failure (pytest itself is shipped in the archive: the
sandbox's Python has none), a Python traceback, a compile error as rustc prints it, a
timeout, an exit 137 (SIGKILL) and a failure without any error marker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import RunStatus
from crownest_tui.core.failure_summary import FailureSummary
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.failure_summary import FailureSummaryView
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.run_header import RunHeader
from crownest_tui.ui.widgets.runs_table import RunsTable
from tests.local.support import make_archive
from tests.ui.log_helpers import screen_text, wait_until
from tests.ui.test_detail import DetailHost, client_of, detail, stream_ended

from .conftest import RecordingApp, new_suite, settle
from .palette import run_command

FAILURE_TIP = "Failure summary: every fact and error line, or one row"
NEXT_ERROR_TIP = "Next error line (tracebacks, failed tests, compiler errors…)"

TEST_FILE = """\
def test_ok():
    assert 1 + 1 == 2


def test_totals():
    totals = {"apples": 3, "pears": 5}
    assert totals == {"apples": 3, "pears": 4}


def test_parse():
    raise ValueError("bad input: 'x'")
"""
RUSTC = r"""
import sys
print("   Compiling demo v0.1.0 (/workspace)")
err = sys.stderr
err.write("error[E0308]: mismatched types\n")
err.write(" --> src/main.rs:2:18\n  |\n2 |     let n: u32 = \"seven\";\n")
err.write("  |            ---   ^^^^^^^ expected `u32`, found `&str`\n\n")
err.write("error: could not compile `demo` (bin \"demo\") due to 1 previous error\n")
sys.exit(101)
"""


def vendored_pytest() -> Iterator[tuple[str, bytes]]:
    """pytest and what it imports (with their metadata), as members under ``vendor/``."""
    for name in ("pytest", "pluggy", "iniconfig", "packaging"):
        dist = metadata.distribution(name)
        for file in dist.files or ():
            path = Path(str(dist.locate_file(file)))
            if ".." not in file.parts and "__pycache__" not in file.parts and path.is_file():
                yield f"vendor/{file.as_posix()}", path.read_bytes()


async def start(
    client: CrowNestClient, command: str, files: dict[str, str | bytes], **fields: object
) -> str:
    run = await client.create_run(command=command, **fields)  # type: ignore[arg-type]
    await client.upload_archive(run.id, make_archive(files))
    return (await client.start_run(run.id)).id


async def wait_for_end(client: CrowNestClient, run_id: str) -> None:
    for _ in range(600):
        run = await client.get_run(run_id)
        if run.is_terminal:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{run_id} never ended")


def summary_of(screen: RunDetailScreen) -> FailureSummary | None:
    return screen.query_one(FailureSummaryView).summary


def line_text(view: LogView, number: int) -> str:
    return plain_text(view.transcript.line(number).raw)


async def open_ended(pilot: Pilot[None]) -> tuple[RunDetailScreen, LogView]:
    """The detail screen once the stream has ended and the summary has caught up."""
    screen = detail(pilot)
    await wait_until(pilot, lambda: stream_ended(screen), within=60)
    view = screen.query_one("#log-view", LogView)
    view.flush()
    screen._triage.output_arrived()
    screen._triage.refresh()
    await pilot.pause()
    return screen, view


async def test_a_pytest_failure_opens_at_its_first_error_line(
    backend: LocalBackendProcess,
) -> None:
    files: dict[str, str | bytes] = dict(vendored_pytest())
    files["test_demo.py"] = TEST_FILE
    command = "PYTHONPATH=vendor python3 -m pytest -p no:cacheprovider --color=yes test_demo.py"
    async with client_of(backend) as client:
        run_id = await start(client, command, files)
        await wait_for_end(client, run_id)
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen, view = await open_ended(pilot)
            run = screen.state.run
            assert run is not None and run.status == RunStatus.FAILED and run.exit_code == 1
            index = view.error_lines
            assert index is not None
            marked = [line_text(view, n) for n in index.lines()]
            assert any(text.startswith("E       AssertionError: assert {") for text in marked), (
                marked
            )
            assert any(text.startswith("E       ValueError: bad input") for text in marked)
            assert any("short test summary info" in text for text in marked)
            failed = [text for text in marked if text.startswith("FAILED ")]
            assert [t.split()[1] for t in failed] == [
                "test_demo.py::test_totals",
                "test_demo.py::test_parse",
            ]
            assert not any("passed" in t and "failed" not in t for t in marked)
            # Opened where the first error is, and it is on screen, marked.
            assert view.lines.current_error == index.first() and not view.follow
            assert any("➤E       AssertionError: assert" in row for row in screen_text(pilot.app))
            summary = summary_of(screen)
            assert summary is not None
            assert summary.facts[0] == "exit 1: general error"
            assert summary.error_count == len(index) >= 5
            assert f"{len(index)} error lines (e / E)" in summary.folded()
            # The log keeps two thirds of 80x24; the summary took the border's row.
            header = screen.query_one(RunHeader)
            assert view.lines.size.height >= 16 and header.has_class("-failed")
            rows = screen_text(pilot.app)
            assert rows[header.region.y + 2].startswith(" ✗ exit 1: general error · ")
            # e goes on through the E lines to the summary and wraps; E goes back.
            first = index.first()
            await pilot.press("e")
            assert view.lines.current_error == index.after(first or 0)
            await pilot.press("E")
            assert view.lines.current_error == first


async def test_a_traceback_and_F_for_every_fact(backend: LocalBackendProcess) -> None:
    script = "import json\nfor n in range(300):\n    print(f'loading part {n}')\njson.loads('{')\n"
    async with client_of(backend) as client:
        run_id = await start(client, "python3 load.py", {"load.py": script})
        await wait_for_end(client, run_id)  # opened failed: at its first error line
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen, view = await open_ended(pilot)
            index = view.error_lines
            assert index is not None and len(index) >= 2
            lines = [line_text(view, n) for n in index.lines()]
            assert lines[0] == "Traceback (most recent call last):"
            assert lines[-1].startswith("json.decoder.JSONDecodeError: Expecting property name")
            await pilot.press("F")
            await pilot.pause()
            await pilot.pause()
            text = "\n".join(screen_text(pilot.app))
            # The log got shorter; the error line it was on stays in sight.
            assert view.lines.current_error == index.first() == 300
            assert any(
                "➤Traceback (most recent call last):" in row for row in screen_text(pilot.app)
            )
            assert "Why it failed" in text and "exit 1: general error" in text
            assert "Last stderr lines" in text and "JSONDecodeError" in text
            assert f"Error lines ({len(index)})" in text
            assert "Traceback (most recent call last):" in text
            assert screen.query_one(FailureSummaryView).expanded
            await pilot.press("F")
            await pilot.pause()
            assert view.lines.size.height >= 16
            # Help lists the keys by id; the palette runs them by what they do.
            entries = {e.binding_id: e for s in help_sections(screen) for e in s.entries}
            assert entries["log.next_error"].key == "e"
            assert entries["log.previous_error"].key == "E"
            assert entries["detail.failure"].key == "F" and entries["detail.failure"].enabled
            await run_command(pilot, "failure summary", FAILURE_TIP)
            assert screen.query_one(FailureSummaryView).expanded
            await run_command(pilot, "next error", NEXT_ERROR_TIP)
            await pilot.pause()
            assert view.lines.current_error == index.after(index.first() or 0)


async def test_a_compile_error_as_rustc_prints_it(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start(client, "python3 build.py", {"build.py": RUSTC})
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            screen, view = await open_ended(pilot)
            index = view.error_lines
            assert index is not None
            assert [line_text(view, n) for n in index.lines()] == [
                "error[E0308]: mismatched types",
                'error: could not compile `demo` (bin "demo") due to 1 previous error',
            ]
            assert view.lines.current_error == index.first()
            summary = summary_of(screen)
            assert summary is not None
            assert summary.facts[0] == "exit 101: the command's own failure code"
            assert summary.stderr_tail[-1].startswith("error: could not compile")


async def test_a_timeout_says_so_first(backend: LocalBackendProcess) -> None:
    script = "import time\nprint('waiting for the lock', flush=True)\ntime.sleep(60)\n"
    async with client_of(backend) as client:
        run_id = await start(client, "python3 wait.py", {"wait.py": script}, timeout_ms=1500)
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen, _view = await open_ended(pilot)
            summary = summary_of(screen)
            assert summary is not None
            assert summary.facts[0] == "timeout: stopped after 1.5s"
            assert summary.facts[1].startswith(("exit 137: killed", "exit 143: terminated"))
            assert "1.5s timeout" in summary.facts[-1]
            rows = screen_text(pilot.app)
            assert any(row.startswith(" ✗ timeout: stopped after 1.5s") for row in rows)


async def test_exit_137_and_a_failure_without_markers(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        killed = await start(client, "echo allocating; kill -9 $$", {"README": "x\n"})
        quiet = await start(client, "echo one; echo two; exit 2", {"README": "x\n"})
        async with DetailHost(client, killed).run_test(size=(80, 24)) as pilot:
            screen, view = await open_ended(pilot)
            summary = summary_of(screen)
            assert summary is not None
            assert summary.facts[0] == "exit 137: killed (SIGKILL; often out of memory)"
            assert "no error lines found" in summary.folded()
        async with DetailHost(client, quiet).run_test(size=(80, 24)) as pilot:
            screen, view = await open_ended(pilot)
            summary = summary_of(screen)
            assert summary is not None and summary.error_count == 0
            assert summary.facts[0] == "exit 2: misuse or usage error"
            assert view.follow and view.lines.current_error is None  # the end is in sight
            await pilot.press("e")
            assert view.lines.current_error is None
            assert ("Errors", "No error lines in this log (yet).") in pilot.app.notes  # type: ignore[attr-defined]


async def test_a_succeeded_run_has_no_summary_and_x_does_nothing(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start(client, "echo 'Error: only a word'; exit 0", {"README": "x\n"})
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen, view = await open_ended(pilot)
            assert summary_of(screen) is None
            assert not screen.query_one(FailureSummaryView).display
            assert view.error_lines is not None and len(view.error_lines) == 1
            assert view.follow  # marked, but a run that succeeded opens at its end
            await pilot.press("F")
            assert not screen.query_one(FailureSummaryView).expanded


async def test_the_list_says_why_and_warns_near_the_timeout(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    meta = {"suite": suite}
    async with client_of(backend) as client:
        failed = await start(client, "exit 1", {"README": "x\n"}, metadata=meta)
        timed = await start(client, "sleep 30", {"README": "x\n"}, metadata=meta, timeout_ms=1000)
        running = await start(
            client, "sleep 60", {"README": "x\n"}, metadata=meta, timeout_ms=60_000
        )
        for run_id in (failed, timed):
            await wait_for_end(client, run_id)
        shift = timedelta(seconds=50)  # the clock runs 50 s ahead: past 80% of 60 s
        app = RecordingApp(
            client,
            refresh_interval=0,
            filters=RunFilters.build(metadata=meta),
            clock=lambda: datetime.now(UTC) + shift,
        )
        try:
            async with app.run_test(size=(200, 30)) as pilot:
                await settle(pilot)
                table = app.screen.query_one(RunsTable)
                await wait_until(pilot, lambda: table.row_count == 3)
                table.tick(app.clock())
                await pilot.pause()
                rows = {
                    run_id: table.render_line(1 + (table.row_of(run_id) or 0))
                    for run_id in (failed, timed, running)
                }
                texts = {run_id: strip.text for run_id, strip in rows.items()}
                assert "exit 1" in texts[failed]
                assert "timeout 1s" in texts[timed]
                assert "/ 1m" in texts[running]
                warning = table.get_component_rich_style("runs-table--why-warning", partial=True)
                cell = next(seg for seg in rows[running] if "/ 1m" in seg.text)
                assert cell.style is not None and cell.style.color == warning.color
        finally:
            await client.cancel_run(running)
