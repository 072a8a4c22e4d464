"""Argument parsing: durations, KEY=VALUE pairs, ids, and launch's ``--`` split."""

from __future__ import annotations

import argparse

import pytest

from crownest_tui.commands.args import key_value, parse_duration
from crownest_tui.commands.launch_cmd import shell_command
from tests.commands.support import launch_args, parse


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10m", 600),
        ("90s", 90),
        ("1h30m", 5400),
        ("1h", 3600),
        ("2m30s", 150),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("45", 45),
        (" 10M ", 600),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5m", "10x", "m", "1h 30m", "30m1h2", "nan"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_bad_values_are_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for words in (
        ["launch", "--timeout", "soon", "--", "true"],
        ["launch", "--metadata", "novalue", "--", "true"],
        ["logs", "run_123"],
        ["logs", "wsr_1", "--after-seq", "-1"],
        ["runs", "--limit", "0"],
        ["runs", "--status", "sleeping"],
        ["runs", "--project", "wsr_1"],
    ):
        with pytest.raises(SystemExit) as exited:
            parse(*words)
        assert exited.value.code == 2, words
    assert "not a duration: 'soon'" in capsys.readouterr().err


def test_key_value() -> None:
    assert key_value("a=b=c") == ("a", "b=c")
    assert key_value("empty=") == ("empty", "")


@pytest.mark.parametrize(
    ("words", "folder", "command"),
    [
        (["--", "make", "test"], ".", ["make", "test"]),
        (["src", "--", "make", "test"], "src", ["make", "test"]),
        (
            ["src", "--project", "prj_1", "--", "make", "-x", "--no-tail"],
            "src",
            ["make", "-x", "--no-tail"],
        ),
        (["--no-tail", "--", "echo", "--", "x"], ".", ["echo", "--", "x"]),
        (["src", "make"], "src", ["make"]),
    ],
)
def test_everything_after_double_dash_is_the_command(
    words: list[str], folder: str, command: list[str]
) -> None:
    args = launch_args(*words)
    assert (args.dir, args.command) == (folder, command)


def test_options_are_parsed_before_double_dash() -> None:
    args = launch_args(
        "app",
        "--project",
        "prj_1",
        "--metadata",
        "a=1",
        "--metadata",
        "b=2",
        "--timeout",
        "1h30m",
        "--artifact",
        "out/report.txt",
        "--keep-sandbox",
        "--no-tail",
        "--",
        "pytest",
    )
    assert args.project == "prj_1" and args.metadata == [("a", "1"), ("b", "2")]
    assert args.timeout == 5400 and args.artifact == ["out/report.txt"]
    assert args.keep_sandbox and args.no_tail and args.template == "python-node"


def test_words_before_double_dash_after_dir_are_refused() -> None:
    with pytest.raises(SystemExit):
        launch_args("app", "stray", "--", "make")


def test_shell_command() -> None:
    assert shell_command(["pytest -x && echo ok"]) == "pytest -x && echo ok"
    assert shell_command(["python", "-c", "print('hi there')"]) == (
        "python -c 'print('\"'\"'hi there'\"'\"')'"
    )
