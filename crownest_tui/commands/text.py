"""Untrusted text on its way to a terminal: inert, and where needed on one line.

Reuses the dashboard's sanitiser (:mod:`crownest_tui.text.sanitize`), which is
textual-free; ``tests/commands/test_imports.py`` keeps it that way for this package.
"""

from __future__ import annotations

import re

from ..text.sanitize import SPECIAL, plain_text, sanitize

_BREAKS = re.compile(r"(\r\n|\r|\n)")


def one_line(text: str) -> str:
    """``text`` as one line of plain text (escapes removed, line breaks as spaces)."""
    return " ".join(plain_text(part) for part in text.splitlines()).strip()


def inert(text: str) -> str:
    """``text`` safe for a terminal: only SGR escapes, line feeds and carriage returns.

    Unlike :func:`sanitize` (one line at a time, for a widget), carriage returns are
    kept: on a real terminal they only move the cursor, so progress bars still work.
    """
    if SPECIAL.search(text) is None:
        return text
    return "".join(
        part if _BREAKS.fullmatch(part) else sanitize(part) for part in _BREAKS.split(text)
    )


def needs_more(tail: str) -> bool:
    """Whether a partial line must wait for its end before it can be made inert
    (it holds an escape or control character that may continue in the next chunk)."""
    return SPECIAL.search(tail) is not None
