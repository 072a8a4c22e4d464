"""One browser tab's dashboard, as ``crownest-tui serve`` starts it: it ends with serve.

textual-serve talks to each session over pipes, and a dashboard does not quit when
its stdin closes: were ``serve`` killed outright (SIGKILL, the OOM killer), its
sessions would live on, polling the API with the credential. So the session
command is ``python -m crownest_tui.serve_session --parent PID -- ARGS…``: it asks
the kernel for SIGTERM when process PID dies (Linux; a no-op elsewhere), then runs
``crownest-tui ARGS…`` in this same process.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--parent" or argv[2] != "--" or not argv[1].isdigit():
        print("usage: python -m crownest_tui.serve_session --parent PID -- ARGS…", file=sys.stderr)
        return 2
    from .local.lifeline import exit_with_parent

    if not exit_with_parent(int(argv[1])):
        return 1  # serve is already gone: nobody to show this dashboard to
    from .__main__ import main as crownest_tui

    return crownest_tui(argv[3:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
