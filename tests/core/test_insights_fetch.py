"""The Insights runs: paged down to the window's start, then on a refresh only what is
new or may have changed (real HTTP against the local backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.core.insights_fetch import NEW_RUNS_FIRST_PAGE, WindowCache
from crownest_tui.local.process import LocalBackendProcess
from tests.ui.conftest import client_for, hook, new_suite

ENDED = 1200


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def seed(backend: LocalBackendProcess, suite: str) -> datetime:
    """``ENDED`` ended runs over the last two days, then one awaiting its archive."""
    now = datetime.now(UTC)
    runs: list[dict[str, Any]] = [
        {
            "status": "succeeded" if n % 5 else "failed",
            "createdAt": _iso(now - timedelta(days=2) + timedelta(minutes=2 * n)),
            "durationMs": 1000 + n,
            "metadata": {"suite": suite},
        }
        for n in range(ENDED)
    ]
    runs.append({"createdAt": _iso(now), "metadata": {"suite": suite}})
    hook(backend, "seed-runs", {"runs": runs})
    return now


async def test_a_refresh_fetches_only_new_and_changed_runs(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    now = seed(backend, suite)
    filters = RunFilters.build(metadata={"suite": suite})
    async with client_for(backend) as client:
        cache = WindowCache(filters)
        shares: list[float] = []
        await cache.fill(
            client, (now - timedelta(days=3)).timestamp(), lambda _n, s: shares.append(s)
        )
        assert len(cache.facts) == ENDED + 1
        assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == 3  # 3 pages
        first = cache.fetched
        waiting = next(i for i, f in cache.facts.items() if f.result == "active")

        await client.cancel_run(waiting)
        new = await client.create_run(command="true", metadata={"suite": suite})
        await cache.fill(client, (now - timedelta(days=3)).timestamp())
        again = cache.fetched - first
        assert again <= NEW_RUNS_FIRST_PAGE + 2  # the top page, the new run's status, one get
        assert len(cache.facts) == ENDED + 2
        assert cache.facts[waiting].status == "canceled"
        assert cache.facts[new.id].status == "awaiting_archive"


async def test_a_longer_window_pages_on_from_where_it_stopped(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    now = seed(backend, suite)
    filters = RunFilters.build(metadata={"suite": suite})
    async with client_for(backend) as client:
        cache = WindowCache(filters, page_size=100)
        await cache.fill(client, (now - timedelta(hours=1)).timestamp())
        assert 30 < len(cache.facts) <= 101 and not cache.exhausted
        short = cache.fetched
        await cache.fill(client, (now - timedelta(days=3)).timestamp())
        assert len(cache.facts) == ENDED + 1 and cache.exhausted
        # Each older page once: at most the new-run page and the status list on top.
        assert cache.fetched - short <= ENDED + 1 - len(range(short)) + NEW_RUNS_FIRST_PAGE + 2


async def test_filters_are_asked_of_the_server_and_groups_kept_here(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    now = seed(backend, suite)
    since = (now - timedelta(days=3)).timestamp()
    async with client_for(backend) as client:
        failed = WindowCache(RunFilters.build(status="failed", metadata={"suite": suite}))
        await failed.fill(client, since)
        assert len(failed.facts) == ENDED // 5
        assert {f.status for f in failed.facts.values()} == {"failed"}
        active = WindowCache(RunFilters.build(status="active", metadata={"suite": suite}))
        await active.fill(client, since)
        assert [f.status for f in active.facts.values()] == ["awaiting_archive"]
        assert failed.with_filters(failed.filters) is failed
        assert active.with_filters(failed.filters) is not active


async def test_nothing_in_the_window_is_an_empty_known_window(
    backend: LocalBackendProcess,
) -> None:
    filters = RunFilters.build(metadata={"suite": new_suite()})
    client: CrowNestClient
    async with client_for(backend) as client:
        cache = WindowCache(filters)
        await cache.fill(client, datetime.now(UTC).timestamp() - 3600)
        assert cache.facts == {} and cache.exhausted and cache.reached is not None
