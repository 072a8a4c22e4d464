"""Our own notices on stderr, for a person only.

``logs ID --local 2>err`` writes the run's stderr there byte for byte, so a word of
ours ("starting the local CrowNest backend…") must never land in it: a notice is
shown only when stderr is a terminal, where a person reads it.
"""

from __future__ import annotations

import sys
from typing import IO, Any


def is_terminal(stream: IO[Any]) -> bool:
    """Whether ``stream`` is a terminal (False for a closed or fake stream)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def notice(text: str) -> None:
    """``text`` on stderr if a person is reading it there; else nothing."""
    if is_terminal(sys.stderr):
        print(text, file=sys.stderr, flush=True)
