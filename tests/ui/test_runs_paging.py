"""Paging with the API cursor, and refreshes that keep the selection in place."""

from __future__ import annotations

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.widgets.list_status import ListStatus

from .conftest import api_ids, hook, runs_screen, settle, shown_ids, suite_app


async def test_pages_load_as_the_cursor_nears_the_end(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 130, page_size=50)
    client, filters = app.client, app.options.filters
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        assert len(shown_ids(app)) == 50 and screen.run_list.has_more
        assert "more available" in str(screen.query_one(ListStatus).render())
        await pilot.press("end")
        await settle(pilot)
        assert len(shown_ids(app)) == 100
        table = runs_screen(app).table
        table.scroll_to(y=table.max_scroll_y, animate=False, immediate=True)  # the wheel
        await settle(pilot)
        assert shown_ids(app) == await api_ids(client, metadata=filters.metadata_dict)
        assert not screen.run_list.has_more
        assert "all loaded" in str(screen.query_one(ListStatus).render())
    await client.aclose()


async def test_refresh_keeps_the_selected_run(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 60, page_size=50)
    client, filters = app.client, app.options.filters
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        await pilot.press(*["down"] * 12)
        chosen = table.selected_id
        assert chosen == shown_ids(app)[12]
        hook(
            backend,
            "bulk-runs",
            {"count": 3, "status": "running", "metadata": filters.metadata_dict},
        )
        await pilot.press("r")
        await settle(pilot)
        assert table.selected_id == chosen
        assert table.cursor_row == 15
        assert shown_ids(app)[:50] == (await api_ids(client, metadata=filters.metadata_dict))[:50]
        # A refresh with nothing new changes nothing.
        before = list(shown_ids(app))
        await pilot.press("r")
        await settle(pilot)
        assert shown_ids(app) == before and table.selected_id == chosen
    await client.aclose()
