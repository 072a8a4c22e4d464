"""Words the product spells one way (issue 12 point 18): "canceled", as the API's own
``canceled`` status does, never "cancelled" beside it."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: British doubling of cancel(l)ed / cancel(l)ing / cancel(l)ation, case-insensitive.
BRITISH = re.compile(r"cancell(ed|ing)", re.IGNORECASE)
#: Python's own names keep their spelling (asyncio.CancelledError, Future.cancelled()).
THIRD_PARTY = re.compile(r"CancelledError|\.cancelled\(")


def our_words(path: Path) -> list[str]:
    """The strings and comments of a module (names are code, not words)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
    kinds = (tokenize.STRING, tokenize.COMMENT)
    return [tok.string for tok in tokens if tok.type in kinds]


def test_we_say_canceled_everywhere() -> None:
    found: list[str] = []
    for folder in ("crownest_tui", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue  # this file names the spelling it forbids
            for text in our_words(path):
                if BRITISH.search(THIRD_PARTY.sub("", text)):
                    found.append(f"{path.relative_to(ROOT)}: {text.strip()[:80]}")
    for path in [ROOT / "README.md", *sorted((ROOT / "styles").glob("*.tcss"))]:
        if BRITISH.search(path.read_text("utf-8")):
            found.append(str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)
