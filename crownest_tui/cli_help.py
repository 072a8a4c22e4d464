"""What ``crownest-tui --help`` says about the commands, and what a mistyped one gets.

Light on purpose (no API, no Textual): ``--help`` and a typo answer at once.
"""

from __future__ import annotations

import difflib
import shutil
import textwrap

#: Every command of ``crownest-tui COMMAND …``, with its one line of help (also the
#: description its own ``--help`` starts with); short enough for 80 columns.
SUMMARIES: dict[str, str] = {
    "open": "Open one run's detail screen (escape goes to the runs list).",
    "launch": "Pack a folder, upload it, run COMMAND on it, then follow the run.",
    "logs": "Print a run's stdout and stderr (exactly once).",
    "runs": "List runs as a table (or JSON lines).",
    "evidence": "Print a run's Evidence Bundle.",
    "cancel": "Cancel runs by id, or every run of a status (asks first).",
    "rerun": "Run a run again from its folder (or kept archive), then follow it.",
    "insights": "Charts of the runs in a time window (--json: the figures).",
    "serve": "Serve the dashboard to web browsers (a session per tab).",
    "local": "The local CrowNest backend: start, stop, status, serve, templates.",
}

USAGE = "crownest-tui [COMMAND] [options]"
_NAME_WIDTH = 10


def _width() -> int:
    """The width argparse wraps its own help to."""
    return max(40, shutil.get_terminal_size().columns - 2)


def wrap(text: str) -> str:
    """A paragraph wrapped as argparse would (for help printed raw)."""
    return textwrap.fill(text, _width())


def description(intro: str) -> str:
    """``intro``, then every command on a line of its own."""
    width = _width()
    lines = [wrap(intro), "", "commands (crownest-tui COMMAND --help shows its options):"]
    indent = " " * (2 + _NAME_WIDTH)
    for name, summary in SUMMARIES.items():
        first = f"  {name:<{_NAME_WIDTH}}{summary}"
        lines.extend(textwrap.wrap(first, width, subsequent_indent=indent))
    lines += ["", wrap("Without a command: the runs dashboard, with the options below.")]
    return "\n".join(lines)


def unknown_command(word: str) -> str:
    """The error for a word where a command (or nothing) was expected."""
    if word in SUMMARIES:
        return f"the command goes first: crownest-tui {word} [options]"
    known = list(SUMMARIES)
    likely = difflib.get_close_matches(word, known, n=1)
    if likely:
        hint = f"did you mean '{likely[0]}'?"
    elif closest := difflib.get_close_matches(word, known, n=1, cutoff=0.01):
        hint = f"the closest is '{closest[0]}'; the commands are {', '.join(known)}"
    else:
        hint = f"the commands are {', '.join(known)}"
    return f"unknown command '{word}': {hint}"
