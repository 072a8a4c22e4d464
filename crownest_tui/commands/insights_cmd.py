"""``crownest-tui insights [--window 1h|24h|7d] [--project …] [--status …] [--metadata k=v]…
[--concurrency N] [--json]``.

With ``--json``: the Insights screen's figures as one JSON document on stdout (for
scripts: the same :class:`~crownest_tui.core.insights.Insights` the charts draw);
without it, ``cli.py`` opens the dashboard on the Insights screen. The window ends
with the bucket holding the current time (see ``core/insights.py``).
"""

from __future__ import annotations

import argparse
import json
import time

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..core.filters import STATUS_CHOICES, RunFilters
from ..core.insights import Window, summarize
from ..core.insights_fetch import WindowCache
from ..text.format import safe_line
from . import exitcodes
from .args import add_pairs_option, count, project_id

WINDOWS = tuple(window.label for window in Window)


def add_insights_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--window", choices=WINDOWS, default=Window.DAY.label, help="the time window (24h)"
    )
    parser.add_argument("--project", metavar="prj_…", type=project_id, help="one project only")
    parser.add_argument(
        "--status",
        choices=STATUS_CHOICES,
        help="one status, or the group 'active' or 'terminal'",
    )
    add_pairs_option(parser, "--metadata", "only runs with this metadata pair (repeatable)")
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=count,
        help="sandboxes the plan runs at once (default: the profile's concurrency)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def insights_filters(args: argparse.Namespace) -> RunFilters:
    return RunFilters.build(args.project, args.status, args.metadata)


async def run_insights(args: argparse.Namespace, client: CrowNestClient) -> int:
    """Print the window's figures as JSON; 0, or an error status."""
    window = Window.parse(args.window)
    now = time.time()
    cache = WindowCache(insights_filters(args))
    try:
        await cache.fill(client, window.span(now)[0])
        names = {p.id: safe_line(p.name) async for p in client.iter_projects()}
    except CrowNestError as err:
        return exitcodes.fail_api(err, "reading runs for insights")
    figures = summarize(cache.facts.values(), window, now, args.concurrency)
    document = {**figures.to_json(names), "fetched": cache.fetched}
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return exitcodes.OK
