"""How many runs are still active (what ``local status`` shows, and what quitting
``--demo`` would end)."""

from __future__ import annotations

import asyncio

from ..api.client import CrowNestClient
from ..api.models import RunStatus, is_terminal

ACTIVE_STATUSES: tuple[RunStatus, ...] = tuple(s for s in RunStatus if not is_terminal(s))


async def count_active_runs(client: CrowNestClient) -> int:
    """Every run whose status is not terminal; the API filters one status per query,
    so this asks once per active status, at once."""

    async def count(status: RunStatus) -> int:
        return sum([1 async for _ in client.iter_runs(status=status)])

    return sum(await asyncio.gather(*(count(status) for status in ACTIVE_STATUSES)))
