"""``crownest-tui open wsr_…``: a run that is not there is an error before the app starts.

Only a final answer stops it (not found: status 66, not allowed: 77, as ``logs``
says them); network trouble does not, since the detail screen says so and retries.
"""

from __future__ import annotations

import asyncio

from ..api.client import CrowNestClient
from ..api.credentials import Connection
from ..api.errors import CrowNestError
from ..api.http import is_retryable
from . import exitcodes

#: One quick try: a refused connection answers at once, a silent host in seconds.
CHECK_TIMEOUT = 5.0
CHECK_CONNECT_TIMEOUT = 3.0


async def check_run(client: CrowNestClient, run_id: str) -> int:
    """``exitcodes.OK`` when the run can be opened; else its error line is printed
    and its exit status returned."""
    try:
        await client.get_run(run_id)
    except CrowNestError as error:
        if is_retryable(error):
            return exitcodes.OK
        return exitcodes.fail_api(error, f"open {run_id}")
    return exitcodes.OK


def run_can_be_opened(connection: Connection, run_id: str) -> int:
    """:func:`check_run` with a client of its own, for ``cli.py`` (no event loop yet)."""

    async def check() -> int:
        async with CrowNestClient(
            connection=connection,
            max_attempts=1,
            timeout=CHECK_TIMEOUT,
            connect_timeout=CHECK_CONNECT_TIMEOUT,
        ) as client:
            return await check_run(client, run_id)

    return asyncio.run(check())
