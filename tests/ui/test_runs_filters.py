"""Filters on the runs list show exactly what the API returns for the same query."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Select

from crownest_tui.core.filters import STATUS_GROUPS, RunFilters
from crownest_tui.local.process import LocalBackendProcess

from .conftest import (
    RecordingApp,
    api_ids,
    client_for,
    hook,
    new_suite,
    runs_screen,
    settle,
    shown_ids,
)


def _seed(backend: LocalBackendProcess, suite: str) -> str:
    project = hook(backend, "projects", {"name": f"proj-{suite}"})["project"]["id"]
    for count, status, color, in_project in (
        (7, "succeeded", "red", True),
        (5, "failed", "blue", False),
        (4, "running", "blue", True),
        (3, "starting", "red", False),
    ):
        body = {"count": count, "status": status, "metadata": {"suite": suite, "color": color}}
        if in_project:
            body["projectId"] = project
        hook(backend, "bulk-runs", body)
    return str(project)


async def test_each_filter_and_combinations_match_the_api(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    project = _seed(backend, suite)
    client = client_for(backend)
    app = RecordingApp(
        client, refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
    )
    cases = [
        RunFilters.build(metadata={"suite": suite}),
        RunFilters.build(project, metadata={"suite": suite}),
        RunFilters.build(status="failed", metadata={"suite": suite}),
        RunFilters.build(metadata={"suite": suite, "color": "blue"}),
        RunFilters.build(project, "running", {"suite": suite, "color": "blue"}),
        RunFilters.build(project, "failed", {"suite": suite, "color": "red"}),
    ]
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for filters in cases:
            app.runs_screen.set_filters(filters)  # type: ignore[union-attr]
            await settle(pilot)
            expected = await api_ids(
                client,
                project_id=filters.project_id,
                status=filters.status,
                metadata=filters.metadata_dict,
            )
            assert shown_ids(app) == expected, filters.describe()
        assert len(shown_ids(app)) == 0  # the last case matches nothing
    await client.aclose()


async def test_status_groups_keep_only_their_statuses(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    _seed(backend, suite)
    client = client_for(backend)
    everything = [run async for run in client.iter_runs(metadata={"suite": suite})]
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(160, 50)) as pilot:
        for group, statuses in STATUS_GROUPS.items():
            app.runs_screen.set_filters(  # type: ignore[union-attr]
                RunFilters.build(status=group, metadata={"suite": suite})
            )
            await settle(pilot)
            assert shown_ids(app) == [r.id for r in everything if r.status in statuses]
    await client.aclose()


async def test_filter_bar_typed_by_a_person(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    project = _seed(backend, suite)
    client = client_for(backend)
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.runs_screen
        assert screen is not None
        metadata = screen.query_one("#metadata", Input)
        metadata.focus()
        metadata.value = f"suite={suite}"
        await pilot.press("enter")
        await pilot.press(*"color=blue", "enter")
        await settle(pilot)
        project_input = screen.query_one("#project", Input)
        project_input.focus()
        project_input.value = f"proj-{suite}"
        await pilot.press("enter")
        await settle(pilot)
        screen.query_one("#status", Select).value = "running"
        await settle(pilot)
        assert screen.filters == RunFilters.build(
            project, "running", {"suite": suite, "color": "blue"}
        )
        expected = await api_ids(
            client, project_id=project, status="running", metadata={"suite": suite, "color": "blue"}
        )
        assert shown_ids(app) == expected and len(expected) == 4
        # A bad pair is refused with a message, never a crash.
        screen.query_one("#metadata", Input).focus()
        await pilot.press(*"nonsense", "enter")
        await pilot.press("escape", "x")
        await settle(pilot)
        assert app.said("key=value")
        assert screen.filters == RunFilters()
    await client.aclose()


async def test_a_quick_filter_typed_in_one_burst_reaches_the_filter(
    backend: LocalBackendProcess,
) -> None:
    """``/`` and the text queued before either runs (a paste, tmux): no key is left to
    the table's own bindings (``r`` would refresh, ``c`` cancel)."""
    suite = new_suite()
    hook(backend, "bulk-runs", {"count": 12, "metadata": {"suite": suite}})
    client = client_for(backend)
    app = RecordingApp(
        client, refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        keys = [("slash", "/"), *(("space" if c == " " else c, c) for c in "bulk 3")]
        for key, character in keys:
            app.post_message(events.Key(key, character))  # all queued before any runs
        await pilot.pause()
        await pilot.pause()
        assert runs_screen(app).query_one("#quick", Input).value == "bulk 3"
        runs = [run async for run in client.iter_runs(metadata={"suite": suite})]
        assert shown_ids(app) == [r.id for r in runs if "bulk 3" in r.command]
        await pilot.press("slash")  # a slash inside the filter is part of its text
        assert runs_screen(app).query_one("#quick", Input).value == "bulk 3/"
    await client.aclose()


async def test_quick_filter_narrows_as_you_type(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    hook(backend, "bulk-runs", {"count": 40, "metadata": {"suite": suite}})
    client = client_for(backend)
    app = RecordingApp(
        client, refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert len(shown_ids(app)) == 40
        await pilot.press("slash", *"bulk 3")
        await pilot.pause()
        runs = [run async for run in client.iter_runs(metadata={"suite": suite})]
        assert shown_ids(app) == [r.id for r in runs if "bulk 3" in r.command]
        assert runs_screen(app).table.selected_id == shown_ids(app)[0]
        await pilot.press("escape")
        await pilot.pause()
        assert len(shown_ids(app)) == 40
    await client.aclose()
