"""Run ``git`` in a folder, quietly, without prompts, and never raise for git's sake.

Packing and source metadata both ask git questions; a machine without git, a folder
outside any work tree, or a repository git refuses to touch (``safe.directory``) all
mean "no answer", never a crash.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT = 20.0


def git(cwd: Path, *args: str) -> bytes | None:
    """Stdout of ``git <args>`` run in ``cwd``, or None when git fails or is missing."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_text(cwd: Path, *args: str) -> str | None:
    """Like :func:`git`, decoded and stripped; None for no answer or an empty one."""
    out = git(cwd, *args)
    if out is None:
        return None
    text = out.decode("utf-8", "replace").strip()
    return text or None


def work_tree_root(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None."""
    top = git_text(path, "rev-parse", "--show-toplevel")
    return Path(top) if top else None
