"""``logs``: byte-exact output through a faulty network, exit statuses, tty safety."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui.api import Backoff, CreateRunRequest, CrowNestClient, StreamOptions
from crownest_tui.commands import exitcodes
from crownest_tui.commands.logs_cmd import run_logs
from crownest_tui.launch import launch, pack_directory
from crownest_tui.local.process import LocalBackendProcess
from tests.commands.capture import Captured
from tests.commands.support import parse
from tests.faultproxy import FaultPlan, FaultProxy
from tests.launch.support import client_for, run_output, write

EMIT = r"""
import sys, time
out, err = sys.stdout.buffer, sys.stderr.buffer
for i in range(120):
    out.write(("line %03d héllo wörld ✓ " % i).encode() + b"x" * (i % 50) + b"\n")
    if i % 10 == 0:
        err.write(b"warn %d: \x1b[31mred\x1b[0m \x1b]0;evil title\x07 tab\there\n" % i)
    if i % 30 == 0:
        out.write(b"progress 50%\rprogress 100%\r\n")
    if i % 10 == 0:
        out.flush(); err.flush()
        time.sleep(0.04)
out.write(b"no newline at the end \xe2\x9c\x93")
sys.exit(3)
"""


def expected_output() -> tuple[bytes, bytes]:
    out: list[bytes] = []
    err: list[bytes] = []
    for i in range(120):
        out.append(f"line {i:03d} héllo wörld ✓ ".encode() + b"x" * (i % 50) + b"\n")
        if i % 10 == 0:
            err.append(b"warn %d: \x1b[31mred\x1b[0m \x1b]0;evil title\x07 tab\there\n" % i)
        if i % 30 == 0:
            out.append(b"progress 50%\rprogress 100%\r\n")
    out.append("no newline at the end ✓".encode())
    return b"".join(out), b"".join(err)


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


async def start_emitter(api: CrowNestClient, tmp_path: Path) -> str:
    write(tmp_path / "emit" / "emit.py", EMIT)
    archive = pack_directory(tmp_path / "emit")
    run = await launch(api, CreateRunRequest(command="python3 emit.py"), archive)
    return run.id


async def test_follow_through_a_faulty_network_is_byte_exact(
    backend: LocalBackendProcess,
    api: CrowNestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = await start_emitter(api, tmp_path)
    captured = Captured(monkeypatch)
    plan = FaultPlan(cut=0.6, cut_bytes=(0, 700), canned={"http_503": 0.15, "html_502": 0.05})
    options = StreamOptions(stall_timeout=2.0, backoff=Backoff(base=0.01, cap=0.05, first=0.0))
    async with (
        FaultProxy(int(backend.url.rsplit(":", 1)[1]), plan, seed=11) as proxy,
        CrowNestClient(
            backend.token, proxy.url, backoff=Backoff(0.01, 0.05), stream_options=options
        ) as flaky,
    ):

        async def weather() -> None:
            while True:  # a new connection draws a new fault; keep-alive would dodge them
                await asyncio.sleep(0.07)
                proxy.drop_connections()

        storm = asyncio.create_task(weather())
        try:
            status = await run_logs(parse("logs", run_id, "--follow"), flaky)
        finally:
            storm.cancel()
        assert proxy.faults["cut"] >= 2 and proxy.faults["pass"] >= 2, proxy.faults
    want_out, want_err = expected_output()
    assert captured.out == want_out
    assert captured.err == want_err
    assert status == 3


async def test_without_follow_prints_what_exists_and_exits_zero(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = await start_emitter(api, tmp_path)
    await run_output(api, run_id)
    captured = Captured(monkeypatch)
    assert await run_logs(parse("logs", run_id), api) == exitcodes.OK
    assert (captured.out, captured.err) == expected_output()


async def test_json_timestamps_and_after_seq(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "t" / "t.sh", "")
    run = await launch(
        api,
        CreateRunRequest(command="printf 'a\\nb'; printf 'c\\n'; echo e >&2"),
        pack_directory(tmp_path / "t"),
    )
    await run_output(api, run.id)
    captured = Captured(monkeypatch)
    assert await run_logs(parse("logs", run.id, "--json"), api) == 0
    events = [json.loads(line) for line in captured.out.decode().splitlines()]
    assert events[-1]["type"] == "terminal"
    assert "".join(e["data"] for e in events if e["type"] == "stdout") == "a\nbc\n"
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)

    captured = Captured(monkeypatch)
    assert await run_logs(parse("logs", run.id, "--timestamps"), api) == 0
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*Z "
    assert re.fullmatch(f"{stamp}a\n{stamp}bc\n", captured.out.decode()), captured.out
    assert re.fullmatch(f"{stamp}e\n", captured.err.decode())

    captured = Captured(monkeypatch)
    last = events[-1]["seq"]
    assert await run_logs(parse("logs", run.id, "--after-seq", str(last)), api) == 0
    assert (captured.out, captured.err) == (b"", b"")


async def test_on_a_terminal_only_colours_survive(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = await start_emitter(api, tmp_path)
    captured = Captured(monkeypatch, tty=True)
    assert await run_logs(parse("logs", run_id, "--follow"), api) == 3
    assert b"\x1b[31mred\x1b[0m" in captured.err
    assert b"\x1b]" not in captured.err and b"\x07" not in captured.err
    assert b"progress 50%\rprogress 100%\r\n" in captured.out
    assert captured.out.endswith("no newline at the end ✓".encode())


@pytest.mark.parametrize(
    ("token", "run_id", "status", "code"),
    [
        (None, "wsr_doesnotexist", exitcodes.NOT_FOUND, "not_found"),
        ("cn_local_wrong", "wsr_doesnotexist", exitcodes.NOT_ALLOWED, "invalid_api_key"),
    ],
)
async def test_errors_are_one_line_with_a_distinct_status(
    backend: LocalBackendProcess,
    monkeypatch: pytest.MonkeyPatch,
    token: str | None,
    run_id: str,
    status: int,
    code: str,
) -> None:
    captured = Captured(monkeypatch)
    async with CrowNestClient(token or backend.token, backend.url) as client:
        assert await run_logs(parse("logs", run_id, "--follow"), client) == status
    lines = captured.err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"crownest-tui: error: logs of {run_id}: ")
    assert lines[0].endswith(f"[{code}]") or code in lines[0]
    assert captured.out == b""


async def test_unreachable_server(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured(monkeypatch)
    async with CrowNestClient("cn_local_x", "http://127.0.0.1:9", max_attempts=1) as client:
        status = await run_logs(parse("logs", "wsr_abc"), client)
    assert status == exitcodes.UNAVAILABLE
    assert captured.err.decode().count("\n") == 1
