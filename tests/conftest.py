"""Shared fixtures: isolated config dirs and environment for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test sees the developer's real credential, config or data dirs."""
    home = tmp_path / "home"
    home.mkdir()
    for name in (
        "CROWNEST_API_URL",
        "CROWNEST_API_KEY",
        "CROWNEST_BEARER_TOKEN",
        "CROWNEST_CONFIG_PATH",
        "CROWNEST_TUI_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    yield home
