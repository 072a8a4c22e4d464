"""Helpers for the browser tests: ``crownest-tui serve`` as a child, its process
tree, and reading the dashboard's screen out of the page.

textual-serve's page draws the terminal on a canvas and keeps its xterm.js
``Terminal`` in a local variable. :data:`EXPOSE_TERMINAL` (run before the page's own
scripts) catches it: the object that owns the terminal assigns ``fitAddon`` right
after creating it, and a setter on ``Object.prototype`` sees that assignment once.
The test then reads the terminal's own buffer, the text the user sees.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

EXPOSE_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (this.terminal && this.terminal.buffer) window.__crownestTerminal = this.terminal;
  },
});
"""

SCREEN_TEXT = """() => {
  const term = window.__crownestTerminal;
  if (!term) return "";
  const buffer = term.buffer.active;
  const rows = [];
  for (let y = 0; y < buffer.length; y++) rows.push(buffer.getLine(y).translateToString(true));
  return rows.join("\\n");
}"""

SHOWS_ALL = f"""(words) => {{
  const text = ({SCREEN_TEXT})();
  return words.every((word) => text.includes(word));
}}"""

SHOWS_NONE = f"""(words) => {{
  const text = ({SCREEN_TEXT})();
  return text.length > 0 && words.every((word) => !text.includes(word));
}}"""

READY_LINE = re.compile(r"^Serving the dashboard on (http://127\.0\.0\.1:\d+)$", re.M)


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    output: Path

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, as a user's ``kill`` or service manager would; the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


@contextlib.contextmanager
def serving(args: list[str], env: Mapping[str, str], workdir: Path) -> Iterator[Served]:
    """``crownest-tui serve --port 0 ARGS`` until its ready line; killed if still alive."""
    output = workdir / "serve.out"
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crownest_tui", "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := READY_LINE.search(output.read_text(errors="replace"))):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{output.read_text()}")
            time.sleep(0.05)
        yield Served(proc, found.group(1), output)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def open_dashboard(browser: Browser, url: str) -> tuple[Page, list[str], list[str]]:
    """A new tab on ``url``; every URL it requests and every console error it logs."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.add_init_script(EXPOSE_TERMINAL)
    page.goto(url)
    return page, requested, errors


def wait_for_text(page: Page, words: list[str], timeout: float = 20.0) -> str:
    """Wait until the dashboard's screen shows every word; the screen then."""
    try:
        page.wait_for_function(SHOWS_ALL, arg=words, timeout=timeout * 1000)
    except Exception:
        raise AssertionError(f"never shown: {words}\nscreen:\n{screen(page)}") from None
    return screen(page)


def wait_for_absence(page: Page, words: list[str], timeout: float = 20.0) -> str:
    try:
        page.wait_for_function(SHOWS_NONE, arg=words, timeout=timeout * 1000)
    except Exception:
        raise AssertionError(f"still shown: {words}\nscreen:\n{screen(page)}") from None
    return screen(page)


def screen(page: Page) -> str:
    text: str = page.evaluate(SCREEN_TEXT)
    return text


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, grandchildren…)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if fields[0] != "Z":
                parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def cmdline(pid: int) -> str:
    """``/proc/PID/cmdline`` (what ``ps`` shows), words joined by spaces."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


def environ(pid: int) -> dict[str, str]:
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/environ").read_bytes()
        pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0"))
        return {name: value for name, _, value in pairs if name}
    return {}


def alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state != "Z"
    return False


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still alive after ``timeout`` seconds (empty: all ended)."""
    deadline = time.monotonic() + timeout
    while (left := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def session_pids(serve_pid: int) -> list[int]:
    """The dashboards textual-serve started (one per open tab)."""
    return [
        pid
        for pid in descendants(serve_pid)
        if "-m crownest_tui.serve_session --parent" in cmdline(pid)
    ]


def wait_for_sessions(serve_pid: int, count: int, timeout: float = 20.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := session_pids(serve_pid)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} dashboard sessions, expected {count}")
        time.sleep(0.05)
    return found


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This test's (isolated) environment plus ``extra``."""
    return {**os.environ, **extra}
