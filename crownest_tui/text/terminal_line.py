"""One line of untrusted output as a terminal would show it: runs of text and pens.

What is emulated, within the line: SGR (:mod:`.pen`), OSC 8 hyperlinks to http,
https and file URLs, ``\\r`` (back to the first column), backspace, tabs (to the next
multiple of :data:`TAB_SIZE` cells), ``ESC[n C/D/G`` (cursor right, left, to a
column) and erase in line ``ESC[K`` / ``ESC[1K`` / ``ESC[2K``. Text overwrites what
is under the cursor, cell by cell, measured as Rich measures it (wide characters
take two cells, combining marks and ZWJ sequences stay with their base).

Everything else is inert, exactly as :mod:`.sanitize` makes it: other OSC strings
(and DCS, SOS, PM, APC), other CSI and ESC sequences, C0 and C1 controls, lone
surrogates and bidi overrides are dropped. A move to another row (``ESC[A``,
``ESC[H``…) cannot be shown in a one-line view: the text after it is written after
what the line holds so far (as :mod:`.sanitize` does), where erasing cannot reach
back into it. No escape ever appears in the result.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size, split_graphemes
from rich.text import Text

from .pen import PLAIN, Pen, apply_sgr, pen_style, with_link
from .sanitize import TAB_SIZE

LINK_SCHEMES = frozenset({"http", "https", "file"})
MAX_CELLS = 20_000
"""Cells of one line emulated (more than the log shows); text beyond is dropped."""
MAX_PEN_ESCAPES = 10_000
"""Escapes of one line that count for the pen it leaves (a flood's last ones)."""
MAX_ROWS = 64
"""Rows a line may move to (see above) before the rest is kept in the last one."""
_CHARS_PER_CELL = 8
"""Characters looked at per cell left (marks and ZWJ sequences take several)."""
LINK_LIMIT = 2048
"""Longest hyperlink target accepted (longer ones are inert)."""

_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
_CONTROLS = r"\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

_OTHER_CONTROLS = _CONTROLS.replace(r"\x00-\x1f", r"\x00-\x07\x0a-\x0c\x0e-\x1f")

_PEN_TOKENS = re.compile(
    r"\x1b\[([0-9;:]*)m"  # 1: SGR parameters
    r"|\x1b\]8;[^;\x07\x1b\x9c\n]*;([^\x07\x1b\x9c\n]*)(?:\x07|\x1b\\|\x9c|$)"  # 2: OSC 8
    rf"|{_STRING}"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?",
    re.MULTILINE,
)
"""The escapes of a line, as :mod:`.sanitize` splits them (only the first two matter
to the pen); of several lines too, each string ending with its line at the latest."""
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
_C1_OPENERS = ("\x90", "\x98", "\x9d", "\x9e", "\x9f")
"""C1 forms of the string openers (DCS, SOS, OSC, PM, APC)."""
_ESCAPE_START = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
"""Where one of :data:`_PEN_TOKENS` may start (found far faster than the tokens)."""

_TOKENS = re.compile(
    r"\x1b\[([0-9;:]*)m"  # 1: SGR parameters
    r"|\x1b\]8;[^;\x07\x1b\x9c]*;([^\x07\x1b\x9c]*)(?:\x07|\x1b\\|\x9c|$)"  # 2: OSC 8 target
    r"|\x1b\[([0-2]?)K"  # 3: erase in line
    r"|\x1b\[([0-9]*)([CDG])"  # 4, 5: cursor right, left, to a column
    r"|(\x1b\[[0-9;]*[ABEFHdf])"  # 6: moves to another row
    rf"|{_STRING}"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
    r"|(\r+|\x08+|\t+)"  # 7: carriage returns, backspaces, tabs
    rf"|[{_OTHER_CONTROLS}]+"
    rf"|([^{_CONTROLS}]+)",  # 8: printable text
    re.DOTALL,
)

NEEDS_WORK = re.compile(rf"[{_CONTROLS}]")
"""Matches when a line is more than plain text."""
_MOVES_BACK = re.compile(r"[\r\b]|\x1b\[[0-2]?K|\x1b\[[0-9]*[DG]")
"""When a line has none of these, text only ever appends (the fast path)."""

Run = tuple[str, Pen]


def safe_link(target: str) -> str | None:
    """``target`` when it is an http(s) or file URL fit to open, else ``None``."""
    if not target or len(target) > LINK_LIMIT or NEEDS_WORK.search(target) or " " in target:
        return None
    scheme, colon, rest = target.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in LINK_SCHEMES:
        return None
    if scheme != "file" and (not rest.startswith("//") or rest[2:3] in ("", "/", "?", "#")):
        return None  # http(s) needs a host
    return target


def pen_after(pen: Pen, raw: str, start: int = 0, end: int | None = None) -> Pen:
    """The pen in force after ``raw[start:end]`` is written: one line, or several
    (``\\n``-separated). Cheap when it holds no escape: it is run over every line
    that has one as the log is spooled."""
    if "\x1b" not in raw:
        return pen
    end = len(raw) if end is None else end
    if raw.count("\x1b", start, end) > MAX_PEN_ESCAPES:
        return _pen_after_flood(pen, raw, start, end)
    return _pen_after_escapes(pen, raw, start, end)


def _pen_after_flood(pen: Pen, raw: str, start: int, end: int) -> Pen:
    """:func:`pen_after` line by line, each line's last :data:`MAX_PEN_ESCAPES`
    escapes only: a flood costs what a real line of colours does."""
    while start <= end:
        stop = raw.find("\n", start, end)
        stop = end if stop < 0 else stop
        first = start
        if raw.count("\x1b", start, stop) > MAX_PEN_ESCAPES:
            first = stop
            for _ in range(MAX_PEN_ESCAPES):
                first = raw.rfind("\x1b", start, first)
        pen = _pen_after_escapes(pen, raw, first, stop)
        start = stop + 1
    return pen


def _pen_after_escapes(pen: Pen, raw: str, start: int, end: int) -> Pen:
    if not raw.isascii() and any(opener in raw for opener in _C1_OPENERS):
        return _pen_after_tokens(pen, raw, start, end)
    find, sgr = raw.find, _SGR.match
    at = find("\x1b", start, end)
    while at >= 0:
        kind = raw[at + 1 : at + 2]
        if kind == "[" and (match := sgr(raw, at, end)) is not None:
            pen = apply_sgr(pen, match.group(1))
            at = match.end() - 1
        elif kind and kind in "]PX^_":  # a string: it may hide escapes, or be a link
            return _pen_after_tokens(pen, raw, at, end)
        at = find("\x1b", at + 1, end)
    return pen


def _pen_after_tokens(pen: Pen, raw: str, start: int, end: int) -> Pen:
    """:func:`pen_after` token by token, as the renderer splits them."""
    find, token = _ESCAPE_START.search, _PEN_TOKENS.match
    while (found := find(raw, start, end)) is not None:
        match = token(raw, found.start(), end)
        if match is None:  # cannot happen: a lone ESC or C1 byte is a token too
            break
        start = match.end()
        params, target = match.group(1, 2)
        if params is not None:
            pen = apply_sgr(pen, params)
        elif target is not None:
            pen = with_link(pen, safe_link(target))
    return pen


def _is_regional_indicator(character: str) -> bool:
    return "\U0001f1e6" <= character <= "\U0001f1ff"


def _graphemes(text: str) -> list[tuple[str, int]]:
    """``text`` as (grapheme, cells), as Rich splits it, but a flag (two regional
    indicators, which Rich measures one cell each) kept as one."""
    spans, _width = split_graphemes(text)
    found: list[tuple[str, int]] = []
    pairing = False
    for start, end, width in spans:
        grapheme = text[start:end]
        if pairing and _is_regional_indicator(grapheme[0]):
            found[-1] = (found[-1][0] + grapheme, found[-1][1] + width)
            pairing = False
            continue
        pairing = _is_regional_indicator(grapheme[0])
        found.append((grapheme, width))
    return found


class _Row:
    """Cells of one row: each a grapheme (``""`` right of a wide one) and its pen."""

    __slots__ = ("cells", "column", "pens")

    def __init__(self) -> None:
        self.cells: list[str] = []
        self.pens: list[Pen | None] = []  # None: blank (never written, or erased)
        self.column = 0

    def _blank_to(self, end: int) -> None:
        missing = end - len(self.cells)
        if missing > 0:
            self.cells.extend(" " * missing)
            self.pens.extend([None] * missing)

    def _clear_half(self, at: int) -> None:
        """Blank what is left of a wide character that is partly overwritten."""
        cells = self.cells
        if 0 <= at < len(cells) and cells[at] == "":  # the right half: blank the left
            cells[at - 1], self.pens[at - 1] = " ", None
        if 0 <= at < len(cells) - 1 and cells[at + 1] == "":
            cells[at + 1], self.pens[at + 1] = " ", None

    def write(self, text: str, pen: Pen) -> None:
        cells, pens = self.cells, self.pens
        room = MAX_CELLS - self.column
        if room <= 0:
            return
        piece = text[:room]  # ASCII: a cell a character
        if piece.isascii():
            self._write_narrow(piece, pen)
            return
        piece = text[: room * _CHARS_PER_CELL]
        for grapheme, width in _graphemes(piece):
            column = self.column
            if column + width > MAX_CELLS:
                return
            if width == 0:  # a mark with no base of its own joins the cell before
                if column > 0 and column <= len(cells):
                    base = column - 1 if cells[column - 1] else column - 2
                    cells[base] += grapheme
                continue
            self._blank_to(column + width)
            self._clear_half(column)
            if width == 2:
                self._clear_half(column + 1)
            cells[column], pens[column] = grapheme, pen
            if width == 2:
                cells[column + 1], pens[column + 1] = "", pen
            self.column = column + width

    def _write_narrow(self, text: str, pen: Pen) -> None:
        """Printable ASCII: one cell a character, written as one slice."""
        start, end = self.column, self.column + len(text)
        self._blank_to(end)
        self._clear_half(start)
        self._clear_half(end - 1)
        self.cells[start:end] = text
        self.pens[start:end] = [pen] * len(text)
        self.column = end

    def tab(self, pen: Pen, count: int) -> None:
        stop = min(MAX_CELLS, (self.column // TAB_SIZE + count) * TAB_SIZE)
        end = min(stop, len(self.cells))
        self.column = max(self.column, end)
        if stop > self.column:
            self.write(" " * (stop - self.column), pen)

    def erase(self, mode: str) -> None:
        """``ESC[K`` (to the end), ``ESC[1K`` (from the start), ``ESC[2K`` (all)."""
        count = len(self.cells)
        if mode == "1":
            start, end = 0, min(count, self.column + 1)
        else:
            start, end = (self.column if mode in ("", "0") else 0), count
        if start < end:
            self._clear_half(start)
            self._clear_half(end - 1)
            self.cells[start:end] = " " * (end - start)
            self.pens[start:end] = [None] * (end - start)

    def runs(self) -> list[tuple[str, Pen | None]]:
        cells, pens = self.cells, self.pens
        last = len(pens)
        while last and pens[last - 1] is None:  # blanks at the end are not text
            last -= 1
        found: list[tuple[str, Pen | None]] = []
        start = 0
        for index in range(1, last + 1):
            if index == last or pens[index] != pens[start]:
                found.append(("".join(cells[start:index]), pens[start]))
                start = index
        return found


def _appended(raw: str, pen: Pen) -> tuple[list[Run], Pen]:
    """The fast path: nothing moves the cursor back, so text only appends."""
    runs: list[Run] = []
    column = 0
    for match in _TOKENS.finditer(raw):
        params, target, _erase, _count, _move, _row, control, text = match.groups()
        if text is not None:
            if column < MAX_CELLS:
                room = MAX_CELLS - column
                text = text[: room * _CHARS_PER_CELL]
                cells = cell_len(text)
                if cells > room:
                    text, cells = set_cell_size(text, room), room
                runs.append((text, pen))
                column += cells
        elif params is not None:
            pen = apply_sgr(pen, params)
        elif target is not None:
            pen = with_link(pen, safe_link(target))
        elif control is not None and column < MAX_CELLS:  # tabs: nothing else gets here
            spaces = min(MAX_CELLS, (column // TAB_SIZE + len(control)) * TAB_SIZE) - column
            runs.append((" " * spaces, pen))
            column += spaces
    return runs, pen


def _emulated(raw: str, pen: Pen) -> tuple[list[Run], Pen]:
    """Text written into cells, so that ``\\r``, backspace and erasing overwrite."""
    rows = [_Row()]
    row = rows[0]
    for match in _TOKENS.finditer(raw):
        params, target, erase, count, move, new_row, control, text = match.groups()
        if text is not None:
            row.write(text, pen)
        elif params is not None:
            pen = apply_sgr(pen, params)
        elif target is not None:
            pen = with_link(pen, safe_link(target))
        elif control is not None:
            if control[0] == "\r":
                row.column = 0
            elif control[0] == "\b":
                row.column = max(0, row.column - len(control))
            else:
                row.tab(pen, len(control))
        elif erase is not None:
            row.erase(erase)
        elif move is not None:
            steps = max(1, int(count)) if count else 1
            if move == "C":
                row.column = min(MAX_CELLS, row.column + steps)
            elif move == "D":
                row.column = max(0, row.column - steps)
            else:
                row.column = min(MAX_CELLS, steps - 1)
        elif new_row is not None and len(rows) < MAX_ROWS:
            row = _Row()
            rows.append(row)
    runs: list[Run] = []
    for each in rows:
        runs.extend((text, cell_pen or PLAIN) for text, cell_pen in each.runs())
    return runs, pen


def terminal_runs(raw: str, pen: Pen = PLAIN) -> tuple[list[Run], Pen]:
    """What ``raw`` (one line, no ``\\n``) shows, as runs of (text, pen), starting
    with ``pen``; and the pen in force after it."""
    if NEEDS_WORK.search(raw) is None:
        return ([(raw, pen)] if raw else []), pen
    raw = raw.rstrip("\r")
    if _MOVES_BACK.search(raw) is None:
        return _appended(raw, pen)
    return _emulated(raw, pen)


def terminal_text(raw: str, pen: Pen = PLAIN) -> Text:
    """:func:`terminal_runs` as Rich text (never parsed as markup)."""
    runs, _pen = terminal_runs(raw, pen)
    text = Text()
    for part, run_pen in runs:
        text.append(part, None if run_pen == PLAIN else pen_style(run_pen))
    return text
