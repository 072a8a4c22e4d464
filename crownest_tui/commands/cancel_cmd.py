"""``crownest-tui cancel wsr_… [wsr_…]`` or ``cancel --status S [--project prj_…]
[--metadata k=v]… [--older-than 30m]``, then ``[--yes] [--json]``.

It lists the runs it would cancel (on stderr) and asks, unless ``--yes``; when stdin is
not a terminal there is no one to ask, so it needs ``--yes`` (else status 2, before any
request). Runs that have already ended are named and skipped, never failures.
``--older-than`` keeps the runs started (or, not started yet, created) longer ago than
that. Each result is a line on stdout as it comes (``--json``: one JSON object per run:
``id``, ``result`` = canceled | skipped | failed, ``status``, ``error``).

Exit status: 0 every selected active run was canceled (or there was none); 1 some
cancels failed, or the prompt was declined; 2 bad usage; and, when every failure is of
one kind and nothing was canceled, that kind's status (66 no such run, 69 unavailable,
77 not allowed; see :mod:`crownest_tui.commands`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api.client import MAX_PAGE_LIMIT, CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import RunStatus, WorkspaceRun
from ..core.active_runs import ACTIVE_STATUSES
from ..core.bulk_cancel import CancelResult, Outcome, cancel_runs, split_by_state, summary_text
from ..text.format import format_count, format_duration, safe_line
from . import exitcodes
from .args import add_pairs_option, parse_duration, project_id, run_id
from .table import format_table

ACTIVE = "active"
CANCEL_EXIT_HELP = """\
exit status:
  0   every active run selected was canceled, or none was (ended ones: skipped)
  1   some cancels failed, or the prompt was declined
  2   bad usage, or stdin is not a terminal and --yes was not given
  66  no such run (every failure was a run not found)
  69  CrowNest unavailable (no connection, or 5xx/429 after every retry)
  77  not allowed (no credential, 401, or a key without workspace_run:cancel)"""
COMMAND_WIDTH = 50
_SELECTING = ("project", "metadata", "older_than")


def add_cancel_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "run_ids", nargs="*", metavar="wsr_…", type=run_id, help="the runs to cancel"
    )
    parser.add_argument(
        "--status",
        choices=[*(s.value for s in ACTIVE_STATUSES), ACTIVE],
        metavar="S",
        help=f"instead of ids: every run in status S ({', '.join(s.value for s in ACTIVE_STATUSES)}"
        f", or {ACTIVE}: any of them)",
    )
    parser.add_argument("--project", metavar="prj_…", type=project_id, help="one project only")
    add_pairs_option(parser, "--metadata", "only runs with this metadata pair (repeatable)")
    parser.add_argument(
        "--older-than",
        metavar="DURATION",
        type=parse_duration,
        help="only runs started (or created) longer ago than this, e.g. 30m, 2h",
    )
    parser.add_argument("-y", "--yes", action="store_true", help="cancel without asking")
    parser.add_argument("--json", action="store_true", help="one JSON result per run on stdout")


def _usage(message: str) -> exitcodes.CommandFailed:
    return exitcodes.CommandFailed(exitcodes.fail(message, exitcodes.USAGE))


def preflight_cancel(args: argparse.Namespace) -> None:
    """What needs no server: ids or ``--status`` (not both), and someone to ask."""
    if args.run_ids and args.status:
        raise _usage("give run ids or --status, not both")
    if not args.run_ids and not args.status:
        raise _usage("nothing to cancel: give run ids, or --status (e.g. --status running)")
    if args.run_ids and any(getattr(args, name) for name in _SELECTING):
        raise _usage("--project, --metadata and --older-than select runs with --status")
    if not args.yes and not sys.stdin.isatty():
        raise _usage("stdin is not a terminal, so there is no one to ask: pass --yes")


class _Report:
    """Where results go: lines for people, or JSON lines for scripts (stdout)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, result: CancelResult) -> None:
        if not self.as_json:
            print(result.text, flush=True)
            return
        error: dict[str, Any] | None = None
        if result.error is not None:
            error = {"code": result.error.code, "message": result.error.message}
        status = None if result.run is None else str(result.run.status)
        line = {"id": result.run_id, "result": result.outcome.value, "status": status}
        print(json.dumps({**line, "error": error}, separators=(",", ":")), flush=True)


def _age(run: WorkspaceRun, now: datetime) -> timedelta:
    return now - (run.started_at or run.created_at)


async def _named(
    client: CrowNestClient, run_ids: list[str]
) -> tuple[list[WorkspaceRun], list[CancelResult]]:
    """The named runs, and a failed result for each one that could not be read."""
    found: list[WorkspaceRun] = []
    failed: list[CancelResult] = []
    for wanted in dict.fromkeys(run_ids):
        try:
            found.append(await client.get_run(wanted))
        except CrowNestError as error:
            failed.append(CancelResult(wanted, Outcome.FAILED, error=error))
    return found, failed


async def _selected(client: CrowNestClient, args: argparse.Namespace) -> list[WorkspaceRun]:
    """Every run of ``--status`` (one query per status: the API takes one), newest first."""
    statuses = ACTIVE_STATUSES if args.status == ACTIVE else (RunStatus(args.status),)
    now = datetime.now(UTC)
    runs: list[WorkspaceRun] = []
    for status in statuses:
        async for run in client.iter_runs(
            project_id=args.project,
            status=status,
            metadata=dict(args.metadata),
            page_size=MAX_PAGE_LIMIT,
        ):
            if args.older_than is None or _age(run, now).total_seconds() > args.older_than:
                runs.append(run)
    return sorted(runs, key=lambda run: run.created_at, reverse=True)


def _listing(runs: list[WorkspaceRun]) -> str:
    now = datetime.now(UTC)
    rows = []
    for run in runs:
        command = safe_line(run.command)
        if len(command) > COMMAND_WIDTH:
            command = command[: COMMAND_WIDTH - 1] + "…"
        age = format_duration(max(0.0, _age(run, now).total_seconds()))
        rows.append([run.id, safe_line(run.status), age, command])
    return format_table(["ID", "STATUS", "AGE", "COMMAND"], rows)


def _confirmed(count: int) -> bool:
    """Ask on the terminal. Read in the loop's own thread on purpose: nothing else runs
    meanwhile, and Ctrl+C must not leave a thread blocked on stdin behind."""
    print(f"Cancel {format_count(count, 'run')}? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def exit_status(results: list[CancelResult]) -> int:
    """0 with no failure; one failure kind's own status when nothing was canceled; else 1."""
    failures = [r for r in results if r.outcome is Outcome.FAILED]
    if not failures:
        return exitcodes.OK
    kinds = {exitcodes.for_error(r.error) if r.error else exitcodes.RUN_FAILED for r in failures}
    if len(kinds) == 1 and not any(r.outcome is Outcome.CANCELED for r in results):
        return kinds.pop()
    return exitcodes.RUN_FAILED


async def run_cancel(args: argparse.Namespace, client: CrowNestClient) -> int:
    """List, ask, cancel; the exit status is described in the module docstring."""
    report = _Report(args.json)
    try:
        if args.run_ids:
            runs, results = await _named(client, args.run_ids)
        else:
            runs, results = await _selected(client, args), []
    except CrowNestError as error:
        return exitcodes.fail_api(error, "listing runs")
    for result in results:
        report.result(result)
    selection = split_by_state(runs)
    for run in selection.ended:
        skipped = CancelResult(run.id, Outcome.SKIPPED, run=run)
        results.append(skipped)
        report.result(skipped)
    if not selection.active:
        print("nothing to cancel: no active run matches", file=sys.stderr)
        return exit_status(results)
    print(_listing(list(selection.active)), file=sys.stderr, flush=True)
    if not args.yes and not _confirmed(len(selection.active)):
        print("nothing canceled", file=sys.stderr)
        return exitcodes.RUN_FAILED
    ids = [run.id for run in selection.active]
    results += await cancel_runs(client, ids, on_result=report.result)
    print(summary_text(results), file=sys.stderr)
    return exit_status(results)
