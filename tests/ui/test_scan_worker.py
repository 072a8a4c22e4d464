"""The scan worker process (:mod:`crownest_tui.ui.log.scan_worker`): it gives the flags
the app computes in-process, the log view uses it for long searches and filters (and
the thread where it cannot run), and no worker outlives its scan, its view or its app."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crownest_tui.core.chunk import OutputChunk
from crownest_tui.ui.log import scan_process, scan_split
from crownest_tui.ui.log.filters import FilterSet, LineFilter
from crownest_tui.ui.log.scan_job import Flags, ScanJob
from crownest_tui.ui.log.scan_process import WorkerScan, live_workers
from crownest_tui.ui.log.scan_split import SplitScan
from crownest_tui.ui.log.search import MatchIndex, parse_query
from crownest_tui.ui.log.transcript import Transcript
from crownest_tui.ui.widgets.log_view import LogView
from tests.ui.log_helpers import LogApp, wait_until
from tests.ui.test_log_narrow import add_filter

PIECES = ["abc", "ABC", "\t", "x", "1f", "\x1b[31m", "\x1b[0m", "é", "ok ", "dead", "\r", "\x1f"]
JOBS = [
    ScanJob(any_of=(parse_query("abc").pattern,)),
    ScanJob(any_of=(parse_query("re:^x", False).pattern,)),
    ScanJob((parse_query("dead").pattern, parse_query("re:[a-f]+ ").pattern)),
    ScanJob((parse_query("ok").pattern,), (parse_query("é").pattern, parse_query("1f").pattern)),
]


@pytest.fixture(autouse=True)
def started(monkeypatch: pytest.MonkeyPatch) -> list[WorkerScan]:
    """The workers started in the test. Each test starts with workers allowed (a
    failure turns them off for the process)."""
    monkeypatch.setattr(WorkerScan, "available", True)
    found: list[WorkerScan] = []
    start = WorkerScan.start.__func__  # type: ignore[attr-defined]

    def recording(cls: type[WorkerScan], *args: Any) -> WorkerScan | None:
        scan: WorkerScan | None = start(cls, *args)
        if scan is not None:
            found.append(scan)
        return scan

    monkeypatch.setattr(WorkerScan, "start", classmethod(recording))
    return found


@pytest.fixture
def transcript() -> Iterator[Transcript]:
    rng = random.Random(11)
    made = Transcript()
    chunks = []
    for n in range(4000):
        pieces = rng.choices(PIECES, k=rng.randint(0, 6))
        if n % 997 == 0:
            pieces.append("long " * 400)  # a record longer than the worker's chunk
        chunks.append(OutputChunk("stdout", f"{n} {''.join(pieces)}\n", n))
    made.append(chunks)
    yield made
    made.close()


def gone(pid: int) -> bool:
    """The process has ended (exited, or a zombie waiting for its new parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def all_gone(pids: list[int], within: float = 20) -> bool:
    """Whether these processes all end within ``within`` seconds."""
    deadline = time.monotonic() + within
    while not all(map(gone, pids)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def worker_flags(
    spool_of: Transcript, first: int, job: ScanJob, split: bool = False
) -> tuple[Flags, Flags]:
    """Run a real worker (or workers, ``split``) from line ``first``; the flags, joined,
    once it has ended."""
    every: list[bytes] = []
    some: list[bytes] = []
    at = first
    ended = asyncio.get_running_loop().create_future()

    def take(line: int, count: int, all_of: Flags, any_of: Flags) -> None:
        nonlocal at
        assert line == at  # in order, nothing missing
        at += count
        every.extend([all_of] if all_of is not None else [])
        some.extend([any_of] if any_of is not None else [])

    starter = SplitScan.start if split else WorkerScan.start
    scan = starter(spool_of.spool, first, job, take, ended.set_result)
    assert scan is not None
    assert await asyncio.wait_for(ended, 30) is True
    assert at == spool_of.committed
    for _ in range(500):  # its answer given, it exits; it is reaped soon after
        if not live_workers():
            break
        await asyncio.sleep(0.02)
    return (b"".join(every) if job.all_of else None), (b"".join(some) if job.any_of else None)


@pytest.mark.parametrize("chunk", [300, 1 << 18])
@pytest.mark.parametrize("first", [0, 1, 64, 2999])
def test_the_worker_gives_the_flags_the_app_computes(
    transcript: Transcript, first: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every job, from any line (inside a spool block or at its start), in chunks that
    cut records anywhere (a record longer than a chunk among them)."""
    monkeypatch.setattr(scan_process, "WORKER_CHUNK_BYTES", chunk)
    spool = transcript.spool
    data = spool.read_blocks(0, spool.block_count())
    skip = sum(len(record) + 1 for record in data.split(b"\n")[:first])
    lines = transcript.committed - first
    for job in JOBS:
        expected = job.flags(data[skip:], lines)
        assert asyncio.run(worker_flags(transcript, first, job)) == expected, job
    assert not live_workers()


@pytest.mark.parametrize("first", [0, 70])
def test_workers_sharing_a_scan_answer_in_line_order(
    transcript: Transcript, first: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_split, "PART_LINES", 1000)  # so two workers share 4000 lines
    monkeypatch.setattr(scan_process, "WORKER_CHUNK_BYTES", 2000)  # answers in many pieces
    monkeypatch.setattr(scan_split, "DRAIN_ANSWERS", 2)
    assert scan_split.parts(transcript.committed - first) == 2
    spool = transcript.spool
    data = spool.read_blocks(0, spool.block_count())
    skip = sum(len(record) + 1 for record in data.split(b"\n")[:first])
    for job in JOBS:
        expected = job.flags(data[skip:], transcript.committed - first)
        assert asyncio.run(worker_flags(transcript, first, job, split=True)) == expected, job
    assert not live_workers()


def test_a_stopped_worker_is_killed_and_reaped(transcript: Transcript) -> None:
    async def start_and_stop() -> int:
        scan = WorkerScan.start(transcript.spool, 0, JOBS[0], lambda *_: None, lambda _ok: None)
        assert scan is not None
        pid = scan._process.pid
        scan.stop()
        assert not scan.running
        for _ in range(200):
            if not live_workers():
                break
            await asyncio.sleep(0.02)
        return pid

    pid = asyncio.run(start_and_stop())
    assert not live_workers() and gone(pid)


def test_a_worker_ends_when_its_app_dies(tmp_path: Path) -> None:
    """The app killed outright (no exit hooks): the worker's next write fails and it ends."""
    script = textwrap.dedent(
        """
        import asyncio, os, signal, sys
        from crownest_tui.core.chunk import OutputChunk
        from crownest_tui.ui.log.scan_job import ScanJob
        from crownest_tui.ui.log.scan_process import WorkerScan
        from crownest_tui.ui.log.search import parse_query
        from crownest_tui.ui.log.transcript import Transcript

        async def main():
            transcript = Transcript()
            text = "".join(f"{n} some output line\\n" for n in range(2_000_000))
            transcript.append([OutputChunk("stdout", text, 1)])
            job = ScanJob(any_of=(parse_query("line").pattern,))
            scan = WorkerScan.start(transcript.spool, 0, job, lambda *_: None, print)
            scan._loop.remove_reader(scan._out)  # read nothing: the worker fills the pipe
            print(scan._process.pid, flush=True)
            await asyncio.sleep(0.3)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    app = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert all_gone([int(app.stdout.split()[0])])


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no SCHED_IDLE here (nice instead)")
def test_a_worker_runs_only_on_time_the_app_does_not_want() -> None:
    """SCHED_IDLE, so keys and repaints win a core over the scan at once (Linux)."""
    transcript = Transcript()
    text = "".join(f"{n} some output line\n" for n in range(400_000))
    transcript.append([OutputChunk("stdout", text, 1)])

    async def scheduler_of_a_running_worker() -> int:
        job = ScanJob(any_of=(parse_query("line").pattern,))
        scan = WorkerScan.start(transcript.spool, 0, job, lambda *_: None, lambda _ok: None)
        assert scan is not None
        scan._loop.remove_reader(scan._out)  # read nothing: it waits on the full pipe
        pid = scan._process.pid
        try:
            for _ in range(250):  # it lowers itself once it has read its request
                policy = os.sched_getscheduler(pid)
                if policy == os.SCHED_IDLE:
                    break
                await asyncio.sleep(0.02)
            return policy
        finally:
            scan.stop()

    try:
        assert asyncio.run(scheduler_of_a_running_worker()) == os.SCHED_IDLE
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # (the app's own is untouched)
    finally:
        transcript.close()


def test_the_worker_loads_no_textual() -> None:
    """It starts as the app starts it (isolated, our package first), without Textual."""
    command = scan_process._command()
    boot = command[3].split("from crownest_tui")[0]
    check = boot + "import crownest_tui.ui.log.scan_worker; print('textual' in sys.modules)"
    found = subprocess.run(
        [*command[:3], check, command[4]], capture_output=True, text=True, timeout=60, check=True
    )
    assert found.stdout.strip() == "False"


def test_a_search_index_takes_what_continues_it_from_an_overlapping_answer() -> None:
    index = MatchIndex(parse_query("x"))
    index.record(0, 100, [5, 50])
    index.record(50, 200, [50, 99, 100, 150])  # a worker's answer overlapping a seek's
    assert list(index.lines) == [5, 50, 100, 150] and index.scanned == 200
    index.record(300, 400, [310])  # a gap: refused
    assert index.scanned == 200


LONG = 400_000


def long_log(view: LogView, lines: int = LONG, start: int = 0) -> None:
    text = "".join(
        f"{n} {'WARN' if n % 5 == 3 else 'INFO'} step {n}\n" for n in range(start, lines)
    )
    view.transcript.append([OutputChunk("stdout", text, start + 1)])


def warn_filter() -> FilterSet:
    return FilterSet((LineFilter("include", parse_query("warn")),))


def filter_long_log(view: LogView, lines: int = LONG, context: int = 0) -> None:
    """A long log in the view, then ``& warn`` (with ``context``) in force."""
    long_log(view, lines)
    view.flush()
    view._narrow.set_filters(warn_filter().with_context(context))


async def test_a_long_filter_and_search_run_in_workers_and_find_all(
    started: list[WorkerScan],
) -> None:
    """``&`` and ``/`` typed as a user would; the first results come at once, the rest
    from a worker each."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        long_log(view)
        view.flush()
        await pilot.pause()
        await add_filter(pilot, "ampersand", "warn")
        await pilot.press("slash", *"re:step \\d*7$", "enter")
        await wait_until(pilot, lambda: len(started) >= 2, explain=lambda: f"{started}")
        await pilot.press("w")  # keys work meanwhile
        assert view.wrap
        await wait_until(pilot, lambda: not view._narrow.scanning and not view._search.indexing)
        assert view.lines.view_count == LONG // 5
        matches = view._search.matches
        assert matches is not None and len(matches.lines) == LONG // 10  # of all lines
        assert list(matches.lines[:3]) == [7, 17, 27]
        await wait_until(pilot, lambda: not live_workers())


async def test_following_while_a_worker_filters_takes_every_new_line(
    started: list[WorkerScan],
) -> None:
    """Lines that arrive during the worker's scan are scanned after it, none twice."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view)
        assert len(started) == 1
        for start in range(LONG, LONG + 100_000, 10_000):
            long_log(view, start + 10_000, start)
            view.flush()
            await pilot.pause(0.01)
        index = view._narrow.index
        assert index is not None

        def state() -> str:
            scan = view._narrow._scan
            return f"{index.scanned} of {view.transcript.committed}, running {scan.running}"

        await wait_until(pilot, lambda: not view._narrow.scanning, explain=state)
        assert view.lines.view_count == (LONG + 100_000) // 5
        assert "400,000 lines hidden" in str(view._narrow.chips.render())


async def test_removing_the_view_kills_its_workers(started: list[WorkerScan]) -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view, 1_000_000)
        view._search.set_query("step", False)
        view._search.set_query("step", False)  # enter
        view._search.on_frame()  # as the next frame would
        pids = [scan._process.pid for scan in started]
        assert len(pids) == 2
        await view.remove()
        await wait_until(pilot, lambda: not live_workers())
        assert all(gone(pid) for pid in pids)
        assert app.is_running


async def test_a_filter_shared_by_two_workers_keeps_what_one_keeps(
    monkeypatch: pytest.MonkeyPatch, started: list[WorkerScan]
) -> None:
    """With context, so lines kept around a match may sit either side of the split."""
    monkeypatch.setattr(scan_split, "PART_LINES", 100_000)
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view, context=1)
        assert len(started) == 2
        await wait_until(pilot, lambda: not view._narrow.scanning)
        assert view.lines.view_count == 3 * LONG // 5  # each WARN line and its neighbours
        await wait_until(pilot, lambda: not live_workers())


async def test_quitting_mid_scan_leaves_no_worker(started: list[WorkerScan]) -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view, 1_000_000)
        assert started and view._narrow.scanning
        await pilot.press("ctrl+q")
    assert all_gone([scan._process.pid for scan in started])


async def test_a_query_being_typed_is_indexed_in_the_app_until_enter(
    started: list[WorkerScan],
) -> None:
    """Not a worker started and killed at each key: the next frame's after ``enter``."""
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        long_log(view)
        view.flush()
        search = view._search
        for typed in ("s", "st", "ste"):
            search.set_query(typed, False)
            search.on_frame()
        assert not started and search.indexing
        search.set_query("ste", False)  # enter
        search.on_frame()
        assert len(started) == 1
        await wait_until(pilot, lambda: not search.indexing)
        assert search.matches is not None and len(search.matches.lines) == LONG


async def test_where_no_worker_starts_the_thread_scans(
    monkeypatch: pytest.MonkeyPatch, started: list[WorkerScan]
) -> None:
    monkeypatch.setattr(WorkerScan, "available", False)
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view)
        assert not started and view._narrow._scan.running
        await wait_until(pilot, lambda: not view._narrow.scanning)
        assert view.lines.view_count == LONG // 5


async def test_a_worker_that_fails_hands_over_to_the_thread(
    monkeypatch: pytest.MonkeyPatch, started: list[WorkerScan]
) -> None:
    """A worker that dies before its answer is whole: the thread goes on from there."""
    stub = "import sys, os; sys.stdin.buffer.read(); os._exit(3)"
    monkeypatch.setattr(scan_process, "_command", lambda: [sys.executable, "-c", stub])
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.log_view
        filter_long_log(view)
        assert len(started) == 1
        await wait_until(pilot, lambda: not view._narrow.scanning)
        assert view.lines.view_count == LONG // 5
        assert not WorkerScan.available  # no more tries in this app
        assert not live_workers()
