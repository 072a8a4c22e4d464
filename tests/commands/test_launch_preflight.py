"""``launch`` checks what needs no server before any backend starts (issue 12 point
15), and ``--exclude`` leaves entries out of the archive."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crownest_tui import cli
from crownest_tui.api import CrowNestClient
from crownest_tui.commands import exitcodes
from crownest_tui.commands.launch_cmd import preflight_launch, run_launch
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.server import default_state_dir
from tests.commands.capture import Captured
from tests.commands.support import launch_args
from tests.launch.support import client_for, run_output, write

#: Nothing listens here: a command that tried to connect would fail differently.
DEAD_API = "http://127.0.0.1:9"


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with client_for(backend) as client:
        yield client


def oversize(folder: Path) -> Path:
    write(folder / "weights" / "model.bin", os.urandom(9 * 1024 * 1024))
    write(folder / "main.py", "print('small')\n")
    return folder


@pytest.mark.parametrize(
    ("words", "status", "message"),
    [
        (["{tmp}/nonexistent", "--", "true"], exitcodes.NOT_FOUND, "does not exist"),
        (["{tmp}/a-file", "--", "true"], exitcodes.NOT_FOUND, "is not a folder"),
        (["{tmp}/ok"], exitcodes.USAGE, "no command"),
        (["{tmp}/ok", "--"], exitcodes.USAGE, "no command"),
        (["{tmp}/big", "--", "true"], exitcodes.REFUSED, "Leave some out (--exclude PATTERN"),
        (["{tmp}/ok", "--timeout", "1s", "--", ""], exitcodes.USAGE, "invalid run request"),
    ],
)
@pytest.mark.parametrize("where", [["--local"], ["--api-url", DEAD_API]], ids=["local", "api"])
def test_bad_launches_fail_before_any_backend_or_connection(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    words: list[str],
    status: int,
    message: str,
    where: list[str],
) -> None:
    write(tmp_path / "a-file")
    write(tmp_path / "ok" / "main.py")
    if "{tmp}/big" in words:
        oversize(tmp_path / "big")
    argv = ["launch", *(w.format(tmp=tmp_path) for w in words)]
    cut = argv.index("--") if "--" in argv else len(argv)
    assert cli.run([*argv[:cut], *where, *argv[cut:]]) == status
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and message in errors[0], err
    assert "backend" not in err and "Connection" not in err, err
    assert not default_state_dir().exists()  # --local never got as far as a state dir


def test_a_bad_exclude_pattern_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["launch", str(tmp_path), "--local", "--exclude", "!", "--", "true"]
    assert cli.run(argv) == exitcodes.USAGE
    assert "not a gitignore pattern: '!'" in capsys.readouterr().err


async def test_exclude_leaves_entries_out_and_the_preflight_packs_once(
    api: CrowNestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = oversize(tmp_path / "proj")
    write(folder / "notes" / "todo.txt")
    tag = uuid.uuid4().hex
    args = launch_args(
        str(folder),
        "--exclude",
        "weights/",
        "--exclude",
        "*.txt",
        "--metadata",
        f"tag={tag}",
        "--no-tail",
        "--",
        "find . -type f | sort",
    )
    captured = Captured(monkeypatch)
    preflight_launch(args)
    run_id = await run_launch(args, api)
    out, _, final = await run_output(api, run_id)
    assert (out, final.status) == ("./main.py\n", "succeeded")
    err = captured.err.decode()
    assert err.count("packed 1 file, ") == 1, err
    assert "(.gitignore honoured; 2 ignored)" in err
