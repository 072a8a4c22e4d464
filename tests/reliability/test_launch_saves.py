"""``launch DIR`` then ``ctrl+s``, as a person does it in a real terminal (tmux): the log
goes to ~/Downloads, never into DIR (packed and uploaded by the next launch), even
when ``[ui] save_dir`` points inside DIR; the toast gives the whole path."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability.tmux_server import TMUX, Tmux

pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (.ci/system-deps installs it)"
)


@pytest.fixture
def pane() -> Iterator[Callable[[str], Tmux]]:
    """``start(shell_command)``: a 100x30 tmux pane running the command."""
    started: list[Tmux] = []

    def start(command: str) -> Tmux:
        server = Tmux.private()
        started.append(server)
        server("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
               f"{command}; exec sleep 600")  # fmt: skip
        return server

    yield start
    for server in started:
        server.kill()


def test_a_log_saved_after_launch_dir_stays_out_of_dir(
    pane: Callable[[str], Tmux], isolated_environment: Path
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
