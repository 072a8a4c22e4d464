"""Tie the backend's life to its parent's (the dashboard's ``--demo``, tests, ``serve``).

On Linux the kernel sends SIGTERM when the parent dies, whatever killed it (even
SIGKILL, which leaves no chance to clean up). Elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def exit_with_parent(parent_pid: int) -> bool:
    """Ask for SIGTERM when the parent dies; False if it is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    # The parent may have died before prctl: then we were re-parented already.
    return os.getppid() == parent_pid
