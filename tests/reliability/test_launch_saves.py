"""``launch DIR`` then ``ctrl+s``, as a person does it in a real terminal (tmux): the log
goes to ~/Downloads, never into DIR (packed and uploaded by the next launch), even
when ``[ui] save_dir`` points inside DIR; the toast gives the whole path."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (.ci/system-deps installs it)"
)
DEADLINE = 90.0  # seconds (a backend starts, then Textual, on a busy machine)


class Pane:
    """One tmux session on a private server, 100x30."""

    def __init__(self, command: str) -> None:
        self.socket = f"cn-saves-{uuid.uuid4().hex[:12]}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.env["TERM"] = "xterm-256color"
        self("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
             f"{command}; exec sleep 600")  # fmt: skip

    def __call__(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return done.stdout

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while True:
            screen = self("capture-pane", "-p", "-t", "t")
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not show within {DEADLINE:g} s:\n{screen}")
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run(
            [TMUX or "tmux", "-L", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=30,
            check=False,
        )


@pytest.fixture
def pane() -> Iterator[Callable[[str], Pane]]:
    started: list[Pane] = []

    def start(command: str) -> Pane:
        started.append(Pane(command))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_a_log_saved_after_launch_dir_stays_out_of_dir(
    pane: Callable[[str], Pane], isolated_environment: Path
) -> None:
    home = isolated_environment
    project = home / "project"
    project.mkdir()
    (project / "run.sh").write_text("echo first; echo second\n")
    config = home / ".config" / "crownest-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[ui]\nsave_dir = "{project / "logs"}"\n')
    launch = [sys.executable, "-m", "crownest_tui", "launch", ".", "--local", "--", "sh run.sh"]
    shown = pane(f"cd {shlex.quote(str(project))} && {shlex.join(launch)}")
    shown.wait_for(lambda s: "SUCCEEDED" in s and "second" in s, "the ended run")
    shown("send-keys", "-t", "t", "C-s")
    screen = shown.wait_for(lambda s: "Log saved" in s, "the toast")
    (saved,) = (home / "Downloads").glob("wsr_*.log")
    assert saved.read_text() == "first\nsecond\n"
    assert sorted(p.name for p in project.iterdir()) == ["run.sh"]  # nothing added
    rows = [line.rsplit("▌", 1)[-1] for line in screen.splitlines() if "▌" in line]
    toast = "".join(rows).replace(" ", "")  # wrapped over rows: compare without spaces
    saved_to = f"2 lines saved to ~/Downloads/{saved.name}"
    note = "(save_dir ~/project/logs is inside the folder being launched)"
    assert (saved_to + note).replace(" ", "") in toast
    shown("send-keys", "-t", "t", "q")
