"""Hyperlinks (OSC 8) in drawn rows: the target under the mouse, or the one to open by key.

A link's target travels in its text's style meta (see
:data:`~crownest_tui.text.pen.LINK_META`), never as a terminal hyperlink, so no
escape of a run's reaches the real terminal; it is checked again before opening.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from textual.strip import Strip

from crownest_tui.text.pen import LINK_META
from crownest_tui.text.terminal_line import safe_link


def link_of(style: Style | None) -> str | None:
    """The safe link target a style carries, if any."""
    if style is None:
        return None
    target = style.meta.get(LINK_META)
    return safe_link(target) if isinstance(target, str) else None


def first_link(rows: Iterable[Strip]) -> str | None:
    """The first link target found in ``rows``, left to right, top to bottom."""
    for row in rows:
        for segment in row:
            target = link_of(segment.style)
            if target is not None:
                return target
    return None
