"""Untrusted text on its way to a terminal: inert, and where needed on one line.

Reuses the dashboard's sanitiser (:mod:`crownest_tui.text.sanitize`), which is
textual-free; ``tests/commands/test_imports.py`` keeps it that way for this package.
"""

from __future__ import annotations

import re

from ..text.sanitize import SPECIAL, plain_text, sanitize

#: What a run may use to redraw its own current line: line breaks, carriage returns
#: and erase-in-line (``CSI K``, ``CSI 0 K``, ``CSI 1 K``, ``CSI 2 K``). None of them
#: reaches beyond that line, so they are kept for a terminal, as progress bars need.
_LINE_EDITS = re.compile(r"(\r\n|\r|\n|\x1b\[[012]?K)")
_ERASE_IN_LINE = re.compile(r"\x1b\[[012]?K")


def one_line(text: str) -> str:
    """``text`` as one line of plain text (escapes removed, line breaks as spaces)."""
    return " ".join(plain_text(part) for part in text.splitlines()).strip()


def inert(text: str) -> str:
    """``text`` safe for a terminal: only SGR escapes and the line edits above.

    Unlike :func:`sanitize` (one line at a time, for a widget, which keeps what follows
    the last carriage return), a terminal is left to do the line editing itself, so
    ``50%\r\x1b[Kdone`` shows ``done``, as it would if the run wrote to it directly.
    """
    if SPECIAL.search(text) is None:
        return text
    return "".join(
        part if _LINE_EDITS.fullmatch(part) else sanitize(part) for part in _LINE_EDITS.split(text)
    )


def split_after_last_edit(text: str) -> tuple[str, str]:
    """``text`` cut after its last line edit: (ready to write, the partial rest)."""
    cut = max(text.rfind("\n"), text.rfind("\r")) + 1
    for match in _ERASE_IN_LINE.finditer(text, cut):
        cut = match.end()
    return text[:cut], text[cut:]


def needs_more(tail: str) -> bool:
    """Whether a partial line must wait for its end before it can be made inert
    (it holds an escape or control character that may continue in the next chunk)."""
    return SPECIAL.search(tail) is not None
