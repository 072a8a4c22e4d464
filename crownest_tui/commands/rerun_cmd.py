"""``crownest-tui rerun wsr_… [--no-tail]``: run a run again, then follow the new one.

Same request as the run (command, template, metadata, source metadata, timeout,
artifacts); the archive is packed again from the folder the run was launched from
here, after saying (on stderr) whether it changed, or is the one the local backend
kept for it (see :mod:`crownest_tui.launch.rerun`). A run whose archive is nowhere to
be had exits 66 with "launch it from its folder"; packing fails as ``launch`` does
(65 too large, 74 unreadable).
"""

from __future__ import annotations

import argparse
import sys

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..launch.flow import LaunchError
from ..launch.pack import ArchiveTooLarge, PackError
from ..launch.rerun import RerunUnavailable, plan_rerun, start_rerun
from ..text.format import safe_line
from . import exitcodes
from .args import run_id
from .progress import ProgressPrinter


def add_rerun_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="wsr_…", type=run_id, help="the run to run again")
    parser.add_argument(
        "--no-tail", action="store_true", help="print the new run's id instead of following it"
    )


def _fail(message: str, status: int) -> exitcodes.CommandFailed:
    return exitcodes.CommandFailed(exitcodes.fail(message, status))


async def start_rerun_cmd(args: argparse.Namespace, client: CrowNestClient) -> str:
    """Plan, say where the archive comes from, launch; the new run's id.

    Raises :class:`exitcodes.CommandFailed` after printing the error."""
    try:
        plan = await plan_rerun(client, args.run_id)
    except RerunUnavailable as exc:
        raise _fail(str(exc), exitcodes.NOT_FOUND) from None
    except ArchiveTooLarge as exc:
        raise _fail(str(exc), exitcodes.REFUSED) from None
    except PackError as exc:
        raise _fail(str(exc), exitcodes.IO_ERROR) from None
    except CrowNestError as error:
        status = exitcodes.fail_api(error, f"rerun of {args.run_id}")
        raise exitcodes.CommandFailed(status) from None
    where = "the archive the local backend kept" if plan.folder is None else str(plan.folder)
    print(f"running {safe_line(plan.run.command)!r} again from {where}", file=sys.stderr)
    print(f"archive: {plan.change_text}", file=sys.stderr, flush=True)
    if plan.folder is not None:
        args.dir = str(plan.folder)  # the dashboard saves nothing into it
    printer = ProgressPrinter()
    try:
        run = await start_rerun(client, plan, on_progress=printer.launch)
    except LaunchError as exc:
        printer.finish()
        status = exitcodes.fail_api(exc.error, f"rerun ({exc.step.value})")
        raise exitcodes.CommandFailed(status) from None
    finally:
        printer.finish()
    print(f"{run.id} runs {args.run_id} again", file=sys.stderr, flush=True)
    if args.no_tail:
        print(run.id, flush=True)
    return run.id


async def run_rerun(args: argparse.Namespace, client: CrowNestClient) -> int:
    """``rerun --no-tail``: the new run's id is printed, nothing is followed."""
    await start_rerun_cmd(args, client)
    return exitcodes.OK
