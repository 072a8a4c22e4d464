"""Make untrusted terminal output inert.

Only SGR sequences (``ESC[…m``, colours and text attributes) survive; every other
escape sequence, control string and control character is removed, so nothing a run
prints can change the title, write the clipboard, move the cursor or clear the screen.

* OSC, DCS, SOS, PM and APC strings (7-bit ``ESC ] P X ^ _`` or their C1 forms) are
  dropped up to and including their terminator (BEL, ``ESC \\`` or ST), or to the end
  of the line when unterminated.
* Other CSI sequences and other ``ESC`` sequences (``ESC c``, ``ESC 7``…) are dropped.
* C0 controls except TAB, DEL, C1 controls, lone surrogates and bidirectional
  override/isolate characters are dropped.
* ``\\r`` acts like a terminal progress bar ends: only the text after the last
  carriage return of a line is kept (a trailing ``\\r``, as in CRLF, is ignored).

Work is done per line, lazily, for the lines that are shown (or saved, or searched).
"""

from __future__ import annotations

import re

SGR = re.compile(r"\x1b\[[0-9;]*m")
"""A select-graphic-rendition sequence: the only escape that is kept."""

_SEQUENCES = re.compile(
    r"(\x1b\[[0-9;]*m)"  # 1: SGR, kept
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # strings
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # other CSI
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences, or a lone ESC
    r"|[\x00-\x08\x0a-\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\ud800-\udfff"
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+",  # controls (not TAB, CR)
    re.DOTALL,
)

SPECIAL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""Matches when a line needs any work at all (most lines do not)."""

TAB_SIZE = 8


def _keep_sgr(match: re.Match[str]) -> str:
    return match.group(1) or ""


def _resolve_cr(text: str) -> str:
    """Keep what a terminal would show last: the text after the final ``\\r``.

    SGR sequences before that point still apply, so they are carried over.
    """
    text = text.rstrip("\r")
    head, cr, tail = text.rpartition("\r")
    if not cr:
        return text
    return "".join(SGR.findall(head)) + tail


def sanitize(raw: str) -> str:
    """Return ``raw`` with only printable text, TABs and SGR sequences left."""
    if SPECIAL.search(raw) is None:
        return raw
    text = _SEQUENCES.sub(_keep_sgr, raw)
    if "\r" in text:
        text = _resolve_cr(text)
    return text


def plain_text(raw: str) -> str:
    """Return ``raw`` as a person would read it: no escapes at all, TABs expanded."""
    if SPECIAL.search(raw) is None:
        return raw
    text = SGR.sub("", sanitize(raw))
    return text.expandtabs(TAB_SIZE) if "\t" in text else text


def is_inert(text: str) -> bool:
    """True when ``text`` holds nothing but printable characters, TABs and SGR."""
    return SPECIAL.search(SGR.sub("", text).replace("\t", "")) is None
