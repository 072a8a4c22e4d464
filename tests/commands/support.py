"""Helpers for the command tests: parse a subcommand's arguments like cli.py would."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from crownest_tui.commands.cancel_cmd import add_cancel_arguments
from crownest_tui.commands.evidence_cmd import add_evidence_arguments
from crownest_tui.commands.launch_cmd import add_launch_arguments
from crownest_tui.commands.logs_cmd import add_logs_arguments
from crownest_tui.commands.runs_cmd import add_runs_arguments

ADDERS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "launch": add_launch_arguments,
    "logs": add_logs_arguments,
    "runs": add_runs_arguments,
    "evidence": add_evidence_arguments,
    "cancel": add_cancel_arguments,
}


def parser() -> argparse.ArgumentParser:
    """``crownest-tui <subcommand> …`` with the four subcommands."""
    top = argparse.ArgumentParser(prog="crownest-tui", exit_on_error=False)
    sub = top.add_subparsers(dest="subcommand", required=True)
    for name, add in ADDERS.items():
        add(sub.add_parser(name))
    return top


def parse(*words: str) -> argparse.Namespace:
    return parser().parse_args(list(words))


def launch_args(*words: str) -> argparse.Namespace:
    return parse("launch", *words)
