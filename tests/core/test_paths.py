"""The app's folders follow the platform's conventions, under the app's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from crownest_tui.core import paths


def test_folders_are_the_xdg_ones_under_the_app_name(isolated_environment: Path) -> None:
    home = isolated_environment
    assert paths.config_dir() == home / ".config" / "crownest-tui"
    assert paths.state_dir() == home / ".local" / "state" / "crownest-tui"
    assert paths.data_dir() == home / ".local" / "share" / "crownest-tui"
    assert paths.log_dir() == home / ".local" / "state" / "crownest-tui" / "log"


def test_downloads_is_the_users_downloads_folder(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert paths.downloads_dir() == isolated_environment / "Downloads"
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(isolated_environment / "dl"))
    assert paths.downloads_dir() == isolated_environment / "dl"


def test_paths_for_people_keep_every_part_but_home(isolated_environment: Path) -> None:
    deep = isolated_environment / "a" / "b [x]" / "wsr_0123456789abcdef01234567-20261201.log"
    assert paths.for_people(deep) == "~/a/b [x]/wsr_0123456789abcdef01234567-20261201.log"
    assert paths.for_people(isolated_environment) == "~"
    assert paths.for_people(Path("/srv/logs/x.log")) == "/srv/logs/x.log"
