"""The pen a terminal writes with: colours, attributes and hyperlink, as SGR sets them.

A :class:`Pen` is immutable and hashable, so a log can keep the pen in force at a
few checkpoints (not per line) and a line's rendering can start from any of them.
:func:`apply_sgr` reads the parameters of one ``ESC[…m`` in both the semicolon
(``38;5;n``, ``38;2;r;g;b``) and the ITU colon forms (``38:5:n``, ``38:2::r:g:b``,
``38:2:r:g:b``); ``58`` (underline colour, which Rich cannot draw) is read and
dropped without disturbing the rest of the sequence. Unknown codes are ignored.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from typing import NamedTuple

from rich.color import Color
from rich.style import Style

BOLD, DIM, ITALIC, UNDERLINE, BLINK, REVERSE, CONCEAL, STRIKE, UNDERLINE2, OVERLINE = (
    1 << bit for bit in range(10)
)
_SET = {
    1: BOLD,
    2: DIM,
    3: ITALIC,
    4: UNDERLINE,
    5: BLINK,
    6: BLINK,
    7: REVERSE,
    8: CONCEAL,
    9: STRIKE,
    21: UNDERLINE2,
    53: OVERLINE,
}
_CLEAR = {
    22: BOLD | DIM,
    23: ITALIC,
    24: UNDERLINE | UNDERLINE2,
    25: BLINK,
    27: REVERSE,
    28: CONCEAL,
    29: STRIKE,
    55: OVERLINE,
}
LINK_META = "link_url"
"""Style meta key holding a line's hyperlink target (never emitted to the terminal)."""

Colour = int | tuple[int, int, int] | None
"""An xterm palette index (0-255), a truecolour triple, or the default."""


class Pen(NamedTuple):
    """What the next character is drawn with (a tuple: hashed and compared in C, as
    every escape of a log is folded into one at ingest)."""

    fg: Colour = None
    bg: Colour = None
    flags: int = 0
    link: str | None = None
    """An OSC 8 target already checked safe to open (see :mod:`.terminal_line`)."""


PLAIN = Pen()


def _colour(parts: list[str], at: int, colon: bool) -> tuple[Colour | bool, int]:
    """An extended colour (after 38/48/58) from ``parts[at:]``: (colour, parts used).

    Returns ``False`` as the colour when the parameters are malformed.
    """
    if at >= len(parts):
        return False, 0
    kind = parts[at]
    try:
        if kind == "5":
            index = int(parts[at + 1])
            return (index if 0 <= index <= 255 else False), 2
        if kind == "2":
            rest = parts[at + 1 :]
            # Colon form may carry a colour-space id: 38:2:<id>:r:g:b (often empty).
            if colon and len(rest) >= 4:
                rest = rest[1:]
            r, g, b = (int(value or 0) for value in rest[:3])
            used = 1 + (len(parts[at + 1 :]) if colon else 3)
            if all(0 <= value <= 255 for value in (r, g, b)):
                return (r, g, b), used
            return False, used
    except (IndexError, ValueError):
        return False, len(parts) - at
    return False, 1


class _Keep(Enum):
    """A colour the sequence leaves as it was."""

    KEEP = 0


KEEP = _Keep.KEEP
_ALL_FLAGS = (OVERLINE << 1) - 1
_Effect = tuple[Colour | _Keep, Colour | _Keep, int, int]


_TRANSITIONS: dict[tuple[Pen, str], Pen] = {}
"""Pens after a sequence, by pen and sequence (a log repeats both)."""
_TRANSITIONS_KEPT = 8192


def apply_sgr(pen: Pen, params: str) -> Pen:
    """The pen after ``ESC[<params>m`` (an empty ``params`` resets)."""
    key = (pen, params)
    found = _TRANSITIONS.get(key)
    if found is not None:
        return found
    fg, bg, set_flags, clear_flags = _effect(params)
    new = Pen(
        pen.fg if fg is KEEP else fg,
        pen.bg if bg is KEEP else bg,
        (pen.flags & ~clear_flags) | set_flags,
        pen.link,
    )
    if len(_TRANSITIONS) >= _TRANSITIONS_KEPT:
        _TRANSITIONS.clear()
    found = _TRANSITIONS[key] = pen if new == pen else new
    return found


@lru_cache(maxsize=4096)
def _effect(params: str) -> _Effect:
    """What a sequence does to any pen: (fg, bg, flags it sets, flags it clears).

    Attributes are only ever set or cleared, so running the sequence on no flags and
    on all of them tells both apart; colours start as :data:`KEEP`.
    """
    fg, bg, set_flags = _parse(params, KEEP, KEEP, 0)
    _fg, _bg, kept = _parse(params, KEEP, KEEP, _ALL_FLAGS)
    return fg, bg, set_flags, _ALL_FLAGS & ~kept


def _parse(
    params: str, fg: Colour | _Keep, bg: Colour | _Keep, flags: int
) -> tuple[Colour | _Keep, Colour | _Keep, int]:
    """Run the parameters of one SGR over a pen's colours and flags."""
    groups = params.split(";")
    index = 0
    while index < len(groups):
        group = groups[index]
        index += 1
        if ":" in group:  # one self-contained parameter with sub-parameters
            parts = group.split(":")
            head = parts[0]
            if head in ("38", "48", "58"):
                colour, _used = _colour(parts, 1, colon=True)
                if colour is not False and head != "58":
                    if head == "38":
                        fg = colour
                    else:
                        bg = colour
            elif head == "4":  # 4:0 no underline, 4:1 single, 4:2 double, 4:3.. styled
                style = parts[1] if len(parts) > 1 else "1"
                flags &= ~(UNDERLINE | UNDERLINE2)
                if style == "2":
                    flags |= UNDERLINE2
                elif style not in ("", "0"):
                    flags |= UNDERLINE
            continue
        try:
            code = int(group) if group else 0
        except ValueError:
            continue
        if code == 0:
            fg, bg, flags = None, None, 0
        elif code in _SET:
            flags |= _SET[code]
        elif code in _CLEAR:
            flags &= ~_CLEAR[code]
        elif 30 <= code <= 37:
            fg = code - 30
        elif 90 <= code <= 97:
            fg = code - 90 + 8
        elif 40 <= code <= 47:
            bg = code - 40
        elif 100 <= code <= 107:
            bg = code - 100 + 8
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48, 58):
            colour, used = _colour(groups, index, colon=False)
            index += used
            if colour is not False and code != 58:
                if code == 38:
                    fg = colour
                else:
                    bg = colour
    return fg, bg, flags


def with_link(pen: Pen, link: str | None) -> Pen:
    """The pen with its hyperlink set (or ended, ``None``)."""
    return pen if pen.link == link else pen._replace(link=link)


def _rich_colour(colour: Colour) -> Color | None:
    if colour is None:
        return None
    if isinstance(colour, int):
        return Color.from_ansi(colour)
    return Color.from_rgb(*colour)


@lru_cache(maxsize=4096)
def pen_style(pen: Pen) -> Style:
    """The Rich style of text drawn with ``pen`` (a link becomes meta, not OSC 8)."""
    flags = pen.flags
    style = Style(
        color=_rich_colour(pen.fg),
        bgcolor=_rich_colour(pen.bg),
        bold=bool(flags & BOLD) or None,
        dim=bool(flags & DIM) or None,
        italic=bool(flags & ITALIC) or None,
        underline=bool(flags & UNDERLINE) or None,
        blink=bool(flags & BLINK) or None,
        reverse=bool(flags & REVERSE) or None,
        conceal=bool(flags & CONCEAL) or None,
        strike=bool(flags & STRIKE) or None,
        underline2=bool(flags & UNDERLINE2) or None,
        overline=bool(flags & OVERLINE) or None,
    )
    if pen.link is not None:
        style += Style(underline=True) + Style.from_meta({LINK_META: pen.link})
    return style
