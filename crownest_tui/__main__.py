"""Command line entry point: ``crownest-tui`` and ``python -m crownest_tui``."""

from __future__ import annotations

import importlib.util
import os
import sys

from .core.memory import pause_collection, resume_collection


def prepare_process() -> None:
    """Process-wide settings the dashboard starts with, before httpx or pydantic load
    (the start-up benchmark applies them to what it measures beside the dashboard)."""
    # ``import httpx`` also imports httpx's own command-line client (click, pygments,
    # rich's syntax highlighting): over a third of its import time, spent on every
    # start-up for a CLI we never run (encode/httpx#3547). A None entry in sys.modules
    # makes that import fail, and httpx then defines a stub ``httpx.main`` instead.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    # httpcore tries ``import sniffio`` for every lock and event of every request; when
    # it is not installed (anyio 4 no longer needs it) each try searches sys.path
    # again (six a request: a list's auto-refresh paid them every 5 s). Marked
    # missing once, the import fails at once and httpcore assumes asyncio, as then.
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    # pydantic looks for plugins (observers of every validation, e.g. tracing) in the
    # entry points of every installed distribution when it builds its first validator:
    # a scan of all the venv's metadata at each start-up, for plugins the dashboard has
    # no use for. Setting the variable yourself (to a list, or empty) restores the scan.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    pause_collection()  # until the command (or the dashboard's first load) resumes it
    prepare_process()
    from .cli import run

    try:
        return run(sys.argv[1:] if argv is None else argv)
    finally:
        resume_collection()


if __name__ == "__main__":
    raise SystemExit(main())
