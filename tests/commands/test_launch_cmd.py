"""``launch`` end to end: folder and git metadata in, run id out (or a clear error)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui.api import CrowNestClient
from crownest_tui.commands import exitcodes
from crownest_tui.commands.launch_cmd import run_launch
from crownest_tui.local.process import LocalBackendProcess
from tests.commands.capture import Captured
from tests.commands.support import launch_args
from tests.launch.support import client_for, git, init_repo, run_output, write


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


async def test_launch_prints_the_run_id_and_sends_every_field(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write(repo / "app.py", "print('from app')\n")
    init_repo(repo)
    git(repo, "remote", "add", "origin", "https://user:s3cret@git.example/o/r.git")
    tag = uuid.uuid4().hex
    captured = Captured(monkeypatch)
    run_id = await run_launch(
        launch_args(
            str(repo),
            "--metadata",
            f"tag={tag}",
            "--source-metadata",
            "ticket=CN-7",
            "--timeout",
            "1m30s",
            "--artifact",
            "out.txt",
            "--keep-sandbox",
            "--no-tail",
            "--",
            "python3 app.py > out.txt && cat out.txt",
        ),
        api,
    )
    assert captured.out.decode() == f"{run_id}\n"
    assert f"started {run_id}" in captured.err.decode()
    out, _, run = await run_output(api, run_id)
    assert (out, run.status) == ("from app\n", "succeeded")
    assert run.metadata == {"tag": tag}
    assert run.source_metadata == {
        "repo": "https://git.example/o/r.git",
        "branch": "main",
        "commit": git(repo, "rev-parse", "HEAD").strip(),
        "dirty": "false",
        "ticket": "CN-7",
    }
    assert (run.timeout_ms, run.keep_sandbox, run.template_slug) == (90_000, True, "python-node")
    assert len(run.artifact_ids) == 1


async def test_without_no_tail_the_id_is_returned_not_printed(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "f" / "a.txt")
    captured = Captured(monkeypatch)
    run_id = await run_launch(launch_args(str(tmp_path / "f"), "--", "true"), api)
    assert run_id.startswith("wsr_") and captured.out == b""


@pytest.mark.parametrize(
    ("words", "status", "message"),
    [
        (["{tmp}/missing", "--", "true"], exitcodes.NOT_FOUND, "is not a folder"),
        (["{tmp}"], exitcodes.USAGE, "no command"),
        (["{tmp}", "--metadata", "bad key!=1", "--", "true"], exitcodes.REFUSED, "[invalid_"),
    ],
)
async def test_launch_errors(
    api: CrowNestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    words: list[str],
    status: int,
    message: str,
) -> None:
    captured = Captured(monkeypatch)
    with pytest.raises(exitcodes.CommandFailed) as failed:
        await run_launch(launch_args(*(w.format(tmp=tmp_path) for w in words)), api)
    assert failed.value.status == status
    errors = [line for line in captured.err.decode().splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0], captured.err
