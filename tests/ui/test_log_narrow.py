"""Find and narrow in the log of real runs (local backend): filters that stack, context,
chips and the hidden count, following while filtered, marks, copying, references that
``open --at-seq`` opens, the time column's modes; in the detail screen and a split pane."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient
from crownest_tui.core.chunk import OutputChunk
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.log.filter_chips import FilterChips
from crownest_tui.ui.log.filter_prompt import FilterPrompt
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.log_view import LogView
from tests.local.support import make_archive, open_gate
from tests.ui.log_helpers import LogApp, screen_rows, wait_until
from tests.ui.test_detail import DetailHost, client_of, detail, start_run, stream_ended

from .conftest import RecordingApp, new_suite, settle

LEVELS = ("INFO", "DEBUG", "ERROR", "INFO", "WARN")


def level_of(n: int) -> str:
    return LEVELS[n % len(LEVELS)]


def text_of(n: int) -> str:
    """Line ``n`` as the script writes it."""
    return f"{n} {level_of(n)} step {n}{' timeout' if n % 7 == 0 else ''}"


def log_script(lines: int, gate: str | None = None, more: int = 0) -> str:
    """``n LEVEL step n``; every 7th line says ``timeout``. After ``gate`` appears in
    the workspace, ``more`` lines ``late n ERROR``."""
    body = (
        "import os, sys, time\n"
        f"levels = {LEVELS!r}\n"
        f"for n in range({lines}):\n"
        "    extra = ' timeout' if n % 7 == 0 else ''\n"
        "    sys.stdout.write(f'{n} {levels[n % 5]} step {n}{extra}\\n')\n"
        "sys.stdout.flush()\n"
    )
    if gate:
        body += (
            f"while not os.path.exists({gate!r}): time.sleep(0.02)\n"
            f"for n in range({more}):\n"
            "    sys.stdout.write(f'late {n} ERROR\\n')\n"
            "    sys.stdout.flush()\n"
        )
    return body


def shown(view: LogView) -> list[str]:
    """The text of every line the view shows now (after the gutter)."""
    lines = view.lines
    streams = lines.stream_filter
    view_map = lines.view_map(streams)
    texts = [
        plain_text(view.transcript.line(view_map.select(p)).raw) for p in range(view_map.count())
    ]
    return texts + [plain_text(line.raw) for line in lines.partials_shown(streams)]


async def finished_detail(pilot: Pilot[None], lines: int) -> LogView:
    screen = detail(pilot)
    await wait_until(pilot, lambda: stream_ended(screen))
    view = screen.query_one("#log-view", LogView)
    await wait_until(pilot, lambda: view.transcript.committed == lines)
    return view


@asynccontextmanager
async def finished_log(
    backend: LocalBackendProcess, lines: int
) -> AsyncIterator[tuple[Pilot[None], LogView, str]]:
    """The detail screen of a finished run that printed ``lines`` lines of
    :func:`log_script`: its pilot, log view and run id."""
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": log_script(lines)})
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            yield pilot, await finished_detail(pilot, lines), run_id


async def add_filter(pilot: Pilot[None], key: str, text: str) -> None:
    await pilot.press(key)
    await pilot.pause()
    await pilot.press(*text, "enter")
    await pilot.pause()


def body_rows(view: LogView) -> list[str]:
    """The text on screen after the gutter (marks: the user's, error lines'), rows with any."""
    width = view.lines.prefix_width
    return [body for row in screen_rows(view) if (body := row[width:].strip())]


def chips(view: LogView) -> str:
    return str(view.query_one(FilterChips).render())


async def test_filters_stack_take_context_and_say_what_they_hide(
    backend: LocalBackendProcess,
) -> None:
    async with finished_log(backend, 200) as (pilot, view, _run_id):
        everything = shown(view)
        assert len(everything) == 200

        await add_filter(pilot, "ampersand", "error")  # smart case: ERROR too
        errors = [t for t in everything if "ERROR" in t]
        await wait_until(pilot, lambda: shown(view) == errors)
        assert "& error" in chips(view) and "160 lines hidden" in chips(view)
        rows = body_rows(view)
        assert rows == errors[-len(rows) :]  # still following: the newest in sight

        await add_filter(pilot, "minus", "timeout")
        kept = [t for t in errors if "timeout" not in t]
        await wait_until(pilot, lambda: shown(view) == kept)
        assert "& error" in chips(view) and "- timeout" in chips(view)

        await pilot.press("C")
        await pilot.pause()
        await pilot.press("1", "enter")
        kept_errors = {n for n in range(200) if level_of(n) == "ERROR" and n % 7}
        near_kept = {n + d for n in kept_errors for d in (-1, 0, 1)}
        with_context = [t for n, t in enumerate(everything) if n in near_kept]
        with_context = [t for t in with_context if "timeout" not in t]
        near = {n + d for n in range(200) if level_of(n) == "ERROR" for d in (-1, 0, 1)}
        await wait_until(pilot, lambda: shown(view) == with_context)
        assert "±1" in chips(view)

        await pilot.press("x")  # drops "- timeout"
        await wait_until(pilot, lambda: "- timeout" not in chips(view))
        assert shown(view) == [t for n, t in enumerate(everything) if n in near]
        await pilot.press("X")
        await wait_until(pilot, lambda: shown(view) == everything)
        assert not view.query_one(FilterChips).has_class("-active")


async def test_a_bad_regex_filter_says_why_and_changes_nothing(
    backend: LocalBackendProcess,
) -> None:
    async with finished_log(backend, 20) as (pilot, view, _run_id):
        await add_filter(pilot, "ampersand", "re:(unclosed")
        bar = view.query_one(FilterPrompt)
        assert bar.is_open
        assert "Invalid regular expression" in str(bar.query_one("#log-filter-error").render())
        assert not view._narrow.filters.active and len(shown(view)) == 20
        await pilot.press("escape")
        await pilot.pause()
        assert not bar.is_open


async def test_the_prompts_fill_their_bar_in_the_whole_app(backend: LocalBackendProcess) -> None:
    """In the app, beside the runs list's own filter bar (whose input is 28 cells), the
    log's filter prompt and search bar give their input the rest of the row."""
    from crownest_tui.ui.log.prompt_bar import PromptBar
    from crownest_tui.ui.log.search_bar import SearchBar
    from crownest_tui.ui.messages import OpenRun

    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": log_script(20)})
        app = RecordingApp(client, refresh_interval=0)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            app.post_message(OpenRun(run_id))
            await wait_until(pilot, lambda: bool(app.screen.query("#log-view")))
            view = await finished_detail(pilot, 20)
            view.lines.focus()
            bars: list[tuple[str, type[PromptBar]]] = [("C", FilterPrompt), ("slash", SearchBar)]
            for key, bar_type in bars:
                await pilot.press(key)
                await pilot.pause()
                bar = view.query_one(bar_type)
                assert bar.is_open
                field = bar.input
                await wait_until(pilot, lambda: field.region.width > 0)  # noqa: B023 (awaited here)
                assert field.region.width > bar.region.width * 0.8, bar_type
                await pilot.press("escape")
                await pilot.pause()


async def test_following_goes_on_while_filtered(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        script = log_script(500, gate="gate", more=30)
        run_id = await start_run(client, "python3 gen.py", {"gen.py": script})
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            screen = detail(pilot)
            view = screen.query_one("#log-view", LogView)
            await wait_until(pilot, lambda: view.transcript.committed == 500)
            await add_filter(pilot, "ampersand", "ERROR")
            await wait_until(pilot, lambda: len(shown(view)) == 100)
            assert view.follow
            open_gate(backend, run_id)
            await wait_until(pilot, lambda: stream_ended(screen))
            await wait_until(pilot, lambda: len(shown(view)) == 130)
            assert view.follow
            await pilot.pause(0.1)
            rows = body_rows(view)
            assert rows[-1] == "late 29 ERROR"


async def test_marks_copy_and_a_reference_that_opens_at_its_line(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "python3 gen.py", {"gen.py": log_script(300)})
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            view = await finished_detail(pilot, 300)
            await pilot.press("slash", *"step 120", "enter")
            await wait_until(pilot, lambda: view.lines.current_match == 120)
            await pilot.press("escape")  # closes the search; line 120 stays current
            await pilot.pause()
            view.lines.current_match = 120  # (escape clears the search's current match)
            await pilot.press("m")
            view.lines.current_match = None
            await pilot.press("g")  # to the top
            await pilot.pause()
            view.cursor = 10
            await pilot.press("m")
            assert view.marks.lines == [10, 120]
            await pilot.press("apostrophe")  # the next mark after line 10
            await pilot.pause()
            assert view.cursor == 120 and view.current_line() == 120
            row = next(r for r in screen_rows(view) if "step 120" in r)
            assert row.startswith(" •")
            await pilot.press("quotation_mark")
            await pilot.pause()
            assert view.cursor == 10

            await pilot.press("y")  # the marked range, as shown
            await pilot.pause()
            expected = "\n".join(text_of(n) for n in range(10, 121))
            assert pilot.app.clipboard == expected
            await pilot.press("m")  # unmark 10; one mark left
            await pilot.press("Y")
            await pilot.pause()
            reference = pilot.app.clipboard
            seq = view.transcript.line(10).seq
            assert seq is not None and reference == f"{run_id}:{seq}"
            line_seq = view.transcript.line(200).seq
            assert line_seq is not None

        async with DetailHost(client, run_id, at_seq=line_seq).run_test(size=(100, 30)) as pilot:
            view = await finished_detail(pilot, 300)
            await wait_until(pilot, lambda: view.cursor is not None)
            cursor = view.cursor
            assert cursor is not None and cursor <= 200
            assert view.transcript.line(cursor).seq == line_seq
            assert not view.follow
            assert any(row.startswith(" \u203a") for row in screen_rows(view))


async def test_t_cycles_event_time_since_the_start_delta_and_off(
    backend: LocalBackendProcess,
) -> None:
    script = "echo one; sleep 1.2; echo two; echo three"
    async with client_of(backend) as client:
        run_id = await start_run(client, script)
        async with DetailHost(client, run_id).run_test(size=(100, 30)) as pilot:
            view = await finished_detail(pilot, 3)

            def prefixes() -> list[str]:
                return [row[2:15] for row in screen_rows(view)[:3]]

            assert view.time_mode == "off" and screen_rows(view)[0].startswith("  one")
            await pilot.press("t")
            await pilot.pause()
            assert str(view.time_mode) == "clock" and all(p[2] == ":" for p in prefixes())
            await pilot.press("t")
            await pilot.pause()
            since = prefixes()
            assert str(view.time_mode) == "since" and since[0].strip() == "+0.000s"
            assert float(since[1].strip()[1:-1]) >= 1.0
            await pilot.press("t")
            await pilot.pause()
            delta = prefixes()
            assert str(view.time_mode) == "delta" and float(delta[1].strip()[1:-1]) >= 1.0
            assert float(delta[2].strip()[1:-1]) < 1.0
            slow_style = view.lines.render_line(1).crop(2, 14)
            assert any(s.style == view.lines._styles().marker for s in slow_style)
            await pilot.press("t")
            await pilot.pause()
            assert str(view.time_mode) == "off" and not view.show_times


async def test_each_split_pane_filters_on_its_own(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    async with client_of(backend) as client:
        ids = []
        for _ in range(2):
            run = await client.create_run(command="python3 gen.py", metadata={"suite": suite})
            await client.upload_archive(run.id, make_archive({"gen.py": log_script(50)}))
            ids.append((await client.start_run(run.id)).id)
        app = split_app(client, suite)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await pilot.press("space", "down", "space", "t")
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = app.screen
            assert isinstance(screen, SplitTailScreen)
            first, second = (pane.log_view for pane in screen.panes)
            await wait_until(
                pilot, lambda: first.transcript.committed == second.transcript.committed == 50
            )
            await add_filter(pilot, "ampersand", "WARN")
            await wait_until(pilot, lambda: len(shown(first)) == 10)
            assert len(shown(second)) == 50 and "& WARN" in chips(first)


def split_app(client: CrowNestClient, suite: str, **options: Any) -> RecordingApp:
    from crownest_tui.core.filters import RunFilters

    filters = RunFilters.build(metadata={"suite": suite})
    return RecordingApp(client, refresh_interval=0, filters=filters, **options)


async def test_a_long_filter_scan_keeps_keys_working_and_ends_with_its_view() -> None:
    """300k lines: the first results show at once, the rest come from the thread;
    removing the view mid-scan leaves the app running."""
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.log_view
        text = "".join(f"{n} {level_of(n)} step {n}\n" for n in range(300_000))
        view.transcript.append([OutputChunk("stdout", text, 1)])
        view.flush()
        await pilot.pause()
        await add_filter(pilot, "ampersand", "WARN")
        assert view._narrow.index is not None and view._narrow.index.scanned > 0
        await pilot.press("w")  # keys work while the thread scans
        assert view.wrap
        await wait_until(pilot, lambda: len(shown(view)) == 60_000)
        assert "240,000 lines hidden" in chips(view)
        await pilot.press("X", "ampersand", *"DEBUG", "enter")
        await view.remove()
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None


async def test_a_slash_typed_into_a_filter_stays_in_it() -> None:
    """``/`` opens the search everywhere else, but ``& src/`` filters on a path."""
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.log_view
        view.transcript.append([OutputChunk("stdout", "src/a.c ok\nlib/src.c ok\nsrc/b.c\n", 1)])
        view.flush()
        await pilot.pause()
        await add_filter(pilot, "ampersand", "src/")
        assert not view.search_bar.is_open
        assert shown(view) == ["src/a.c ok", "src/b.c"]
