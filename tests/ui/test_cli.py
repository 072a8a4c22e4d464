"""The command line: bad flags, the settings file, and the demo backend's lifetime."""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import pytest

from crownest_tui import __version__
from crownest_tui.api.credentials import Secret
from crownest_tui.cli import (
    _connection,
    _filters,
    build_command_parser,
    build_open_parser,
    build_parser,
    run,
)
from crownest_tui.config import Settings, config_path, load_settings
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.service_state import PID_FILE, read_info
from crownest_tui.profiles import api_label, flags_over
from tests.commands.capture import Captured
from tests.local.support import NO_NAMESPACES, failing_bwrap


@pytest.mark.parametrize(
    "argv",
    [
        ["--refresh", "soon"],
        ["--refresh", "-1"],
        ["--status", "sleeping"],
        ["--project", "storefront"],
        ["--metadata", "branch"],
        ["--demo", "--api-url", "http://127.0.0.1:1"],
        ["--api-url", "ftp://example.com"],
        ["--no-such-flag"],
        ["open"],
        ["open", "prj_1"],
        ["open", "wsr_1", "--after-seq", "-1"],
        ["open", "wsr_1", "--after-seq", "x"],
        ["open", "wsr_1", "--demo", "--local"],
    ],
)
def test_bad_flags_get_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crownest-tui: error: ")
    assert err.count("\n") == 1


def test_bad_config_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("[ui]\nrefresh = 'often'\n")
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(bad))
    assert run([]) == 2
    err = capsys.readouterr().err
    assert "ui.refresh" in err and err.count("\n") == 1


def test_open_takes_a_run_and_a_resume_point() -> None:
    args = build_open_parser().parse_args(["wsr_abc", "--after-seq", "12", "--demo"])
    assert (args.run_id, args.after_seq, args.demo) == ("wsr_abc", 12, True)
    assert _filters(args) == RunFilters()


def test_open_at_a_line_by_flag_or_by_the_reference_y_copies() -> None:
    parse = build_open_parser().parse_args
    args = parse(["wsr_abc", "--at-seq", "40"])
    assert (args.run_id, args.at_seq, args.after_seq) == ("wsr_abc", 40, None)
    args = parse(["wsr_abc:41"])
    assert (args.run_id, args.at_seq) == ("wsr_abc", 41)
    assert parse(["wsr_abc"]).at_seq is None


@pytest.mark.parametrize("argv", [["open", "wsr_1:x"], ["open", "wsr_1:-3"], ["open", "prj_1:4"]])
def test_a_bad_reference_gets_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crownest-tui: error: ") and err.count("\n") == 1


def test_flags_become_filters() -> None:
    args = build_parser().parse_args(
        ["--project", "prj_abc", "--status", "active", "--metadata", "a=1", "--metadata", "b=2"]
    )
    assert _filters(args) == RunFilters.build("prj_abc", "active", {"a": "1", "b": "2"})


def test_settings_file_location_and_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    assert config_path() == isolated_environment / ".config" / "crownest-tui" / "config.toml"
    assert load_settings() == Settings()
    path = tmp_path / "mine.toml"
    path.write_text('[api]\nurl = "http://127.0.0.1:8765"\n[ui]\nrefresh = 0\nread_only = true\n')
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(path))
    settings = load_settings()
    assert settings.api.url == "http://127.0.0.1:8765"
    assert settings.ui.refresh == 0 and settings.ui.read_only


def _demo_args() -> argparse.Namespace:
    return build_parser().parse_args(["--demo"])


def test_demo_backend_stops_on_exit_and_on_a_crash() -> None:
    with _connection(_demo_args(), Settings()) as connection:
        assert connection.credential is not None
        url = connection.base_url
        assert httpx.get(f"{url}/v1/projects").status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/projects")

    with pytest.raises(RuntimeError), _connection(_demo_args(), Settings()) as connection:
        url = connection.base_url
        raise RuntimeError("the app crashed")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/projects")


def test_local_is_the_persistent_service_and_outlives_the_command(service_dir: Path) -> None:
    local = build_parser().parse_args(["--local"])
    with _connection(local, Settings()) as connection:
        url = connection.base_url
        assert connection.credential == Secret((service_dir / "token").read_text().strip())
    assert httpx.get(f"{url}/v1/projects").status_code == 401  # still there, still locked
    with _connection(local, Settings()) as again:
        assert again.base_url == url  # attached to the same one, not a second backend


def test_local_says_when_it_starts_the_service_or_runs_another_version(
    service_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = build_parser().parse_args(["--local"])
    captured = Captured(monkeypatch, tty=True)
    with _connection(local, Settings()):
        pass
    assert captured.err.decode().startswith(
        f"starting the local CrowNest backend in {service_dir} (it keeps running"
    )
    pid_file = service_dir / PID_FILE
    pid_file.write_text(pid_file.read_text().replace(__version__, "0.0.1"))
    captured = Captured(monkeypatch, tty=True)
    with _connection(local, Settings()):
        pass
    assert captured.err.decode() == (
        f"the local backend runs crownest-tui 0.0.1 (this is {__version__}): "
        "`crownest-tui local stop` so that the next command starts this one\n"
    )


def test_a_backend_without_a_sandbox_says_so_once_and_in_the_context_line(
    service_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", failing_bwrap(tmp_path / "bin"))
    headline = f"runs are NOT sandboxed: bwrap cannot create a sandbox here ({NO_NAMESPACES})"
    local = build_parser().parse_args(["--local"])
    captured = Captured(monkeypatch, tty=True)
    with _connection(local, Settings()) as connection:
        assert api_label(connection) == "local · unsandboxed"
    assert captured.err.decode().splitlines()[1:] == [headline]
    captured = Captured(monkeypatch, tty=True)
    with _connection(local, Settings()) as connection:  # attached: said once, at its start
        assert api_label(connection) == "local · unsandboxed"
    assert captured.err.decode() == ""

    captured = Captured(monkeypatch, tty=True)
    with _connection(_demo_args(), Settings()) as connection:
        assert api_label(connection) == "demo · unsandboxed"
    assert headline in captured.err.decode().splitlines()


def test_a_sandboxed_backend_is_just_local(service_dir: Path) -> None:
    with _connection(build_parser().parse_args(["--local"]), Settings()) as connection:
        info = read_info(service_dir)
        assert info is not None and info.runs is not None
        assert api_label(connection) == ("local" if info.runs.sandboxed else "local · unsandboxed")


def test_every_command_takes_a_profile() -> None:
    assert build_parser().parse_args(["--profile", "work"]).profile == "work"
    assert build_open_parser().parse_args(["wsr_1", "--profile", "work"]).profile == "work"
    for name in ("runs", "logs", "evidence", "launch"):
        argv = ["wsr_1"] if name in ("logs", "evidence") else []
        assert build_command_parser(name).parse_args([*argv, "--profile", "w"]).profile == "w"


def test_filter_flags_win_over_the_profile() -> None:
    profile = RunFilters.build("prj_work", "active", {"team": "infra"})
    assert flags_over(profile, RunFilters()) == profile
    flags = RunFilters.build(status="failed")
    assert flags_over(profile, flags) == RunFilters.build("prj_work", "failed", {"team": "infra"})
    flags = RunFilters.build("prj_other", metadata={"ci": "yes"})
    assert flags_over(profile, flags) == RunFilters.build("prj_other", "active", {"ci": "yes"})
