"""The run templates (python-node, python, node, base), made of this host's toolchains.

A template is the tools a run can count on and the environment it runs with. Locally
each is built from the system's own programs on ``/usr/local/bin:/usr/bin:/bin``
(never from the dashboard's virtualenv):

* ``base``: sh and coreutils;
* ``python``: base, python3 (also as ``python``) and pip (``pip``/``pip3`` run
  ``python3 -m pip`` where the host has only the module), ``PYTHONUNBUFFERED=1``;
* ``node``: base, node, npm, and pnpm through corepack when node has it;
* ``python-node``: both.

Each template gets a directory of shims, last on the run's ``PATH``: aliases for what
the host provides under another name, and for a tool the host lacks a stand-in that
says so on stderr and exits 127 (``python-node: node is not installed on this
machine (apt install nodejs)``), so a run fails with a reason, not a bare 127.
``pip install`` and ``npm install -g`` go to the run's own ``$HOME``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

#: Where a template's tools come from (and Homebrew's prefix on macOS).
SYSTEM_PATH: tuple[str, ...] = ("/usr/local/bin", "/usr/bin", "/bin")
if sys.platform == "darwin":
    SYSTEM_PATH = ("/opt/homebrew/bin", *SYSTEM_PATH)
VERSION_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool a template provides, the names runs call it by, how to install it."""

    name: str
    commands: tuple[str, ...]
    install: str
    version: tuple[str, ...] = ()


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool("sh", ("sh",), "apt install dash"),
        Tool("coreutils", ("ls", "cat", "env"), "apt install coreutils", ("ls", "--version")),
        Tool("python3", ("python3", "python"), "apt install python3", ("python3", "--version")),
        Tool("pip", ("pip3", "pip"), "apt install python3-pip", ("python3", "-m", "pip", "-V")),
        Tool("node", ("node",), "apt install nodejs", ("node", "--version")),
        Tool("npm", ("npm", "npx"), "apt install npm", ("npm", "--version")),
        Tool(
            "pnpm",
            ("pnpm", "pnpx"),
            "node >= 16.9 ships corepack, or npm install -g pnpm",
            ("corepack", "--version"),
        ),
    )
}
BASE = ("sh", "coreutils")
PYTHON = ("python3", "pip")
NODE = ("node", "npm", "pnpm")
TEMPLATE_TOOLS: dict[str, tuple[str, ...]] = {
    "python-node": BASE + PYTHON + NODE,
    "python": BASE + PYTHON,
    "node": BASE + NODE,
    "base": BASE,
}
PYTHON_ENV = {
    "PYTHONUNBUFFERED": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "PIP_ROOT_USER_ACTION": "ignore",
}
#: In a sandbox the system's site-packages are read-only, so pip installs into the
#: run's $HOME (it says "Defaulting to user installation"); PEP 668's guard is
#: there for a system that a run could change, which a sandboxed one cannot.
SANDBOXED_PYTHON_ENV = {"PIP_BREAK_SYSTEM_PACKAGES": "1"}
NODE_ENV = {
    "NPM_CONFIG_UPDATE_NOTIFIER": "false",
    "NPM_CONFIG_FUND": "false",
    "COREPACK_ENABLE_DOWNLOAD_PROMPT": "0",
}


def _which(command: str, visible: Callable[[Path], bool]) -> str | None:
    found = shutil.which(command, path=os.pathsep.join(SYSTEM_PATH))
    if found is None or not visible(Path(found).resolve()):
        return None
    return found


def _has_pip(python: str) -> bool:
    check = "import importlib.util, sys; sys.exit(importlib.util.find_spec('pip') is None)"
    try:
        return subprocess.run([python, "-I", "-c", check], timeout=VERSION_TIMEOUT).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@dataclass(frozen=True, slots=True)
class Host:
    """What the host provides: each command's path, or the line a shim runs instead."""

    commands: dict[str, str]  # command -> path on the host
    aliases: dict[str, str]  # command -> shell line that stands in for it

    @classmethod
    def discover(cls, visible: Callable[[Path], bool] = lambda _: True) -> Host:
        names = [name for tool in TOOLS.values() for name in tool.commands] + ["corepack"]
        commands = {name: path for name in names if (path := _which(name, visible))}
        aliases: dict[str, str] = {}
        if "python3" in commands:
            aliases["python"] = 'exec python3 "$@"'
            if _has_pip(commands["python3"]):
                aliases["pip"] = aliases["pip3"] = 'exec python3 -m pip "$@"'
        if "corepack" in commands:
            aliases["pnpm"] = 'exec corepack pnpm "$@"'
            aliases["pnpx"] = 'exec corepack pnpx "$@"'
        return cls(commands, aliases)

    def provides(self, tool: Tool) -> bool:
        first = tool.commands[0]
        return first in self.commands or first in self.aliases


def _shim(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


class Templates:
    """The templates on this host, each with its directory of shims under ``root``."""

    def __init__(self, root: Path, host: Host) -> None:
        self.root = root
        self.host = host
        for slug, tool_names in TEMPLATE_TOOLS.items():
            bin_dir = self.bin_dir(slug)
            if bin_dir.exists():
                shutil.rmtree(bin_dir)
            bin_dir.mkdir(parents=True)
            for tool in (TOOLS[name] for name in tool_names):
                self._write_shims(slug, tool, bin_dir)

    def _write_shims(self, slug: str, tool: Tool, bin_dir: Path) -> None:
        missing = f"{slug}: {tool.name} is not installed on this machine ({tool.install})"
        provided = self.host.provides(tool)
        for command in tool.commands:
            if command in self.host.commands:
                continue
            if command in self.host.aliases:
                _shim(bin_dir / command, self.host.aliases[command])
            elif not provided:
                _shim(bin_dir / command, f"echo {shlex.quote(missing)} >&2\nexit 127")

    def bin_dir(self, slug: str) -> Path:
        return self.root / slug / "bin"

    def missing(self, slug: str) -> list[Tool]:
        return [TOOLS[n] for n in TEMPLATE_TOOLS[slug] if not self.host.provides(TOOLS[n])]

    def environment(self, slug: str, *, home: str, tools: str, sandboxed: bool) -> dict[str, str]:
        """The template's part of a run's environment (``PATH`` and its tools' settings)."""
        names = TEMPLATE_TOOLS[slug]
        path = [*SYSTEM_PATH, tools]
        env: dict[str, str] = {}
        if "python3" in names or "node" in names:
            path.insert(0, f"{home}/.local/bin")  # where user installs put their commands
        if "python3" in names:
            env |= PYTHON_ENV | (SANDBOXED_PYTHON_ENV if sandboxed else {})
        if "node" in names:
            env |= NODE_ENV | {"NPM_CONFIG_PREFIX": f"{home}/.local"}
        return {"PATH": os.pathsep.join(path), **env}

    def summary(self) -> dict[str, dict[str, list[str]]]:
        """Per template: the tools it provides here and the ones it lacks."""
        return {
            slug: {
                "provides": [n for n in names if self.host.provides(TOOLS[n])],
                "missing": [tool.name for tool in self.missing(slug)],
            }
            for slug, names in TEMPLATE_TOOLS.items()
        }


def _version_of(tool: Tool, host: Host, env: Mapping[str, str]) -> str:
    if not host.provides(tool):
        return f"{tool.name}: not installed ({tool.install})"
    if tool.name == "pnpm" and "pnpm" not in host.commands:
        return f"pnpm (corepack {_run(tool.version, env)}, fetched on first use)"
    if not tool.version:
        return tool.name
    text = _run(tool.version, env)
    if tool.name in ("python3", "pip"):  # "Python 3.11.2", "pip 23.0.1 from …"
        text = text.split()[1] if len(text.split()) > 1 else text
    elif tool.name == "coreutils":  # "ls (GNU coreutils) 9.1"
        text = text.split()[-1] if text else text
    return f"{tool.name} {text.removeprefix('v')}".strip()


def _run(argv: tuple[str, ...], env: Mapping[str, str]) -> str:
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=dict(env),
            timeout=VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "?"


def describe(templates: Templates, scratch: Path) -> dict[str, list[str]]:
    """Per template, one line per tool with its version on this machine (runs them)."""
    env = templates.environment("python-node", home=str(scratch), tools="", sandboxed=False)
    env |= {"HOME": str(scratch), "LANG": "C.UTF-8"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = dict(
            zip(
                TOOLS,
                pool.map(lambda tool: _version_of(tool, templates.host, env), TOOLS.values()),
                strict=True,
            )
        )
    return {slug: [versions[name] for name in names] for slug, names in TEMPLATE_TOOLS.items()}
