"""The app's folders follow the platform's conventions, under the app's name."""

from __future__ import annotations

from pathlib import Path

from crownest_tui.core import paths


def test_folders_are_the_xdg_ones_under_the_app_name(isolated_environment: Path) -> None:
    home = isolated_environment
    assert paths.config_dir() == home / ".config" / "crownest-tui"
    assert paths.state_dir() == home / ".local" / "state" / "crownest-tui"
    assert paths.data_dir() == home / ".local" / "share" / "crownest-tui"
    assert paths.log_dir() == home / ".local" / "state" / "crownest-tui" / "log"
