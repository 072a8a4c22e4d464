"""The subcommands are reachable from ``crownest-tui`` itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from crownest_tui.cli import run
from crownest_tui.local.process import LocalBackendProcess


@pytest.mark.parametrize(
    "argv",
    [
        ["logs"],
        ["logs", "prj_1"],
        ["evidence", "wsr_1", "--demo", "--local"],
        ["runs", "--limit", "many"],
        ["launch", "--timeout", "soon", "--", "true"],
    ],
)
def test_bad_subcommand_arguments_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crownest-tui: error: ") and err.count("\n") == 1


def test_launch_no_tail_then_logs_and_runs_through_the_cli(
    backend: LocalBackendProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "hi.py").write_text("print('hi from the cli')\n")
    tag = f"cli-{tmp_path.name}"
    argv = ["launch", str(folder), "--api-url", backend.url, "--metadata", f"tag={tag}"]
    assert run([*argv, "--no-tail", "--", "python3", "hi.py"]) == 0
    run_id = capfd.readouterr().out.strip()
    assert run_id.startswith("wsr_")
    assert run(["logs", run_id, "--follow", "--api-url", backend.url]) == 0
    assert capfd.readouterr().out == "hi from the cli\n"
    assert run(["runs", "--api-url", backend.url, "--metadata", f"tag={tag}"]) == 0
    table = capfd.readouterr().out
    assert run_id in table and "succeeded" in table
