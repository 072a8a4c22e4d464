"""Profiles in the running app: switching from the palette between two real local
backends, the welcome screen for a profile without a credential, and theme choices
written back to config.toml with the user's comments intact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot

from crownest_tui.config import load_settings
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.profiles import ProfileSwitcher
from crownest_tui.ui.messages import OpenRun
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.screens.welcome import WelcomeScreen
from tests.conftest import BackendFactory

from .conftest import RecordingApp, context_line, runs_screen, settle, shown_ids, suite_runs
from .palette import run_command

CONFIG = """\
# Team settings: this comment must survive every rewrite.
default_profile = "alpha"

[ui]
refresh = 0   # manual: tests decide when to refresh

[profiles.alpha]
api_url = "{a_url}"
api_key_env = "ALPHA_KEY"
metadata = {{ suite = "{suite_a}" }}
theme = "crownest"

[profiles.beta]  # the other backend
api_url = "{b_url}"
api_key_file = "{b_key}"
metadata = {{ suite = "{suite_b}" }}
theme = "crownest-light"  # light for the day
read_only = true
bell = true

[profiles.beta.keys]
"runs.clear_filters" = "f6"

[profiles.nokey]
api_url = "{a_url}"

[profiles.leaky]
api_url = "{a_url}"
api_key_file = "{leaky_key}"
"""


@dataclass
class World:
    path: Path
    a: LocalBackendProcess
    b: LocalBackendProcess


@pytest.fixture
def world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: LocalBackendProcess,
    make_backend: BackendFactory,
) -> World:
    other = make_backend()
    a_filters, b_filters = suite_runs(backend, 3), suite_runs(other, 2)
    b_key = tmp_path / "beta.key"
    b_key.write_text(other.token + "\n")
    b_key.chmod(0o600)
    leaky = tmp_path / "leaky.key"
    leaky.write_text("cn_test_leaky\n")
    leaky.chmod(0o644)
    path = tmp_path / "config.toml"
    path.write_text(
        CONFIG.format(
            a_url=backend.url,
            b_url=other.url,
            suite_a=dict(a_filters.metadata)["suite"],
            suite_b=dict(b_filters.metadata)["suite"],
            b_key=b_key,
            leaky_key=leaky,
        )
    )
    path.chmod(0o640)
    monkeypatch.setenv("ALPHA_KEY", backend.token)
    return World(path, backend, other)


def start(path: Path, profile: str | None = None) -> RecordingApp:
    """The app as ``crownest-tui [--profile NAME]`` builds it (cli._run_dashboard)."""
    settings = load_settings(path)
    switcher = ProfileSwitcher(settings, path)
    name = profile or settings.default_profile
    client, view = switcher.open(name)
    return RecordingApp(
        client,
        filters=view.filters,
        refresh_interval=view.refresh_interval,
        read_only=view.read_only,
        page_size=view.page_size,
        theme=view.theme,
        keymap=view.keymap,
        bell=view.bell,
        profiles=switcher,
        profile=name,
    )


async def switch(pilot: Pilot[None], name: str) -> None:
    await run_command(pilot, f"profile {name}", f"Profile: {name}")
    await settle(pilot)


async def test_palette_switches_between_two_backends(world: World) -> None:
    app = start(world.path)
    before = world.path.read_bytes()
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        alpha_ids = shown_ids(app)
        assert len(alpha_ids) == 3
        assert app.sub_title == "Workspace Runs · alpha" and app.theme == "crownest"
        old = app.client
        app.post_message(OpenRun(alpha_ids[0]))
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)

        await switch(pilot, "beta")

        # A new client for the other backend; the old one is closed; screens reset.
        assert app.client is not old and old.http.is_closed
        assert app.client.base_url == world.b.url
        assert [type(s) for s in app.screen_stack[1:]] == [RunsScreen]
        beta_ids = shown_ids(app)
        assert len(beta_ids) == 2 and not set(beta_ids) & set(alpha_ids)
        # The profile's options: theme, read-only, bell, keymap, title.
        assert app.theme == "crownest-light"
        assert app.read_only and runs_screen(app).options.read_only and app.bell_on_end
        assert app.sub_title == "Workspace Runs · beta (read-only)"
        port = world.b.url.rsplit(":", 1)[1]
        assert app.said(f"Profile beta · http://127.0.0.1:{port}")
        assert not any(world.b.token in f"{t} {m}" for t, m in app.notes)
        await pilot.press("f6")  # beta's keymap: clear filters
        await settle(pilot)
        assert runs_screen(app).filters.is_empty

        await switch(pilot, "alpha")
        assert app.client.base_url == world.a.url and shown_ids(app) == alpha_ids
        assert app.theme == "crownest" and not app.read_only
    # A profile's own theme is applied, never written back.
    assert world.path.read_bytes() == before


async def test_the_context_line_follows_a_profile_switch(world: World) -> None:
    app = start(world.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert context_line(app) == f"profile alpha · {world.a.url}"
        await switch(pilot, "beta")
        assert context_line(app) == f"profile beta · {world.b.url} · read-only"
        await switch(pilot, "nokey")  # the welcome screen has it too
        assert isinstance(app.screen, WelcomeScreen)
        assert context_line(app) == f"profile nokey · {world.a.url}"


async def test_a_switch_reports_unknown_binding_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: LocalBackendProcess
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[ui]\nrefresh = 0\n\n[profiles.one]\napi_url = "{backend.url}"\n'
        f'api_key_env = "ONE_KEY"\n\n[profiles.two]\napi_url = "{backend.url}"\n'
        'api_key_env = "ONE_KEY"\n\n[profiles.two.keys]\n"runs.clear_filter" = "f6"\n'
    )
    monkeypatch.setenv("ONE_KEY", backend.token)
    app = start(path, "one")
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        assert not app.said("unknown binding id")
        await switch(pilot, "two")
        assert app.said(
            "unknown binding id 'runs.clear_filter' (ignored; did you mean 'runs.clear_filters'?)"
        )


async def test_bad_and_keyless_profiles(world: World) -> None:
    app = start(world.path)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        client = app.client

        await switch(pilot, "leaky")
        assert app.said("Profile not switched") and app.said("permissions 0644")
        assert app.client is client and not client.http.is_closed
        assert app.profile_name == "alpha" and isinstance(app.screen, RunsScreen)

        await switch(pilot, "nokey")  # no credential anywhere: the welcome screen
        assert isinstance(app.screen, WelcomeScreen)
        assert app.sub_title == "Workspace Runs · nokey"

        await switch(pilot, "alpha")  # the palette works from the welcome screen too
        assert isinstance(app.screen, RunsScreen) and len(shown_ids(app)) == 3


async def test_theme_from_the_palette_is_saved_in_the_profile(world: World) -> None:
    app = start(world.path)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await run_command(pilot, "theme crownest-light", "Theme: crownest-light")
        await settle(pilot)
        assert app.theme == "crownest-light"
        assert app.said("Theme crownest-light saved to profile alpha")

        await switch(pilot, "beta")
        await switch(pilot, "alpha")  # remembered in memory too
        assert app.theme == "crownest-light"

    text = world.path.read_text()
    assert text.startswith("# Team settings: this comment must survive every rewrite.\n")
    assert "refresh = 0   # manual: tests decide when to refresh" in text
    assert "[profiles.beta]  # the other backend" in text
    assert 'theme = "crownest-light"  # light for the day' in text
    alpha = text.split("[profiles.alpha]", 1)[1].split("[profiles.beta]", 1)[0]
    assert 'theme = "crownest-light"' in alpha and 'theme = "crownest"\n' not in alpha
    assert world.path.stat().st_mode & 0o777 == 0o640
    assert load_settings(world.path).profiles["alpha"].theme == "crownest-light"
    assert not list(world.path.parent.glob(".config.toml.*"))  # no temp file left


async def test_theme_without_profiles_goes_to_ui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: LocalBackendProcess
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[api]\nurl = "{backend.url}"  # local\n\n[ui]\nrefresh = 0\n')
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    app = start(path)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title == "Workspace Runs"
        await run_command(pilot, "theme textual-light", "Theme: textual-light")
        await settle(pilot)
    assert app.said("saved to [ui]")
    assert path.read_text() == (
        f'[api]\nurl = "{backend.url}"  # local\n\n[ui]\nrefresh = 0\ntheme = "textual-light"\n'
    )


async def test_unwritable_config_is_a_notice_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, backend: LocalBackendProcess
) -> None:
    # /proc refuses new files even to root: the write fails for real.
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    monkeypatch.setenv("CROWNEST_API_URL", backend.url)
    app = start(Path("/proc/self/crownest-tui.toml"))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await run_command(pilot, "theme textual-light", "Theme: textual-light")
        await settle(pilot)
        assert app.theme == "textual-light" and app.said("Theme not saved")
        await pilot.press("r")  # the app keeps working
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
