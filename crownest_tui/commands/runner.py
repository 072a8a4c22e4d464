"""Run one subcommand to its exit status (a convenience for ``cli.py``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from ..api.client import CrowNestClient
from ..api.credentials import Connection
from .exitcodes import INTERRUPTED, CommandFailed

BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer

Command = Callable[[argparse.Namespace, CrowNestClient], Awaitable[int]]
Preflight = Callable[[argparse.Namespace], None]


def run_preflight(check: Preflight | None, args: argparse.Namespace) -> int:
    """A command's server-free checks: 0 when they pass (or there are none), else the
    exit status (the reason is printed already); Ctrl+C gives 130."""
    if check is None:
        return 0
    try:
        check(args)
    except CommandFailed as failed:
        return failed.status
    except KeyboardInterrupt:
        return INTERRUPTED
    return 0


def run_command(command: Command, args: argparse.Namespace, connection: Connection) -> int:
    """``asyncio.run`` the command with a client; Ctrl+C gives 130."""

    async def main() -> int:
        async with CrowNestClient(connection=connection) as client:
            return await command(args, client)

    try:
        return asyncio.run(main())
    except CommandFailed as failed:
        return failed.status
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``… | head``): stop quietly, as shell tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
