"""The command line: subcommands dispatch to the layer that owns them."""

from __future__ import annotations

import argparse

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crownest-tui",
        description="A terminal dashboard for CrowNest Workspace Runs.",
    )
    parser.add_argument("--version", action="version", version=f"crownest-tui {__version__}")
    return parser


def run(argv: list[str]) -> int:
    if argv[:1] == ["local"]:
        from .local.server import main as local_main

        return local_main(argv[1:])
    parser = build_parser()
    parser.parse_args(argv)
    parser.error("the dashboard lands with issue 4; try `crownest-tui local serve`")
    return 2
