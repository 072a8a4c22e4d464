"""Hostile run output never reaches the real terminal (issue 6), checked in tmux.

A real run on the local backend prints window-title changes (OSC 0/2 and tmux's own
``ESC k``), an OSC 52 clipboard write, a screen clear and cursor home, a full reset,
OSC 8 links, C1 CSI, BELs, DCS and APC strings, then text that strains a layout
(a 10,000-column line, zero-width joiners, stacked combining marks, Arabic and
Hebrew, wide emoji and CJK). ``crownest-tui logs --follow`` and the dashboard
(``crownest-tui open``) show it inside a private tmux server that honours titles,
renames and clipboard writes; then tmux itself says whether anything got through:
the pane title and window name are unchanged, no paste buffer exists, and the pane
still shows the text printed before and after the hostile bytes, in order.

``test_the_probe_sees_a_raw_leak`` first proves the probe can fail: the same bytes
written raw do change the title, fill a buffer and wipe the screen.
"""

from __future__ import annotations

import base64
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crownest_tui.local.process import LocalBackendProcess
from tests.local.support import finished_run_printing
from tests.reliability.tmux_server import TMUX, Tmux

pytestmark = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (.ci/system-deps installs it)"
)

TITLE = "cn-original-title"
WINDOW = "cn-original-window"
WIDTH, HEIGHT = 250, 80  # the whole output fits: nothing scrolls out of sight
BEGIN = "CN-BEGIN printed before the hostile bytes"
END = "CN-END printed after everything"

ESC, BEL, ST = b"\x1b", b"\x07", b"\x1b\\"
HOSTILE_LINES = [
    BEGIN.encode(),
    ESC + b"]0;HACKED-TITLE-0" + BEL + b"after-osc0",
    ESC + b"]2;HACKED-TITLE-2" + ST + b"after-osc2",
    ESC + b"]52;c;" + base64.b64encode(b"pwned-clipboard") + BEL + b"after-osc52",
    ESC + b"kHACKED-WINDOW" + ST + b"after-rename",
    ESC + b"[2J" + ESC + b"[H" + b"after-clear",
    ESC + b"]8;;https://evil.example/x" + ST + b"link-text" + ESC + b"]8;;" + ST + b" after-osc8",
    b"raw-c1 \x9b2J utf8-c1 " + "\u009b2J".encode() + b" after-c1-csi",
    BEL * 3 + b"after-bells",
    ESC + b"P1$qm" + ST + ESC + b"_Gapc-payload" + ST + b"after-dcs-apc",
    ESC + b"cafter-reset",
    "family \u200d👨\u200d👩\u200d👧 e\u0301\u0301\u0301\u0301 after-zwj".encode(),
    "RTL עברית ועוד العربية هنا after-rtl".encode(),
    "wide 🎉🎉🎉 漢字かな after-wide".encode(),
    b"W" * 10_000,
    END.encode(),
]
HOSTILE = b"\n".join(HOSTILE_LINES) + b"\n"
INERT = [
    "after-osc0",
    "after-osc2",
    "after-osc52",
    "after-rename",
    "after-clear",
    "link-text after-osc8",
    "after-c1-csi",
    "after-bells",
    "after-dcs-apc",
    "after-reset",
    "after-zwj",
    "after-rtl",
    "after-wide",
]
# ``ESC k`` is a two-byte escape everywhere but in screen and tmux, so its name shows as
# plain text (``HACKED-WINDOW``) once the escape is gone: inert, and never a rename.
NEVER_SHOWN = ["HACKED-TITLE", "pwned", "evil.example", "apc-payload", "utf8-c1 2J"]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[[str], Tmux]]:
    """``start(shell_command)``: a tmux server whose pane runs the command once told to
    (after the title and window name are set), then prints ``CN-EXIT-<status>``."""
    servers: list[Tmux] = []
    go = tmp_path / "go"

    def start(command: str) -> Tmux:
        server = Tmux.private()
        servers.append(server)
        script = tmp_path / "pane.sh"
        script.write_text(
            "#!/bin/sh\n"
            f"while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.05; done\n"
            f"{command}\n"
            'echo "CN-EXIT-$?"\n'
            "exec sleep 600\n"
        )
        script.chmod(0o700)
        server("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", str(WIDTH),
               "-y", str(HEIGHT), str(script))  # fmt: skip
        for option in (
            ("set-titles", "on"),
            ("set-clipboard", "on"),
            ("allow-rename", "on"),
            ("history-limit", "5000"),
        ):
            server("set-option", "-g", *option)
        server("set-window-option", "-g", "allow-rename", "on")
        server("select-pane", "-t", "t", "-T", TITLE)
        server("rename-window", "-t", "t", WINDOW)
        server("set-window-option", "-t", "t", "allow-rename", "on")
        assert (server.title(), server.window_name()) == (TITLE, WINDOW)
        go.touch()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.kill()


@pytest.fixture(scope="module")
def hostile_run(backend: LocalBackendProcess) -> str:
    """A finished run on the session backend whose stdout is the hostile bytes."""
    return finished_run_printing(backend, HOSTILE)


def crownest(backend: LocalBackendProcess, *args: str) -> str:
    """The shell command line of ``crownest-tui ARGS`` against the backend."""
    env = f"CROWNEST_API_URL={shlex.quote(backend.url)} CROWNEST_API_KEY={backend.token}"
    argv = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "crownest_tui", *args))
    return f"env {env} {argv}"


def assert_nothing_leaked(server: Tmux, screen: str) -> None:
    assert server.title() == TITLE, "the pane title was changed"
    assert server.window_name() == WINDOW, "the window was renamed"
    assert server.buffers() == "", "something was written to the clipboard"
    for text in NEVER_SHOWN:
        assert text not in screen


def assert_in_order(screen: str, pieces: list[str]) -> None:
    at = 0
    for piece in pieces:
        found = screen.find(piece, at)
        assert found >= 0, f"{piece!r} missing (or out of order) on screen:\n{screen}"
        at = found + len(piece)


def test_the_probe_sees_a_raw_leak(tmux: Callable[[str], Tmux], tmp_path: Path) -> None:
    """Control: the same bytes written raw to the pane do everything they should not."""
    raw = tmp_path / "hostile.bin"
    raw.write_bytes(HOSTILE)
    server = tmux(f"cat {shlex.quote(str(raw))}")
    screen = server.wait_for(lambda s: "CN-EXIT-0" in s, "the raw output")
    assert server.title() != TITLE
    assert server.window_name() != WINDOW
    assert "pwned-clipboard" in server("show-buffer")
    assert BEGIN not in screen, "the raw bytes cleared the screen"


def test_logs_follow_keeps_the_terminal_intact(
    backend: LocalBackendProcess, hostile_run: str, tmux: Callable[[str], Tmux]
) -> None:
    server = tmux(crownest(backend, "logs", "--follow", hostile_run))
    screen = server.wait_for(lambda s: "CN-EXIT-" in s, "the end of `logs --follow`")
    assert "CN-EXIT-0" in screen, "exit status of the (successful) run"
    assert_nothing_leaked(server, screen)
    assert_in_order(screen, [BEGIN, *INERT, "W" * WIDTH, END, "CN-EXIT-0"])
    assert screen.count("W") >= 10_000, "the long line is all there (wrapped)"


def test_the_dashboard_keeps_the_terminal_intact(
    backend: LocalBackendProcess, hostile_run: str, tmux: Callable[[str], Tmux], tmp_path: Path
) -> None:
    debug_log = tmp_path / "debug.log"
    server = tmux(crownest(backend, "open", hostile_run, "--debug-file", str(debug_log)))
    screen = server.wait_for(lambda s: END in s and "ended" in s, "the run's log in the dashboard")
    assert_nothing_leaked(server, screen)
    assert_in_order(screen, [BEGIN, *INERT, END])
    assert hostile_run in screen
    server("send-keys", "-t", "t", "C-c")
    screen = server.wait_for(lambda s: "CN-EXIT-" in s, "the dashboard quitting")
    assert "CN-EXIT-0" in screen, "the app kept working and quit cleanly"
    assert_nothing_leaked(server, screen)
    # The real command line's --debug log of that session (see also test_secrets.py).
    assert debug_log.stat().st_mode & 0o777 == 0o600
    log = debug_log.read_text()
    assert backend.token not in log and "Bearer" not in log
    assert f"{hostile_run}: live (HTTP 200)" in log
    assert "the dashboard exited with status 0" in log
    assert "HACKED" not in log, "run output is never logged"


def test_logs_shows_progress_lines_as_a_terminal_would(
    backend: LocalBackendProcess, tmux: Callable[[str], Tmux]
) -> None:
    """Lines that redraw themselves (carriage return, erase in line) end up as the
    run's own terminal would show them, not as a mix of their versions (issue 12)."""
    progress = (
        b"Downloading 0%\r\x1b[KDownloading 50%\r\x1b[Kdone\n"
        + "resolving deps 29━━━━━━━━━━━━\r\x1b[Kresolved.\n".encode()
    )
    server = tmux(crownest(backend, "logs", finished_run_printing(backend, progress)))
    screen = server.wait_for(lambda s: "CN-EXIT-" in s, "the end of `logs`")
    lines = [line.rstrip() for line in screen.splitlines()]
    assert lines[:3] == ["done", "resolved.", "CN-EXIT-0"], screen
