"""What a long scan of the spool looks for, and the flags it gives a block of records.

A job is two groups of patterns: ``all_of`` flags a line that every one of them
matches (the include filters), ``any_of`` a line that some one matches (the exclude
filters, or the search's one pattern). The same job runs in the app (the first slice,
a frame's new lines, the scan thread) and in the scan worker process
(:mod:`~crownest_tui.ui.log.scan_worker`), so every path gives the same answer. It
travels to the worker as JSON: each pattern's source and flags.

Imports only the standard library and :mod:`~crownest_tui.ui.log.line_scan` (the
worker process must not load Textual).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, reduce
from typing import Any

from crownest_tui.ui.log.line_scan import LinePattern, line_flags

Flags = bytes | None
"""One byte per line (1: flagged), or None for an empty group."""


def and_flags(left: bytes, right: bytes) -> bytes:
    """Bytewise AND of two flag strings of one length (one C-level pass)."""
    return (int.from_bytes(left) & int.from_bytes(right)).to_bytes(len(left))


def or_flags(left: bytes, right: bytes) -> bytes:
    """Bytewise OR of two flag strings of one length."""
    return (int.from_bytes(left) | int.from_bytes(right)).to_bytes(len(left))


@dataclass(frozen=True)
class ScanJob:
    """The patterns of one scan, in two groups (either may be empty)."""

    all_of: tuple[re.Pattern[str], ...] = ()
    any_of: tuple[re.Pattern[str], ...] = ()

    @property
    def groups(self) -> int:
        """How many flag strings a scan gives per line range (empty groups give none)."""
        return bool(self.all_of) + bool(self.any_of)

    @cached_property
    def _patterns(self) -> tuple[list[LinePattern], list[LinePattern]]:
        return [LinePattern(p) for p in self.all_of], [LinePattern(p) for p in self.any_of]

    def flags(self, data: bytes, lines: int) -> tuple[Flags, Flags]:
        """(``all_of`` flags, ``any_of`` flags) of the ``lines`` whole records of ``data``."""
        all_of, any_of = self._patterns

        def each(patterns: list[LinePattern]) -> list[bytes]:
            return [line_flags(data, lines, pattern) for pattern in patterns]

        every = reduce(and_flags, each(all_of)) if all_of else None
        some = reduce(or_flags, each(any_of)) if any_of else None
        return every, some

    def to_json(self) -> dict[str, Any]:
        """The job as JSON-ready data (see :meth:`from_json`)."""

        def patterns(group: tuple[re.Pattern[str], ...]) -> list[list[Any]]:
            return [[pattern.pattern, pattern.flags] for pattern in group]

        return {"all_of": patterns(self.all_of), "any_of": patterns(self.any_of)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScanJob:
        """The job :meth:`to_json` gave (patterns compiled again, with the same flags)."""

        def patterns(group: list[list[Any]]) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(str(source), int(flags)) for source, flags in group)

        return cls(patterns(data["all_of"]), patterns(data["any_of"]))
