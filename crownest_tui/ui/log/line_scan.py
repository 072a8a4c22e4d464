"""Which spooled lines match a pattern: one flag byte per line, a block at a time.

The spool holds records ``<time>\\x1f<raw text>\\n``. Looping over lines in Python
costs about a microsecond a line, too slow for ten million, so a block of records is
done with a handful of C-level passes instead:

* one ``bytes.translate`` finds whatever is not plain ASCII; the few lines holding
  escapes or control characters are set aside and decided one by one, through the
  sanitizer the view uses (when they are many, SGR and tabs are handled for the whole
  block at once);
* a plain-text query is found with ``bytes.find`` (sparse) or ``bytes.replace``;
  a regex replaces each match by a NUL with ``re.sub`` (no Python call per match);
  the pattern runs over bytes when it and the block are ASCII, else over text;
* time headers stay out of the match: each ``\\x1f`` becomes a newline, so a record
  is two lines (its header, then its text, where ``^`` and ``$`` anchor), and the
  header lines are dropped at the end (not needed for text that cannot be in a header);
* ``bytes.translate`` then deletes all but NULs and newlines, which turn into one byte
  per line: 1 where the line held a NUL.

Whatever this cannot do exactly (a ``\\x1f`` inside a line's text, a pattern that may
match nothing or matched a newline) goes line by line, so the answer is always the one
:func:`~crownest_tui.ui.log.search.match_spans` finds in the text as shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import compress

from ...text.sanitize import TAB_SIZE, plain_text
from .record_codec import ENCODING, ERRORS

SEPARATOR = b"\x1f"
_SGR = re.compile(rb"\x1b\[[0-9;]*m")
SPARSE = 16
CANDIDATES = 4
"""A regex whose lead text is on fewer than one line in this many runs on those alone."""
"""A literal found on fewer than one line in this many is located by ``find``."""
_HEADER_BYTES = frozenset(b"0123456789abcdef")
_NUL_RUNS = re.compile(rb"\x00+")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
"""Printable ASCII and newline: what most log text is made of."""
_HIGH = bytes(range(0x80, 0x100))
_ODD_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1e\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]")
_ODD_TEXT = re.compile(
    "[\x00-\x09\x0b-\x1e\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SGR_TEXT = re.compile("\x1b\\[[0-9;]*m")
ODD_SHARE = 32
"""When more than one line in this many needs the sanitizer, the whole block gets SGR
removed and tabs expanded at once (any other control sends it line by line)."""
_ALL_BUT_NUL_AND_NEWLINE = bytes(b for b in range(256) if b not in (0, 0x0A))


def _may_match_empty(pattern: re.Pattern[str]) -> bool:
    """True unless ``pattern`` surely consumes at least one character per match."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        low, _high = _parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # a private API: any doubt means the slow path
        return True
    return bool(low == 0)


@dataclass(frozen=True)
class LinePattern:
    """A search or filter pattern, ready for block scans."""

    pattern: re.Pattern[str]

    @cached_property
    def as_bytes(self) -> re.Pattern[bytes] | None:
        """The same pattern over ASCII bytes (None when it is not ASCII itself)."""
        source = self.pattern.pattern
        if not source.isascii():
            return None
        flags = self.pattern.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE)
        try:
            return re.compile(source.encode("ascii"), flags)
        except re.error:
            return None

    @cached_property
    def folded(self) -> re.Pattern[bytes] | None:
        """For a smart-case (all lower case) pattern: the same without IGNORECASE, for
        text turned to lower case first (None when that might differ: an escape that
        names a character by its code)."""
        compiled = self.as_bytes
        if compiled is None or not compiled.flags & re.IGNORECASE:
            return None
        source = compiled.pattern
        if source != source.lower() or re.search(rb"\\[xuUN0-9]", source):
            return None
        return re.compile(source, compiled.flags & ~re.IGNORECASE)

    @cached_property
    def required(self) -> bytes | None:
        """Text every match of a regex holds (its leading literal, three characters or
        more; lower case for a smart-case pattern), for finding candidate lines fast."""
        compiled = self.folded or self.as_bytes
        if compiled is None or self.literal is not None or b"|" in compiled.pattern:
            return None
        lead = re.match(rb"[^.^$*+?{}\[\]()|\\]*", compiled.pattern)
        text = lead.group() if lead else b""
        if compiled.pattern[len(text) : len(text) + 1] in (b"*", b"?", b"{", b"+"):
            text = text[:-1]  # the last character may not be there (or repeats)
        return text if len(text) >= 3 else None

    @cached_property
    def literal(self) -> bytes | None:
        """The ASCII text a plain-text query looks for (lower case when it ignores case)."""
        source = self.pattern.pattern
        text = re.sub(r"\\(.)", r"\1", source)
        if re.escape(text) != source or not text.isascii() or not text or "\n" in text:
            return None
        if self.pattern.flags & re.IGNORECASE:
            text = text.lower()
        return text.encode("ascii")

    @cached_property
    def header_safe(self) -> bool:
        """True when the literal cannot match inside a record's time header."""
        literal = self.literal
        return literal is not None and not set(literal.lower()) <= _HEADER_BYTES

    @cached_property
    def block_safe(self) -> bool:
        """Whether the whole-block passes are exact for this pattern."""
        return not _may_match_empty(self.pattern)

    def matches_text(self, shown: str) -> bool:
        """Whether one line of shown text matches (the definition the fast path keeps)."""
        return any(match.end() > match.start() for match in self.pattern.finditer(shown))


def line_flags(data: bytes, lines: int, pattern: LinePattern) -> bytes:
    """One byte per record of ``data`` (``lines`` whole records): 1 where it matches."""
    if not lines:
        return b""
    odd = data.translate(None, _PLAIN_ASCII)  # one pass finds all that is not plain
    if not pattern.block_safe or odd.count(SEPARATOR) != lines:
        return _flags_line_by_line(data, lines, pattern)  # (a \x1f inside some text)
    others = odd.replace(SEPARATOR, b"") if len(odd) != lines else b""
    hay: bytes | str = data
    if others and not others.isascii():
        hay = data.decode(ENCODING, ERRORS)
    controls = bytes(set(others.translate(None, _HIGH))) if others else b""
    if isinstance(hay, bytes) and controls and not controls.strip(b"\x1b\t"):
        shown = _shown_whole(hay)  # colour and tabs only, most likely: one pass each
        if b"\x1b" not in shown:
            hay, others = shown, b""
    odd_lines = _odd_lines(hay, lines // ODD_SHARE, controls) if others else []
    if len(odd_lines) > lines // ODD_SHARE:
        hay, odd_lines = _shown_whole(hay), []
        if _odd_lines(hay, 0):
            return _flags_line_by_line(data, lines, pattern)
    flags = _hay_flags(hay, lines, pattern)
    if flags is None:
        return _flags_line_by_line(data, lines, pattern)
    if odd_lines:
        flags = _fix_odd_lines(data, flags, odd_lines, pattern)
    return flags


def _fix_odd_lines(data: bytes, flags: bytes, odd_lines: list[int], pattern: LinePattern) -> bytes:
    """``flags`` with the lines holding escapes decided on their text as shown: all
    together when colour and tabs are all they hold, else one by one."""
    records = data.split(b"\n")
    picked = b"\n".join(records[line] for line in odd_lines) + b"\n"
    shown = _shown_whole(picked) if picked.isascii() else None
    found = None
    if isinstance(shown, bytes) and not _odd_lines(shown, 0):
        found = _hay_flags(shown, len(odd_lines), pattern)
    fixed = bytearray(flags)
    if found is not None:
        for line, flag in zip(odd_lines, found, strict=True):
            fixed[line] = flag
    else:
        for line in odd_lines:
            fixed[line] = _record_matches(records[line], pattern)
    return bytes(fixed)


def matching_lines(data: bytes, first_line: int, pattern: LinePattern) -> list[int]:
    """Line numbers of the matching records of ``data``, whose first is ``first_line``."""
    lines = data.count(b"\n")
    flags = line_flags(data, lines, pattern)
    return list(compress(range(first_line, first_line + lines), flags))


def _odd_lines(hay: bytes | str, most: int, controls: bytes = b"") -> list[int]:
    """Lines holding anything the sanitizer changes (up to ``most`` + 1 of them).

    ``controls``: the control bytes an ASCII ``hay`` holds, when known and few (each
    is then found with ``find``, much faster than a character class)."""
    if isinstance(hay, bytes) and 0 < len(controls) <= 3:
        found: set[int] = set()
        for control in controls:
            found.update(_lines_with(hay, bytes([control]), most))
        return sorted(found)[: most + 1]
    odd = _ODD_BYTES if isinstance(hay, bytes) else _ODD_TEXT
    lines: list[int] = []
    line = seen = 0
    match = odd.search(hay)  # type: ignore[arg-type]
    while match is not None and len(lines) <= most:
        line += hay.count("\n" if isinstance(hay, str) else b"\n", seen, match.start())  # type: ignore[arg-type]
        lines.append(line)
        seen = hay.find("\n" if isinstance(hay, str) else b"\n", match.start()) + 1  # type: ignore[arg-type]
        line += 1
        match = odd.search(hay, seen) if seen else None  # type: ignore[arg-type]
    return lines


def _lines_with(hay: bytes, needle: bytes, most: int) -> list[int]:
    """Lines of ``hay`` that contain ``needle`` (up to ``most`` + 1 of them)."""
    lines: list[int] = []
    find, count = hay.find, hay.count
    line = seen = 0
    position = find(needle)
    while position >= 0 and len(lines) <= most:
        line += count(b"\n", seen, position)
        lines.append(line)
        seen = find(b"\n", position) + 1
        if not seen:
            break
        line += 1
        position = find(needle, seen)
    return lines


def _shown_whole(hay: bytes | str) -> bytes | str:
    """The whole block with SGR removed and tabs expanded (when most lines need it)."""
    if isinstance(hay, bytes):
        body = _SGR.sub(b"", hay) if b"\x1b" in hay else hay
        if b"\t" in body:
            body = body.replace(b"\x1f", b"\x1f\n").expandtabs(TAB_SIZE)
            body = body.replace(b"\x1f\n", b"\x1f")
        return body
    text = _SGR_TEXT.sub("", hay) if "\x1b" in hay else hay
    if "\t" in text:
        text = text.replace("\x1f", "\x1f\n").expandtabs(TAB_SIZE).replace("\x1f\n", "\x1f")
    return text


def _hay_flags(hay: bytes | str, lines: int, pattern: LinePattern) -> bytes | None:
    """Flags from whole-block passes (None when a match spanned a newline)."""
    literal = pattern.literal
    if literal is not None and isinstance(hay, bytes):
        if pattern.pattern.flags & re.IGNORECASE:
            hay = hay.lower()
        if pattern.header_safe:
            return _literal_flags(hay, lines, literal)
        return _literal_flags(hay.replace(SEPARATOR, b"\n"), 2 * lines, literal)[1::2]
    compiled, folded = pattern.as_bytes, pattern.folded
    required = pattern.required
    if isinstance(hay, bytes) and required is not None and (folded or compiled):
        base = hay.lower() if folded is not None else hay
        spans = _lines_containing(base, required, max(64, lines // CANDIDATES))
        if spans is not None:  # few lines can match: run the regex over those alone
            return _candidate_flags(base, lines, spans, pattern)
    if isinstance(hay, bytes) and folded is not None:  # much faster than IGNORECASE
        marked = folded.sub(b"\x00", hay.lower().replace(SEPARATOR, b"\n"))
    elif isinstance(hay, bytes) and compiled is not None:
        marked = compiled.sub(b"\x00", hay.replace(SEPARATOR, b"\n"))
    else:
        text = hay if isinstance(hay, str) else hay.decode(ENCODING, ERRORS)
        marked = pattern.pattern.sub("\x00", text.replace("\x1f", "\n")).encode(ENCODING, ERRORS)
    if marked.count(b"\n") != 2 * lines:
        return None
    return _nul_flags(marked)[1::2]


def _lines_containing(body: bytes, literal: bytes, most: int) -> list[tuple[int, int, int]] | None:
    """(line, start, end) of each line of ``body`` holding ``literal``; None when more
    than ``most`` do."""
    found: list[tuple[int, int, int]] = []
    find, rfind, count = body.find, body.rfind, body.count
    position, line, seen = find(literal), 0, 0
    while position >= 0:
        if len(found) == most:
            return None
        line += count(b"\n", seen, position)
        start, end = rfind(b"\n", 0, position) + 1, find(b"\n", position)
        found.append((line, start, end))
        line, seen = line + 1, end + 1
        position = find(literal, seen)
    return found


def _candidate_flags(
    base: bytes, lines: int, spans: list[tuple[int, int, int]], pattern: LinePattern
) -> bytes | None:
    """Flags of ``lines`` lines where only the lines of ``spans`` may match."""
    flags = bytearray(lines)
    if not spans:
        return bytes(flags)
    picked = b"\n".join(base[start:end] for _line, start, end in spans) + b"\n"
    compiled = pattern.folded or pattern.as_bytes
    assert compiled is not None
    marked = compiled.sub(b"\x00", picked.replace(SEPARATOR, b"\n"))
    if marked.count(b"\n") != 2 * len(spans):
        return None
    for (line, _start, _end), flag in zip(spans, _nul_flags(marked)[1::2], strict=True):
        flags[line] = flag
    return bytes(flags)


def _literal_flags(body: bytes, lines: int, literal: bytes) -> bytes:
    """Flags of the ``lines`` lines of ``body`` that contain ``literal``."""
    flags = bytearray(lines)
    most = max(64, lines // SPARSE)
    find, count = body.find, body.count
    position, line = find(literal), 0
    newline_seen = 0
    while position >= 0:
        line += count(b"\n", newline_seen, position)
        flags[line] = 1
        most -= 1
        if not most:  # dense: one replace pass is cheaper than a find per line
            return _nul_flags(body.replace(literal, b"\x00"))
        newline_seen = body.find(b"\n", position)
        if newline_seen < 0:
            break
        line += 1
        newline_seen += 1
        position = find(literal, newline_seen)
    return bytes(flags)


def _nul_flags(marked: bytes) -> bytes:
    """One byte per line of ``marked``: 1 where the line holds a NUL."""
    marks = _NUL_RUNS.sub(b"\x00", marked.translate(None, _ALL_BUT_NUL_AND_NEWLINE))
    return marks.replace(b"\x00\n", b"\x01").replace(b"\n", b"\x00")


def _record_matches(record: bytes, pattern: LinePattern) -> bool:
    """Whether one record's text, as shown, matches."""
    body = record.partition(SEPARATOR)[2]
    compiled = pattern.as_bytes
    if compiled is not None and pattern.block_safe and body.isascii():
        shown = _SGR.sub(b"", body) if b"\x1b" in body else body
        if _CONTROL_BYTES.search(shown) is None:  # colour only: no sanitizer needed
            return compiled.search(shown) is not None
    return pattern.matches_text(plain_text(body.decode(ENCODING, ERRORS)))


def _flags_line_by_line(data: bytes, lines: int, pattern: LinePattern) -> bytes:
    records = data.split(b"\n")[:lines]
    return bytes(_record_matches(record, pattern) for record in records)
