"""``runs`` and ``evidence``: human tables by default, JSON for scripts."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui.api import CreateRunRequest, CrowNestClient
from crownest_tui.commands import exitcodes
from crownest_tui.commands.evidence_cmd import run_evidence
from crownest_tui.commands.runs_cmd import run_runs
from crownest_tui.launch import launch, pack_directory
from crownest_tui.local.process import LocalBackendProcess
from tests.commands.capture import Captured
from tests.commands.support import parse
from tests.launch.support import client_for, run_output, write


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


async def start(api: CrowNestClient, tmp_path: Path, command: str, tag: str) -> str:
    write(tmp_path / "w" / "a.txt")
    request = CreateRunRequest(command=command, metadata={"tag": tag})
    return (await launch(api, request, pack_directory(tmp_path / "w"))).id


async def test_runs_table_and_json(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex
    first = await start(api, tmp_path, "printf '\\033]0;evil\\007'; exit 4", tag)
    second = await start(api, tmp_path, "echo two", tag)
    await run_output(api, first)
    await run_output(api, second)
    captured = Captured(monkeypatch)
    assert await run_runs(parse("runs", "--metadata", f"tag={tag}"), api) == 0
    lines = captured.out.decode().splitlines()
    assert lines[0].split() == ["ID", "STATUS", "EXIT", "CREATED", "(UTC)", "DURATION", "COMMAND"]
    assert [line.split()[:3] for line in lines[1:]] == [
        [second, "succeeded", "0"],
        [first, "failed", "4"],
    ]

    captured = Captured(monkeypatch)
    args = parse(
        "runs", "--metadata", f"tag={tag}", "--json", "--limit", "1", "--status", "terminal"
    )
    assert await run_runs(args, api) == 0
    runs = [json.loads(line) for line in captured.out.decode().splitlines()]
    assert [r["id"] for r in runs] == [second]

    captured = Captured(monkeypatch)
    assert await run_runs(parse("runs", "--metadata", f"tag={tag}", "--status", "active"), api) == 0
    assert captured.out == b"" and b"no runs match" in captured.err


async def test_evidence_human_json_and_not_yet(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex
    done = await start(api, tmp_path, "exit 5", tag)
    await run_output(api, done)
    captured = Captured(monkeypatch)
    assert await run_evidence(parse("evidence", done), api) == 0
    text = captured.out.decode()
    assert "run:" in text and done in text
    assert "exit code:" in text and " 5\n" in text
    assert f"tag={tag}" in text
    assert re.search(r"archive size: +(\d+ B|\d+\.\d KiB \([\d,]+ B\))\n", text), text

    captured = Captured(monkeypatch)
    assert await run_evidence(parse("evidence", done, "--json"), api) == 0
    bundle = json.loads(captured.out)
    assert (bundle["workspaceRunId"], bundle["exitCode"]) == (done, 5)

    running = await start(api, tmp_path, "sleep 30", tag)
    try:
        captured = Captured(monkeypatch)
        assert await run_evidence(parse("evidence", running), api) == exitcodes.NOT_YET
        assert b"its evidence exists once it has ended" in captured.err
    finally:
        await api.cancel_run(running)

    captured = Captured(monkeypatch)
    assert await run_evidence(parse("evidence", "wsr_nothere"), api) == exitcodes.NOT_FOUND
