"""``crownest-tui --help`` lists every command; a mistyped one is named, with a hint."""

from __future__ import annotations

import pytest

from crownest_tui.cli import run
from crownest_tui.cli_help import SUMMARIES
from crownest_tui.commands import COMMANDS

#: Every first word run() dispatches on, besides the subcommands of commands/.
DISPATCHED = {*COMMANDS, "open", "serve", "local"}


def top_level_help(capsys: pytest.CaptureFixture[str]) -> list[str]:
    with pytest.raises(SystemExit) as exited:
        run(["--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out.splitlines()


def test_help_lists_every_command_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    lines = top_level_help(capsys)
    assert set(SUMMARIES) == DISPATCHED
    for name, summary in SUMMARIES.items():
        assert f"  {name:<10}{summary}" in lines, name
    assert lines[0] == "usage: crownest-tui [COMMAND] [options]"
    assert any("--status S" in line for line in lines)  # the dashboard's options too


def test_help_fits_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    lines = top_level_help(capsys)
    assert max(map(len, lines)) <= 80
    for name, summary in SUMMARIES.items():  # still one line each
        assert f"  {name:<10}{summary}" in lines, name


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["frobnicate"], "unknown command 'frobnicate': the closest is 'local'; the commands"),
        (["lgos", "wsr_1"], "unknown command 'lgos': did you mean 'logs'?"),
        (["--demo", "evidnce"], "unknown command 'evidnce': did you mean 'evidence'?"),
        (["xyzzy"], "unknown command 'xyzzy': the commands are open, launch, logs"),
        (["--read-only", "logs", "wsr_1"], "the command goes first: crownest-tui logs"),
    ],
)
def test_an_unknown_command_is_named_with_the_closest_match(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"crownest-tui: error: {expected}")
    assert err.count("\n") == 1
    assert "unrecognized arguments" not in err
