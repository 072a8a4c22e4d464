"""Where the app keeps its files: the platform's folders, under the app's name."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import platformdirs

APP_NAME: Final = "crownest-tui"


def config_dir() -> Path:
    """Settings (``config.toml``)."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """What the app remembers between sessions (watch lists, the last new-run form)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def data_dir() -> Path:
    """Data the app owns (the persistent local backend)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def log_dir() -> Path:
    """The ``--debug`` log."""
    return Path(platformdirs.user_log_dir(APP_NAME))


def downloads_dir() -> Path:
    """The user's downloads folder (``XDG_DOWNLOAD_DIR``, else ``~/Downloads``)."""
    return Path(platformdirs.user_downloads_dir())


def for_people(path: Path) -> str:
    """The whole path, with the home folder written ``~`` (nothing else shortened)."""
    home = Path.home()
    if path == home:
        return "~"
    if path.is_relative_to(home):
        return str(Path("~") / path.relative_to(home))
    return str(path)
