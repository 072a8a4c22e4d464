"""Launching folders against the real local backend over HTTP (and a faulty network)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui.api import CreateRunRequest, CrowNestClient
from crownest_tui.commands.exitcodes import REFUSED, CommandFailed
from crownest_tui.commands.launch_cmd import run_launch
from crownest_tui.launch import LaunchKeys, LaunchProgress, Step, launch, pack_directory
from crownest_tui.local.process import LocalBackendProcess
from tests.commands.support import launch_args
from tests.faultproxy import FaultPlan, FaultProxy
from tests.launch.support import FAST_BACKOFF, client_for, project, run_output

LIST_FILES = "find . -type f -o -type l | sort"
WORKSPACE = """\
./.gitignore
./link_abs_in
./link_in
./main.py
./tools/link_up
./tools/run.sh
./untracked.txt
./vendor/lib/.gitignore
./vendor/lib/lib.py
"""


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


@pytest.mark.parametrize("staged", [False, True], ids=["direct", "staged"])
async def test_workspace_holds_exactly_the_packed_files(
    api: CrowNestClient, tmp_path: Path, staged: bool
) -> None:
    archive = pack_directory(project(tmp_path))
    seen: list[LaunchProgress] = []
    request = CreateRunRequest(command=f"{LIST_FILES}; cat link_in; ./tools/run.sh")
    run = await launch(api, request, archive, on_progress=seen.append, staged=staged)
    out, err, final = await run_output(api, run.id)
    assert (out, err, final.status) == (WORKSPACE + "print('hi')\n", "", "succeeded")
    assert final.archive is not None and final.archive.sha256 == archive.sha256
    steps = [p.step for p in seen if p.done == p.total]
    expected = [Step.CREATE, Step.UPLOAD, *([Step.FINALIZE] if staged else []), Step.START]
    assert steps == expected


async def test_retries_through_a_faulty_network_make_exactly_one_run(
    backend: LocalBackendProcess, api: CrowNestClient, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex
    archive = pack_directory(project(tmp_path))
    plan = FaultPlan(canned={"http_503": 0.3, "html_502": 0.1}, cut=0.3, cut_bytes=(0, 60))
    for staged in (False, True):
        async with (
            FaultProxy(int(backend.url.rsplit(":", 1)[1]), plan, seed=7 + staged) as proxy,
            client_for(backend, proxy.url) as flaky,
        ):
            request = CreateRunRequest(
                command="echo launched", metadata={"tag": tag, "staged": str(staged)}
            )
            retries: list[LaunchProgress] = []
            keys = LaunchKeys()
            run = await launch(
                flaky,
                request,
                archive,
                staged=staged,
                keys=keys,
                on_progress=retries.append,
                step_backoff=FAST_BACKOFF,
            )
            assert proxy.faults["cut"] and proxy.faults["http_503"], proxy.faults
        runs = [r async for r in api.iter_runs(metadata={"tag": tag, "staged": str(staged)})]
        assert [r.id for r in runs] == [run.id]
        out, _, final = await run_output(api, run.id)
        assert (out, final.status) == ("launched\n", "succeeded")
        # The same keys again (a user pressing "retry"): still the same single run.
        again = await launch(api, request, archive, staged=staged, keys=keys)
        assert again.id == run.id


async def test_oversize_folder_fails_before_anything_is_created(
    api: CrowNestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "huge"
    (folder / "weights").mkdir(parents=True)
    (folder / "weights" / "model.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    (folder / "main.py").write_text("print(1)\n")
    tag = uuid.uuid4().hex
    args = launch_args(str(folder), "--metadata", f"tag={tag}", "--no-tail", "--", "true")
    with pytest.raises(CommandFailed) as failed:
        await run_launch(args, api)
    assert failed.value.status == REFUSED
    err = capsys.readouterr().err
    assert "weights/ (9.0 MiB)" in err and "weights/model.bin (9.0 MiB)" in err
    assert "8.0 MiB archive limit" in err
    assert [r async for r in api.iter_runs(metadata={"tag": tag})] == []
