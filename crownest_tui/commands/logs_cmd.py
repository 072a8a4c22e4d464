"""``crownest-tui logs wsr_… [--follow] [--after-seq N] [--json] [--timestamps]``.

Without ``--follow``: print the events stored so far and stop (status 0). With it:
follow the live stream through the same exactly-once engine as the dashboard (it
resumes through disconnects without losing or repeating a byte) and exit with the
run's own exit status once it ends. See :mod:`crownest_tui.commands` for statuses.
"""

from __future__ import annotations

import argparse
import sys

from ..api.client import MAX_PAGE_LIMIT, CrowNestClient
from ..api.errors import CrowNestError
from ..api.stream import StreamState
from . import exitcodes
from .args import run_id, seq
from .output import LogSink


def add_logs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="wsr_…", type=run_id, help="the run")
    parser.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep following until the run ends; exit with the run's exit status",
    )
    parser.add_argument(
        "--after-seq", metavar="N", type=seq, help="only events after sequence number N"
    )
    parser.add_argument("--json", action="store_true", help="one JSON event per line on stdout")
    parser.add_argument(
        "--timestamps", action="store_true", help="start each line with its event's time"
    )


async def _print_stored(client: CrowNestClient, run: str, after: int | None, sink: LogSink) -> int:
    while True:
        page = await client.replay_events(run, after_seq=after, limit=MAX_PAGE_LIMIT)
        sink.events(page.events)
        if not page.has_more or not page.events:
            return exitcodes.OK
        after = page.events[-1].seq


async def _follow(client: CrowNestClient, run: str, after: int | None, sink: LogSink) -> int:
    async with client.stream_events(run, after) as stream:
        async for batch in stream.batches():
            sink.events(batch)
    status = stream.status
    if status.state is StreamState.FAILED and status.error is not None:
        raise status.error
    final = status.final_run or await client.get_run(run)
    return exitcodes.for_run(final)


async def run_logs(args: argparse.Namespace, client: CrowNestClient) -> int:
    """Print the run's output; the exit status is described in the package docstring."""
    sink = LogSink(sys.stdout, sys.stderr, as_json=args.json, timestamps=args.timestamps)
    try:
        if args.follow:
            return await _follow(client, args.run_id, args.after_seq, sink)
        return await _print_stored(client, args.run_id, args.after_seq, sink)
    except CrowNestError as err:
        sink.close()
        return exitcodes.fail_api(err, f"logs of {args.run_id}")
    finally:
        sink.close()
