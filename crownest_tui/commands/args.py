"""Argument types shared by the subcommands (each raises ``ArgumentTypeError``).

Thin adapters over :mod:`crownest_tui.core.parse`: its ``ValueError`` message becomes
argparse's, so a bad value reads the same on the command line and in the UI.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import TypeVar

from ..core import parse

T = TypeVar("T")


def _argument_type(parser: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type=`` from a core parser."""

    @functools.wraps(parser)
    def convert(text: str) -> T:
        try:
            return parser(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


parse_duration = _argument_type(parse.parse_duration)
key_value = _argument_type(parse.parse_key_value)
run_id = _argument_type(parse.parse_run_id)
project_id = _argument_type(parse.parse_project_id)
#: A whole number of at least 1 (``--limit``).
count = _argument_type(functools.partial(parse.parse_whole, minimum=1))
#: An event sequence number, 0 or more (``--after-seq``).
seq = _argument_type(functools.partial(parse.parse_whole, minimum=0))


def add_pairs_option(parser: argparse.ArgumentParser, flag: str, text: str) -> None:
    """A repeatable ``--flag KEY=VALUE`` option collected as a list of pairs."""
    parser.add_argument(
        flag, metavar="KEY=VALUE", type=key_value, action="append", default=[], help=text
    )
