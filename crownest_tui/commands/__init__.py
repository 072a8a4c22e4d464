"""Command-line subcommands that need no UI: ``launch``, ``logs``, ``runs``, ``evidence``,
``cancel``, ``rerun``, ``insights --json``.

Each module offers ``add_<name>_arguments(parser)`` and
``async def run_<name>(args, client) -> int`` (the exit status); ``launch`` and
``rerun`` also offer the command that starts the run and returns its id (for the
caller to open its detail screen unless ``--no-tail``), which raises
``exitcodes.CommandFailed(status)`` after printing its error.
``runner.run_command`` runs any of them to an exit status; a command's ``preflight``
(``runner.run_preflight``) checks what needs no server, before any backend starts.
``open_cmd`` checks, before the app starts, that the run ``open`` names is there.
Output is plain text (never Textual); anything a run or the server wrote is untrusted
and is made inert before it reaches a terminal. Errors are one line on stderr:
``crownest-tui: error: <what happened> [<code>]``.

Exit statuses (``exitcodes.py``), the same for every subcommand:

====  ==========================================================================
code  meaning
====  ==========================================================================
0     success (``logs --follow``: the run succeeded)
1     ``logs --follow``: the run failed or was canceled without an exit code of its
      own (with one, that code is the status, so 1..255 may come from the run);
      ``cancel``: some cancels failed, or the prompt was declined
2     bad arguments (argparse usage error, raised by the caller's parser)
65    the server refused the request as invalid (400/409/413/422: bad metadata,
      bad template, archive rejected…), or the folder packs over the 8 MiB limit
66    not found: no such run/project (404), or the launch folder does not exist, or
      (``rerun``) the run's archive is not available here
69    CrowNest unavailable: no connection, or 5xx/429 after every retry
74    a local file could not be read while packing
75    not yet: ``evidence`` of a run that has not ended (try again later)
76    protocol error: an answer this client cannot read, or the event stream ended
      with an error event
77    not allowed: missing credential, 401 or 403
129   the terminal went away (SIGHUP, or the tty closed)
130   interrupted (Ctrl+C)
143   terminated (SIGTERM)
====  ==========================================================================
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..api.client import CrowNestClient
from ..cli_help import SUMMARIES
from .cancel_cmd import CANCEL_EXIT_HELP, add_cancel_arguments, preflight_cancel, run_cancel
from .evidence_cmd import add_evidence_arguments, run_evidence
from .insights_cmd import add_insights_arguments, run_insights
from .launch_cmd import add_launch_arguments, preflight_launch, run_launch
from .logs_cmd import add_logs_arguments, run_logs
from .rerun_cmd import add_rerun_arguments, run_rerun, start_rerun_cmd
from .runs_cmd import add_runs_arguments, run_runs


@dataclass(frozen=True)
class CommandSpec:
    """How ``cli.py`` builds and runs one subcommand.

    ``preflight`` (optional) runs first, before any backend or connection: it checks
    what needs no server and raises ``exitcodes.CommandFailed`` after printing why.
    ``epilog`` (optional) ends its ``--help`` (the exit statuses of ``cancel``).
    ``start`` (optional) starts a run and returns its id, for ``cli.py`` to open its
    detail screen unless ``--no-tail``.
    """

    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, CrowNestClient], Awaitable[int]]
    preflight: Callable[[argparse.Namespace], None] | None = None
    epilog: str = ""
    start: Callable[[argparse.Namespace, CrowNestClient], Awaitable[str]] | None = None


async def _launch_only(args: argparse.Namespace, client: CrowNestClient) -> int:
    """``launch --no-tail``: the run id is printed, nothing is followed."""
    await run_launch(args, client)
    return 0


COMMANDS: dict[str, CommandSpec] = {
    "launch": CommandSpec(
        SUMMARIES["launch"],
        add_launch_arguments,
        _launch_only,
        preflight_launch,
        start=run_launch,
    ),
    "logs": CommandSpec(SUMMARIES["logs"], add_logs_arguments, run_logs),
    "runs": CommandSpec(SUMMARIES["runs"], add_runs_arguments, run_runs),
    "evidence": CommandSpec(SUMMARIES["evidence"], add_evidence_arguments, run_evidence),
    "cancel": CommandSpec(
        SUMMARIES["cancel"],
        add_cancel_arguments,
        run_cancel,
        preflight_cancel,
        epilog=CANCEL_EXIT_HELP,
    ),
    "rerun": CommandSpec(SUMMARIES["rerun"], add_rerun_arguments, run_rerun, start=start_rerun_cmd),
    "insights": CommandSpec(SUMMARIES["insights"], add_insights_arguments, run_insights),
}
