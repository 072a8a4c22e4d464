"""An API outage: the banner, the last good data kept, backoff retries, recovery."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
from textual.widgets import Static

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.error_details import ErrorDetailsScreen
from crownest_tui.ui.widgets.error_banner import ErrorBanner
from tests.faultproxy import FaultPlan, FaultProxy

from .conftest import RecordingApp, hook, new_suite, runs_screen, settle, shown_ids


async def test_outage_shows_banner_keeps_data_and_recovers(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    hook(backend, "bulk-runs", {"count": 5, "metadata": {"suite": suite}})
    port = urlsplit(backend.url).port
    assert port is not None
    async with FaultProxy(port, FaultPlan.calm()) as proxy:
        # One connection per request, so each request meets the proxy's current plan.
        fresh = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        client = CrowNestClient(
            api_key=backend.token, base_url=proxy.url, max_attempts=1, transport=fresh
        )
        filters = RunFilters.build(metadata={"suite": suite})
        app = RecordingApp(client, refresh_interval=0.2, filters=filters)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = runs_screen(app)
            banner = screen.query_one(ErrorBanner)
            good = list(shown_ids(app))
            assert len(good) == 5 and not banner.display
            await pilot.press("e")  # no error yet: says so, opens nothing
            assert not isinstance(app.screen, ErrorDetailsScreen)
            assert app.said("No error Nothing has failed")

            proxy.plan = FaultPlan(canned={"http_503": 1.0})
            for _ in range(100):
                await asyncio.sleep(0.05)
                if screen.schedule.failures >= 2:
                    break
            await pilot.pause()
            assert banner.display
            text = str(banner.render())
            assert "Try again later" in text and "showing data from" in text
            assert "retrying in" in text
            assert shown_ids(app) == good
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, ErrorDetailsScreen)
            await pilot.press("escape")

            proxy.plan = FaultPlan.calm()
            for _ in range(200):
                await asyncio.sleep(0.05)
                if screen.failure is None:
                    break
            await pilot.pause()
            assert not banner.display and screen.schedule.failures == 0
            assert shown_ids(app) == good
        await client.aclose()


async def test_first_load_failing_says_so(backend: LocalBackendProcess) -> None:
    client = CrowNestClient(api_key="cn_local_wrong", base_url=backend.url, max_attempts=1)
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        banner = runs_screen(app).query_one(ErrorBanner)
        assert banner.display
        assert "invalid_api_key" in str(banner.render()) or "not valid" in str(banner.render())
        assert "no data loaded yet" in str(banner.render())
    await client.aclose()


async def test_the_banner_and_the_details_name_the_origin_as_plain_text() -> None:
    # An IPv6 origin holds brackets: as markup they would vanish (or fail to parse).
    client = CrowNestClient(api_key="cn_local_x", base_url="http://[::1]:9", max_attempts=1)
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        banner = runs_screen(app).query_one(ErrorBanner)
        assert banner.display
        assert "Connection problem with http://[::1]:9: " in str(banner.render())
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ErrorDetailsScreen)
        body = app.screen.query_one("#body", Static)
        assert "Message: Connection problem with http://[::1]:9: " in str(body.render())
    await client.aclose()
