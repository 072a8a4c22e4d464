"""Where the app's Textual CSS is: ``crownest_tui/styles/<name>.tcss``, always.

One resolution, the same in a checkout, an editable install and an installed wheel:
the stylesheets are package data next to the package's modules. They are kept in
the top-level ``styles/`` folder; ``crownest_tui/styles`` is a symlink to it, which the
build follows, so the sdist and the wheel carry the real files there (no
force-include, no second place to look). ``make wheel-check`` starts
the installed wheel to prove it.
"""

from __future__ import annotations

from pathlib import Path

#: ``crownest_tui/styles`` (in a checkout, the symlink to the top-level ``styles/``).
STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"


def stylesheet(name: str) -> Path:
    """The path of the stylesheet ``<name>.tcss``."""
    return STYLES_DIR / f"{name}.tcss"
