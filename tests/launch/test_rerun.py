"""Run it again: from the folder a run was launched from (changed or not), from the
archive the local backend kept, or a clear "not available here" (real HTTP, real runs)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.cli import run
from crownest_tui.commands import exitcodes
from crownest_tui.launch.remembered import recall, remember
from crownest_tui.local.process import LocalBackendProcess
from tests.launch.support import client_for, run_output, write
from tests.local.support import make_archive
from tests.ui.conftest import hook


def _finished(backend: LocalBackendProcess, run_id: str) -> tuple[str, WorkspaceRun]:
    async def follow() -> tuple[str, WorkspaceRun]:
        async with client_for(backend) as client:
            out, _err, final = await run_output(client, run_id)
            return out, final

    return asyncio.run(follow())


def _launched_id(capfd: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capfd.readouterr()
    return captured.out.strip().splitlines()[-1], captured.err


def test_rerun_packs_the_changed_folder_again_with_the_same_request(
    backend: LocalBackendProcess,
    tmp_path: Path,
    cli_api: list[str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    api = cli_api
    folder = tmp_path / "project"
    write(folder / "a.txt", "first\n")
    write(folder / "skip.log", "left out\n")
    tag = uuid.uuid4().hex
    argv = ["launch", str(folder), *api, "--metadata", f"tag={tag}", "--timeout", "5m"]
    argv += ["--artifact", "out.txt", "--exclude", "*.log", "--no-tail"]
    command = "cat a.txt | tee out.txt; ls"
    assert run([*argv, "--", command]) == 0
    first, _ = _launched_id(capfd)
    out, original = _finished(backend, first)
    assert out == "first\na.txt\nout.txt\n"
    source = recall(first)
    assert source is not None and source.path == folder.resolve()

    assert run(["rerun", first, "--no-tail", *api]) == 0  # unchanged
    same, err = _launched_id(capfd)
    assert f"unchanged since {first}" in err
    _finished(backend, same)

    write(folder / "a.txt", "second\n")
    assert run(["rerun", first, "--no-tail", *api]) == 0
    second, err = _launched_id(capfd)
    assert str(folder.resolve()) in err
    assert f"changed since {first}: sha256 {original.archive.sha256[:12]} → " in err  # type: ignore[union-attr]
    out, again = _finished(backend, second)
    assert out == "second\na.txt\nout.txt\n"  # the new files, the same exclusions
    assert again.command == original.command
    assert again.metadata == original.metadata == {"tag": tag}
    assert again.timeout_ms == original.timeout_ms == 300_000
    assert again.template_slug == original.template_slug
    assert again.project_id == original.project_id
    assert again.source_metadata == original.source_metadata
    assert len(again.artifact_ids) == 1 and not again.artifact_errors
    assert again.archive is not None and original.archive is not None
    assert again.archive.sha256 != original.archive.sha256
    assert recall(second) is not None  # a rerun can be run again too


async def _direct_run(client: CrowNestClient, tag: str) -> str:
    """A run this machine did not launch (no folder remembered)."""
    made = await client.create_run(
        command="cat note.txt", metadata={"tag": tag}, artifacts=[{"path": "note.txt"}]
    )
    await client.upload_archive(made.id, make_archive({"note.txt": "kept\n"}))
    return (await client.start_run(made.id)).id


def test_rerun_of_a_run_launched_elsewhere_uses_the_kept_archive(
    backend: LocalBackendProcess,
    tmp_path: Path,
    cli_api: list[str],
    capfd: pytest.CaptureFixture[str],
) -> None:

    async def start() -> str:
        async with client_for(backend) as client:
            return await _direct_run(client, uuid.uuid4().hex)

    first = asyncio.run(start())
    _finished(backend, first)
    assert run(["rerun", first, "--no-tail", *cli_api]) == 0
    second, err = _launched_id(capfd)
    assert "the archive the local backend kept" in err
    out, again = _finished(backend, second)
    assert out == "kept\n"
    assert len(again.artifact_ids) == 1


def test_rerun_without_an_archive_says_where_to_launch_it_from(
    backend: LocalBackendProcess,
    tmp_path: Path,
    cli_api: list[str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    suite = uuid.uuid4().hex
    hook(backend, "bulk-runs", {"count": 1, "metadata": {"suite": suite}})

    async def find() -> str:
        async with client_for(backend) as client:
            page = await client.list_runs(metadata={"suite": suite})
            return page.data[0].id

    bare = asyncio.run(find())
    assert run(["rerun", bare, *cli_api]) == exitcodes.NOT_FOUND
    err = capfd.readouterr().err
    assert "this run's archive is not available here: launch it from its folder" in err

    gone = tmp_path / "gone"
    remember(bare, gone)  # remembered, but the folder is no more
    assert run(["rerun", bare, *cli_api]) == exitcodes.NOT_FOUND
    err = capfd.readouterr().err
    assert f"{gone}, the folder {bare} was launched from, is gone" in err


def _remember_many(path: str, prefix: str, count: int, folder: str) -> None:
    for n in range(count):
        remember(f"{prefix}{n}", Path(folder), path=Path(path))


def test_launches_remembered_at_once_by_two_processes_are_all_kept(tmp_path: Path) -> None:
    """Two dashboards (or a dashboard and ``launch``) remembering at the same time:
    no launch is lost to the other's write."""
    import multiprocessing

    store = tmp_path / "launches.json"
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_remember_many, args=(str(store), name, 60, str(tmp_path)))
        for name in ("wsr_a", "wsr_b")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    for name in ("wsr_a", "wsr_b"):
        assert all(recall(f"{name}{n}", store) is not None for n in range(60)), name
