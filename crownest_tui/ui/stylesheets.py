"""Where the ``.tcss`` files are: inside the wheel, or the repo's ``styles/``."""

from __future__ import annotations

from pathlib import Path


def styles_dir() -> Path:
    """The installed ``crownest_tui/styles`` (wheel), else the repo's ``styles/``."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "styles"
    return installed if installed.is_dir() else package.parent / "styles"


def stylesheet(name: str) -> Path:
    """The path of ``styles/<name>.tcss``."""
    return styles_dir() / f"{name}.tcss"
