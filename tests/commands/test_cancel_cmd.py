"""``crownest-tui cancel``: by id or by status, asks unless --yes, documented exit statuses.

Through ``cli.run`` (real HTTP on 127.0.0.1 against the local backend) with real runs.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
from pathlib import Path

import pytest

from crownest_tui.api import CreateRunRequest, CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.cli import run
from crownest_tui.commands import exitcodes
from crownest_tui.commands.cancel_cmd import run_cancel
from crownest_tui.launch import launch, pack_directory
from crownest_tui.local.process import LocalBackendProcess
from tests.commands.capture import Captured
from tests.commands.support import parse
from tests.launch.support import client_for, write

MISSING = "wsr_" + "0" * 26


def _start(backend: LocalBackendProcess, folder: Path, tag: str, command: str) -> str:
    """Launch a real run and wait until it runs."""

    async def go() -> str:
        write(folder / "a.txt")
        async with client_for(backend) as client:
            request = CreateRunRequest(command=command, metadata={"tag": tag})
            run_id = (await launch(client, request, pack_directory(folder))).id
            await _until(client, run_id, lambda r: r.status == "running")
            return run_id

    return asyncio.run(go())


async def _until(client: CrowNestClient, run_id: str, done: object, within: float = 30) -> None:
    assert callable(done)
    deadline = time.monotonic() + within
    while not done(await client.get_run(run_id)):
        assert time.monotonic() < deadline, f"{run_id} did not get there"
        await asyncio.sleep(0.05)


def _status(backend: LocalBackendProcess, run_id: str) -> str:
    async def get() -> WorkspaceRun:
        async with client_for(backend) as client:
            return await client.get_run(run_id)

    return str(asyncio.run(get()).status)


def _wait_status(backend: LocalBackendProcess, run_id: str, status: str) -> None:
    async def wait() -> None:
        async with client_for(backend) as client:
            await _until(client, run_id, lambda r: r.status == status)

    asyncio.run(wait())


def test_cancel_by_status_older_than_and_by_id_with_exit_statuses(
    backend: LocalBackendProcess,
    tmp_path: Path,
    cli_api: list[str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    tag = uuid.uuid4().hex
    api = cli_api
    select = ["--status", "running", "--metadata", f"tag={tag}"]
    old = _start(backend, tmp_path / "old", tag, "sleep 120")
    time.sleep(5)
    young = _start(backend, tmp_path / "young", tag, "sleep 120")

    # At once, while the young run has run for well under 4 s: only the old one.
    assert run(["cancel", *select, "--older-than", "4s", "--yes", "--json", *api]) == 0
    captured = capfd.readouterr()
    results = [json.loads(line) for line in captured.out.splitlines()]
    assert [(r["id"], r["result"], r["error"]) for r in results] == [(old, "canceled", None)]
    assert old in captured.err and young not in captured.err  # the list it would cancel
    _wait_status(backend, old, "canceled")
    assert _status(backend, young) == "running"

    # No one to ask (stdin is not a terminal here): bad usage, nothing canceled.
    assert run(["cancel", *select, *api]) == exitcodes.USAGE
    assert "pass --yes" in capfd.readouterr().err
    assert _status(backend, young) == "running"

    assert run(["cancel", *select, "--older-than", "1h", "--yes", *api]) == exitcodes.OK
    assert "nothing to cancel" in capfd.readouterr().err

    # By id: the ended one is named and skipped, the other canceled: 0.
    assert run(["cancel", young, old, "--yes", *api]) == exitcodes.OK
    out = capfd.readouterr().out
    assert f"{young} " in out and "canceled" in out
    assert f"{old} had already ended (canceled): skipped" in out
    _wait_status(backend, young, "canceled")

    # Not found only: 66; not found beside a canceled run: 1 (some failed).
    assert run(["cancel", MISSING, "--yes", *api]) == exitcodes.NOT_FOUND
    capfd.readouterr()
    third = _start(backend, tmp_path / "third", tag, "sleep 120")
    assert run(["cancel", MISSING, third, "--yes", *api]) == exitcodes.RUN_FAILED
    out = capfd.readouterr().out
    assert MISSING in out and f"{third} canceled" in out

    # Bad usage before any request.
    assert run(["cancel", third, *select, "--yes", *api]) == exitcodes.USAGE
    assert run(["cancel", "--older-than", "soon", "--status", "running", *api]) == 2
    capfd.readouterr()


def test_cancel_without_the_scope_is_not_allowed(
    backend: LocalBackendProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    token = f"cn_local_reader_{uuid.uuid4().hex}"
    keys = {"keys": [{"name": "reader", "token": token, "scopes": ["workspace_run:read"]}]}
    (backend.state_dir / "keys.json").write_text(json.dumps(keys))
    run_id = _start(backend, tmp_path / "w", uuid.uuid4().hex, "sleep 120")
    monkeypatch.setenv("CROWNEST_API_KEY", token)
    assert run(["cancel", run_id, "--yes", "--api-url", backend.url]) == exitcodes.NOT_ALLOWED
    assert "workspace_run:cancel" in capfd.readouterr().out
    assert _status(backend, run_id) == "running"
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    assert run(["cancel", run_id, "--yes", "--api-url", backend.url]) == exitcodes.OK


class _Keyboard(io.StringIO):
    """Someone at a terminal who will type ``answer``."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "status"), [("n\n", 1), ("y\n", 0)])
async def test_cancel_asks_at_a_terminal(
    backend: LocalBackendProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    status: int,
) -> None:
    tag = uuid.uuid4().hex
    write(tmp_path / "w" / "a.txt")
    async with client_for(backend) as client:
        request = CreateRunRequest(command="sleep 120", metadata={"tag": tag})
        run_id = (await launch(client, request, pack_directory(tmp_path / "w"))).id
        await _until(client, run_id, lambda r: r.status == "running")
        captured = Captured(monkeypatch)
        monkeypatch.setattr("sys.stdin", _Keyboard(answer))
        args = parse("cancel", "--status", "active", "--metadata", f"tag={tag}")
        assert await run_cancel(args, client) == status
        assert "Cancel 1 run? [y/N]" in captured.err.decode()
        assert run_id in captured.err.decode()
        if answer == "n\n":
            assert (await client.get_run(run_id)).status == "running"
            assert b"nothing canceled" in captured.err
            await client.cancel_run(run_id)
        else:
            assert f"{run_id} " in captured.out.decode()
            await _until(client, run_id, lambda r: r.status == "canceled")
