"""A private tmux server for tests that drive the app as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

TMUX = shutil.which("tmux")
DEADLINE = 90.0  # seconds to wait for the screen (Textual starts slowly on a busy CI)


@dataclass
class Tmux:
    """A private tmux server (its own socket) with one session, ``t``."""

    socket: str
    env: dict[str, str]

    @classmethod
    def private(cls) -> Tmux:
        """A new server name, with this process's environment minus any outer tmux."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        env["TERM"] = "xterm-256color"
        return cls(f"cn-test-{uuid.uuid4().hex[:12]}", env)

    def __call__(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0 and args[0] != "list-buffers":
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        """The visible pane (no scrollback): what a person sees now."""
        return self("capture-pane", "-p", "-t", "t")

    def title(self) -> str:
        return self("display-message", "-p", "-t", "t", "#{pane_title}").rstrip("\n")

    def window_name(self) -> str:
        return self("display-message", "-p", "-t", "t", "#{window_name}").rstrip("\n")

    def buffers(self) -> str:
        return self("list-buffers").strip()

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not show within {DEADLINE:g} s:\n{screen}")
            time.sleep(0.1)

    def kill(self) -> None:
        """Stop the server and everything running in it."""
        subprocess.run(
            [TMUX or "tmux", "-L", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=30,
            check=False,
        )
