"""Command line entry point: ``crownest-tui`` and ``python -m crownest_tui``."""

from __future__ import annotations

import sys

from .core.memory import pause_collection, resume_collection


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    pause_collection()  # until the command (or the dashboard's first load) resumes it
    # ``import httpx`` also imports httpx's own command-line client (click, pygments,
    # rich's syntax highlighting): over a third of its import time, spent on every
    # start-up for a CLI we never run (encode/httpx#3547). A None entry in sys.modules
    # makes that import fail, and httpx then defines a stub ``httpx.main`` instead.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    from .cli import run

    try:
        return run(sys.argv[1:] if argv is None else argv)
    finally:
        resume_collection()


if __name__ == "__main__":
    raise SystemExit(main())
