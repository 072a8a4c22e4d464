"""JSON log lines: a whole line that parses as a JSON object.

Such a line is coloured by its level field (``level``, ``severity`` or ``lvl``: errors
in the error colour, warnings in the warning colour, debug and trace dimmed) and its
keys are coloured; ``p`` shows it pretty-printed. The text is only ever parsed as
JSON, never as markup, and what is shown goes through the sanitizer again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from rich.style import Style
from rich.text import Text

from ...text.sanitize import sanitize

Level = Literal["error", "warn", "debug"]
LEVEL_KEYS = ("level", "severity", "lvl")
LEVELS: dict[str, Level] = {
    **dict.fromkeys(("error", "err", "fatal", "critical", "crit", "panic", "alert"), "error"),
    **dict.fromkeys(("warn", "warning"), "warn"),
    **dict.fromkeys(("debug", "trace", "verbose"), "debug"),
}
_KEY = re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)')
JSON_LIMIT = 1_000_000
"""Longest line (characters) parsed as JSON."""


def json_object(shown: str) -> dict[str, Any] | None:
    """The object a whole line holds, or None (not JSON, or not an object)."""
    text = shown.strip()
    if not (text.startswith("{") and text.endswith("}")) or len(text) > JSON_LIMIT:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def level_of(value: dict[str, Any]) -> Level | None:
    """The level a JSON log line names (None when it names none we know)."""
    for key in LEVEL_KEYS:
        named = value.get(key)
        if isinstance(named, str):
            return LEVELS.get(named.strip().lower())
    return None


@dataclass(frozen=True)
class LevelStyles:
    """How JSON lines are coloured."""

    error: Style
    warn: Style
    debug: Style
    key: Style

    def of(self, level: Level) -> Style:
        return {"error": self.error, "warn": self.warn, "debug": self.debug}[level]


def style_json_line(text: Text, styles: LevelStyles) -> None:
    """Colour a shown line in place if it is a JSON object: its level, its keys."""
    value = json_object(text.plain)
    if value is None:
        return
    level = level_of(value)
    if level is not None:
        text.stylize(styles.of(level))
    for match in _KEY.finditer(text.plain):
        text.stylize(styles.key, match.start(), match.end())


def pretty(shown: str, key: Style) -> Text | None:
    """The line pretty-printed (two-space indent) with keys coloured, or None."""
    value = json_object(shown)
    if value is None:
        return None
    dumped = json.dumps(value, indent=2, ensure_ascii=False)
    body = "\n".join(sanitize(line) for line in dumped.split("\n"))  # bidi controls
    text = Text(body)
    for match in _KEY.finditer(body):
        text.stylize(key, match.start(), match.end())
    return text
