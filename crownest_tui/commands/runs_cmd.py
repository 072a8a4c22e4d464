"""``crownest-tui runs [--project prj_…] [--status S] [--metadata k=v]… [--limit N] [--json]``.

A human table by default (newest first); ``--json`` prints one run per line, as the
API sent it (camelCase), for scripts. ``--status`` also takes the groups ``active``
and ``terminal``, which are filtered here because the API takes one status only.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from ..api.client import MAX_PAGE_LIMIT, CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import RunStatus, WorkspaceRun, is_terminal
from ..text.format import run_duration, safe_line
from . import exitcodes
from .args import add_pairs_option, count, project_id
from .table import format_table

GROUPS = ("active", "terminal")
DEFAULT_LIMIT = 20
COMMAND_WIDTH = 60


def add_runs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="prj_…", type=project_id, help="one project only")
    parser.add_argument(
        "--status",
        choices=[*(s.value for s in RunStatus), *GROUPS],
        help="one status, or the group 'active' or 'terminal'",
    )
    add_pairs_option(parser, "--metadata", "only runs with this metadata pair (repeatable)")
    parser.add_argument(
        "--limit", metavar="N", type=count, default=DEFAULT_LIMIT, help="at most N runs"
    )
    parser.add_argument("--json", action="store_true", help="one JSON run per line")


def _in_group(run: WorkspaceRun, group: str | None) -> bool:
    if group is None:
        return True
    return is_terminal(run.status) == (group == "terminal")


def _row(run: WorkspaceRun, now: datetime) -> list[str]:
    command = safe_line(run.command)
    if len(command) > COMMAND_WIDTH:
        command = command[: COMMAND_WIDTH - 1] + "…"
    return [
        run.id,
        safe_line(run.status),
        "" if run.exit_code is None else str(run.exit_code),
        run.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        run_duration(run, now),
        command,
    ]


async def _collect(args: argparse.Namespace, client: CrowNestClient) -> list[WorkspaceRun]:
    group = args.status if args.status in GROUPS else None
    runs: list[WorkspaceRun] = []
    async for run in client.iter_runs(
        project_id=args.project,
        status=None if group else args.status,
        metadata=dict(args.metadata),
        page_size=min(MAX_PAGE_LIMIT, args.limit if group is None else MAX_PAGE_LIMIT),
    ):
        if _in_group(run, group):
            runs.append(run)
            if len(runs) >= args.limit:
                break
    return runs


async def run_runs(args: argparse.Namespace, client: CrowNestClient) -> int:
    """Print the matching runs; 0, or an error status (see the package docstring)."""
    try:
        runs = await _collect(args, client)
    except CrowNestError as err:
        return exitcodes.fail_api(err, "listing runs")
    if args.json:
        for run in runs:
            print(json.dumps(run.to_wire(), separators=(",", ":")))
        return exitcodes.OK
    if not runs:
        print("no runs match", file=sys.stderr)
        return exitcodes.OK
    now = datetime.now(UTC)
    headers = ["ID", "STATUS", "EXIT", "CREATED (UTC)", "DURATION", "COMMAND"]
    print(format_table(headers, [_row(run, now) for run in runs]))
    return exitcodes.OK
