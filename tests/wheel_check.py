"""``make wheel-check``: the packages a user installs, built and started as a user would.

1. Build the sdist, then the wheel from it (``uv build``), into ``dist/``.
2. Look inside the wheel: every module and stylesheet is there, no test tool is.
3. Install the wheel into a new venv in a temporary folder outside the checkout, its
   dependencies held to ``requirements/dev.lock``.
4. From another folder of that temporary tree (home and XDG dirs there too, so no
   config of ours is read), start the installed ``crownest-tui --demo`` in a detached
   tmux and wait until the runs list paints a run row; then quit with ``ctrl+c`` and
   expect exit status 0.

Any step that fails exits 1 with what it saw (the terminal's screen for step 4): a
stylesheet missing or broken in the wheel, a module left out, a dependency that does
not resolve, an entry point that does not start.

    .venv/bin/python tests/wheel_check.py [--uv PATH] [--wheel WHEEL] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "dev.lock"
#: Test tools that live in tests/ and must never be shipped.
NOT_SHIPPED = re.compile(r"(^|/)(tests/|faultproxy\.py$|screenshots\.py$|conftest\.py$)")
#: A painted run row of the runs list: glyph, status word, run id.
RUN_ROW = re.compile(r"^\s*\S (?:[a-z_]+)\s+wsr_[0-9a-f]{8,}\b", re.MULTILINE)
EXITED = re.compile(r"\[crownest-tui exited with status (\d+)\]")
QUIT_DEMO = "Quit the demo?"
QUIT_OR_EXITED = re.compile(rf"{re.escape(QUIT_DEMO)}|{EXITED.pattern}")
PAINT_TIMEOUT = 60.0
EXIT_TIMEOUT = 15.0
SIZE = ("120", "30")


class CheckFailed(Exception):
    """One step failed; the message says what was seen."""


def step(title: str) -> float:
    print(f"wheel-check: {title}", flush=True)
    return time.perf_counter()


def done(started: float, detail: str = "") -> None:
    print(f"  ok ({time.perf_counter() - started:.1f} s){' ' + detail if detail else ''}")


def run(
    command: Sequence[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    """Run ``command``; its output, or :class:`CheckFailed` with it."""
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, env=env
    )
    if result.returncode != 0:
        shown = " ".join(shlex.quote(str(part)) for part in command)
        raise CheckFailed(f"{shown} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return str(result.stdout)


def build(uv: Path) -> Path:
    """sdist, then the wheel from the sdist (as uv build does by default)."""
    dist = ROOT / "dist"
    for old in dist.glob("crownest_tui-*"):
        old.unlink()
    run([uv, "build", "--quiet", "--out-dir", dist, ROOT])
    sdists, wheels = list(dist.glob("crownest_tui-*.tar.gz")), list(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise CheckFailed(f"expected one sdist and one wheel in {dist}, got {sdists + wheels}")
    return wheels[0]


def check_contents(wheel: Path) -> str:
    """The wheel holds each stylesheet the app loads and none of the test tools."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    styles = {f"crownest_tui/styles/{path.name}" for path in (ROOT / "styles").glob("*.tcss")}
    modules = {path.relative_to(ROOT).as_posix() for path in ROOT.glob("crownest_tui/**/*.py")}
    missing = sorted((styles | modules) - set(names))
    shipped = sorted(name for name in names if NOT_SHIPPED.search(name))
    if missing or shipped:
        raise CheckFailed(f"wheel {wheel.name}: missing {missing}, must not ship {shipped}")
    return f"{len(modules)} modules, {len(styles)} stylesheets, no test tools"


def install(uv: Path, wheel: Path, venv: Path) -> Path:
    """A new venv (no site packages) with the wheel and its locked dependencies."""
    run([uv, "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    # Compiled as pip does: a module that does not compile fails here.
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            python,
            "-c",
            LOCK,
            wheel,
        ]
    )
    return python


def clean_env(top: Path, venv: Path) -> dict[str, str]:
    """The environment of a user with nothing of ours: new home, config and temp dirs,
    the venv's scripts first on PATH, no Python path or virtualenv inherited."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CROWNEST", "XDG_", "TMUX"))
    }
    dirs = {name: top / name.lower() for name in ("HOME", "TMPDIR")}
    dirs |= {
        f"XDG_{kind}_HOME": top / "home" / f".{kind.lower()}"
        for kind in ("CONFIG", "DATA", "STATE", "CACHE")
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env |= {name: str(path) for name, path in dirs.items()}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["SHELL"] = "/bin/sh"
    return env


def check_origin(python: Path, cwd: Path, env: dict[str, str], venv: Path) -> str:
    """``import crownest_tui`` in the clean venv finds the installed copy."""
    where = run(
        [python, "-c", "import crownest_tui; print(crownest_tui.__file__)"], cwd=cwd, env=env
    )
    origin = Path(where.strip())
    if not origin.is_relative_to(venv) or origin.is_relative_to(ROOT):
        raise CheckFailed(f"crownest_tui was imported from {origin}, not from {venv}")
    return str(origin.parent)


class Terminal:
    """A detached tmux on its own socket (never the user's server), one pane."""

    def __init__(self, socket: Path, env: dict[str, str]) -> None:
        self.base = ["tmux", "-S", str(socket), "-f", "/dev/null"]
        self.env = env

    def start(self, command: str, cwd: Path) -> None:
        width, height = SIZE
        run(
            [*self.base, "new-session", "-d", "-x", width, "-y", height, "-c", cwd, command],
            env=self.env,
        )

    def screen(self) -> str:
        return run([*self.base, "capture-pane", "-p"], env=self.env)

    def press(self, key: str) -> None:
        run([*self.base, "send-keys", key], env=self.env)

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        """The first match of ``pattern`` on screen, or :class:`CheckFailed` showing the
        screen (early, if the app has exited)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            found = pattern.search(screen)
            if found is not None:
                return found
            if EXITED.search(screen) is not None or time.monotonic() > deadline:
                raise CheckFailed(f"no {pattern.pattern!r} on the screen:\n{screen.rstrip()}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, check=False)


def launch(venv: Path, cwd: Path, env: dict[str, str], socket: Path) -> str:
    """``crownest-tui --demo`` until a run row is painted, then ``ctrl+c``: status 0."""
    if shutil.which("tmux") is None:
        raise CheckFailed("tmux is needed to start the app (.ci/system-deps installs it)")
    terminal = Terminal(socket, env)
    script = shlex.quote(str(venv / "bin" / "crownest-tui"))
    # The pane stays after the app ends so its last screen (a traceback) can be shown.
    command = f'{script} --demo; echo "[crownest-tui exited with status $?]"; sleep 600'
    started = time.perf_counter()
    try:
        terminal.start(command, cwd)
        row = terminal.wait_for(RUN_ROW, PAINT_TIMEOUT)
        painted = time.perf_counter() - started
        terminal.press("C-c")
        # With demo runs still active the app asks first (their backend ends with it).
        asked = terminal.wait_for(QUIT_OR_EXITED, EXIT_TIMEOUT)
        if asked.group(0) == QUIT_DEMO:
            terminal.press("y")
        status = terminal.wait_for(EXITED, EXIT_TIMEOUT).group(1)
    finally:
        terminal.close()
    if status != "0":
        raise CheckFailed(f"crownest-tui --demo exited with status {status} after ctrl+c")
    return f"first run row after {painted:.1f} s: {row.group(0).strip()!r}; ctrl+c -> status 0"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--uv", type=Path, default=Path(sys.executable).with_name("uv"))
    parser.add_argument("--wheel", type=Path, help="check this wheel instead of building one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    top = Path(tempfile.mkdtemp(prefix="crownest-wheel-check-"))
    total = time.perf_counter()
    try:
        wheel: Path = args.wheel
        if wheel is None:
            started = step("build the sdist and the wheel (uv build)")
            wheel = build(args.uv)
            done(started, str(wheel.relative_to(ROOT)))
        started = step(f"look inside {wheel.name}")
        done(started, check_contents(wheel))
        venv, elsewhere = top / "venv", top / "elsewhere"
        elsewhere.mkdir()
        started = step(f"install it into a clean venv ({venv})")
        python = install(args.uv, wheel.resolve(), venv)
        env = clean_env(top, venv)
        done(started, f"crownest_tui from {check_origin(python, elsewhere, env, venv)}")
        started = step(f"start crownest-tui --demo in tmux from {elsewhere}")
        done(started, launch(venv, elsewhere, env, top / "tmux.socket"))
    except CheckFailed as failure:
        print(f"wheel-check FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"wheel-check: kept {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)
    print(f"wheel-check: passed in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
