"""What a run prints to test the log as a terminal: colours across lines and chunks,
per stream, colon SGR forms, redrawn lines, backspace, links, wide text and tabs.

``PARTS`` are (stream, text) writes, flushed one by one, so colours and escapes
cross chunk boundaries; ``SHOWN`` is what each line must read as on screen.
"""

from __future__ import annotations

ESC = "\x1b"
LINK = "https://example.com/docs?page=1"
PARTS: list[tuple[str, str]] = [
    ("stdout", f"{ESC}[31mRED starts\n still red 2\n"),
    ("stderr", "err plain\n"),
    ("stdout", f" still red 3{ESC}[0m\n"),
    ("stderr", f"{ESC}[33mwarn yellow\n"),
    ("stdout", f"plain again {ESC}[38:5:"),
    ("stdout", f"45mcolon 256{ESC}[0m {ESC}[38:2::255:128:0mtruecolour{ESC}[0m\n"),
    ("stderr", "still yellow on stderr\n"),
    ("stdout", f"{ESC}[58:2::255:0:0;1mbold, underline colour dropped{ESC}[0m\n"),
    ("stdout", "spin |\b/\b-\n"),
    ("stdout", "Downloading 10%\r"),
    ("stdout", f"{ESC}[KDownloading 50%\r{ESC}[2Kdone\n"),
    ("stdout", f"see {ESC}]8;;{LINK}{ESC}\\the docs{ESC}]8;;{ESC}\\ here\n"),
    ("stdout", f"bad {ESC}]8;;javascript:alert(1)\x07not a link{ESC}]8;;\x07"),
    ("stdout", f" {ESC}]0;title\x07ok\n"),
    ("stdout", "漢字\tx|\n"),
    ("stdout", "e\u0301e\u0301\tx|\n"),
    ("stdout", "👩\u200d💻\tx|\n"),
    ("stderr", f"{ESC}[0mreset\n"),
]
SHOWN = [
    "RED starts",
    " still red 2",
    "err plain",
    " still red 3",
    "warn yellow",
    "plain again colon 256 truecolour",
    "still yellow on stderr",
    "bold, underline colour dropped",
    "spin -",
    "done",
    "see the docs here",
    "bad not a link ok",
    "漢字    x|",
    "e\u0301e\u0301      x|",
    "👩\u200d💻      x|",
    "reset",
]


def script() -> str:
    """A Python program printing ``PARTS``, each write flushed on its own."""
    return (
        "import sys, time\n"
        f"for stream, text in {PARTS!r}:\n"
        "    out = sys.stderr if stream == 'stderr' else sys.stdout\n"
        "    out.write(text)\n"
        "    out.flush()\n"
        "    time.sleep(0.01)\n"
    )
