"""What the entry point sets up before the app starts (in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_requests_do_not_search_for_a_missing_sniffio_again_and_again() -> None:
    """httpcore imports sniffio for every lock of every request; once the entry point
    has marked it missing, a request on asyncio searches sys.path for it no more."""
    script = textwrap.dedent(
        """
        import asyncio, importlib.util, sys
        from crownest_tui.__main__ import main
        installed = importlib.util.find_spec("sniffio") is not None
        try:
            main(["--version"])
        except SystemExit:
            pass
        from httpcore._synchronization import current_async_library
        searched = []
        class Spy:
            def find_spec(self, name, path=None, target=None):
                searched.append(name)
        sys.meta_path.insert(0, Spy())
        async def ask():
            return [current_async_library() for _ in range(3)]
        assert asyncio.run(ask()) == ["asyncio"] * 3
        assert installed or searched == [], searched
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "ok"
