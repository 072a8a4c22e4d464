"""GitHub Actions annotation commands: ``::error file=a.py,line=3,title=T::message``.

A run that prints ``::error::``, ``::warning::`` or ``::notice::`` (with the optional
``file``, ``line``, ``endLine``, ``col``, ``endColumn`` and ``title`` parameters) asks
for an annotation, not for the command to be shown. :func:`parse_annotation` reads one
such line; values are unescaped as the Actions runner does (``%25`` ``%0D`` ``%0A``,
and ``%3A`` ``%2C`` in parameters). Nothing here is trusted: the caller sanitises the
text before showing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

AnnotationKind = Literal["error", "warning", "notice"]
KINDS: tuple[AnnotationKind, ...] = ("error", "warning", "notice")
_KIND: dict[str, AnnotationKind] = {kind: kind for kind in KINDS}

_COMMAND = re.compile(r"[ \t]*::(error|warning|notice)(?:[ \t]+([^:]*?))?::(.*)\Z", re.DOTALL)
_MESSAGE_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_ESCAPES = (("%3A", ":"), ("%2C", ","), *_MESSAGE_ESCAPES)


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotation command, its parameters and message (raw, untrusted text)."""

    kind: AnnotationKind
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    title: str | None = None

    @property
    def location(self) -> str:
        """``file:line:col`` as far as known (empty without a file)."""
        if not self.file:
            return ""
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return place


def _unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    if "%" not in text:
        return text
    for code, char in escapes:
        text = text.replace(code, char).replace(code.lower(), char)
    return text


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def parse_annotation(text: str) -> Annotation | None:
    """The annotation a line asks for (``text`` without its newline), or None."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    kind, parameters, message = match.groups()
    fields: dict[str, str] = {}
    for pair in (parameters or "").split(","):
        key, equals, value = pair.partition("=")
        if equals:
            fields[key.strip()] = _unescape(value, _PROPERTY_ESCAPES)
    return Annotation(
        kind=_KIND[kind],
        message=_unescape(message.rstrip("\r"), _MESSAGE_ESCAPES),
        file=fields.get("file") or None,
        line=_number(fields.get("line")),
        column=_number(fields.get("col")),
        title=fields.get("title") or None,
    )
