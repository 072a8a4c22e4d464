"""``crownest-tui local start | stop | status``: the persistent local backend as a service.

``start`` runs it detached (``service.py``), so it outlives the terminal and every
command that uses it; ``--local`` and the subcommands attach to it, or start it. Exit
statuses follow the LSB init-script convention (as ``systemctl`` does):

* ``start``: 0 running (started now, or already running: it says which), 1 failed, or
  already running without an option asked for (``--no-network``, say: stop it first);
* ``stop``: 0 stopped (or it was not running), 1 it could not be stopped;
* ``status``: 0 running, 1 not running but a stale pid file (the backend was killed;
  ``start`` recovers), 3 not running, 4 running but not answering (or just starting
  or stopping).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import humanize

from ..api.client import CrowNestClient
from ..api.credentials import Connection
from ..api.errors import CrowNestError
from ..core.active_runs import count_active_runs
from .service import (
    ServiceError,
    answers,
    ensure_service,
    read_token,
    replaced_warning,
    stop_service,
)
from .service_state import (
    LOG_FILE,
    RUN_OPTIONS,
    STATE_DIR_ENV,
    ServiceInfo,
    ServiceState,
    default_state_dir,
    probe,
)

COMMANDS = ("start", "stop", "status")
STATUS_RUNNING, STATUS_STALE, STATUS_STOPPED, STATUS_NOT_ANSWERING = 0, 1, 3, 4
RUN_OPTION_HELP = {
    "--no-sandbox": "run commands as this user on the host, not each in its own bubblewrap sandbox",
    "--no-network": "give sandboxed runs an empty network namespace (no network at all)",
    "--tty": "run commands with a pseudo-terminal for stdout and one for stderr (a run's "
    "metadata crownest.tty=0 or =1 decides for that run)",
}
assert tuple(RUN_OPTION_HELP) == RUN_OPTIONS


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The flags that change how runs execute (``serve``'s, which ``start`` forwards)."""
    for flag, text in RUN_OPTION_HELP.items():
        parser.add_argument(flag, action="store_true", help=text)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``start``, ``stop`` and ``status`` on ``crownest-tui local``'s parser."""
    helps = {
        "start": "start the persistent backend in the background (or report the running one)",
        "stop": "stop it (runs in progress end failed · internal_error)",
        "status": "say whether it runs: URL, pid, uptime, active runs, sandbox, options",
    }
    for name in COMMANDS:
        parser = sub.add_parser(name, help=helps[name], description=helps[name])
        parser.add_argument(
            "--state-dir",
            type=Path,
            help=f"default: ${STATE_DIR_ENV}, else {default_state_dir()}",
        )
        if name == "start":
            add_run_options(parser)


def run_options(args: argparse.Namespace) -> tuple[str, ...]:
    """The :data:`RUN_OPTIONS` flags given on the command line."""
    return tuple(flag for flag in RUN_OPTIONS if getattr(args, flag[2:].replace("-", "_")))


def run(args: argparse.Namespace) -> int:
    state_dir: Path = (args.state_dir or default_state_dir()).expanduser().resolve()
    try:
        if args.command == "start":
            return _start(state_dir, run_options(args))
        if args.command == "stop":
            return _stop(state_dir)
        return _status(state_dir)
    except ServiceError as exc:
        print(f"crownest-tui local: {exc}", file=sys.stderr)
        return 1


def _start(state_dir: Path, options: tuple[str, ...]) -> int:
    service = ensure_service(state_dir, options=options)
    info = service.info
    if service.replaced is not None:
        print(replaced_warning(service.replaced), file=sys.stderr)
    where = f"{service.url} (pid {info.pid})"
    print(f"started the local backend: {where}" if service.started else f"already running: {where}")
    if not service.started:
        print(f"up {_uptime(info)}, {_active(service.url, state_dir)}, options: {_options(info)}")
    if info.runs is not None:
        print(info.runs.headline())
    missing = [option for option in options if option not in info.options]
    if missing:
        print(
            f"crownest-tui local: the running backend was not started with "
            f"{' '.join(missing)}; stop it first (crownest-tui local stop), then start it "
            "with the options you want",
            file=sys.stderr,
        )
        return 1
    return 0


def _stop(state_dir: Path) -> int:
    found = probe(state_dir)
    active = None
    if found.state is ServiceState.RUNNING and found.info is not None:
        active = _active_count(found.info.url, state_dir)
    stopped = stop_service(state_dir)
    if stopped.before.state is not ServiceState.RUNNING or stopped.before.info is None:
        print(f"the local backend is not running ({state_dir})")
        return 0
    how = " (killed: it did not stop on SIGTERM)" if stopped.killed else ""
    ended = f"; {_runs(active)} in progress ended failed (internal_error)" if active else ""
    print(f"stopped the local backend (pid {stopped.before.info.pid}){how}{ended}")
    return 0


def _status(state_dir: Path) -> int:
    found = probe(state_dir)
    info = found.info
    if found.state is ServiceState.STALE and info is not None:
        print(
            f"not running: the backend (pid {info.pid}) stopped without shutting down; "
            "`crownest-tui local start` recovers"
        )
        return STATUS_STALE
    if found.state is ServiceState.STARTING:
        print(f"starting or stopping ({state_dir}): try again in a moment")
        return STATUS_NOT_ANSWERING
    if found.state is not ServiceState.RUNNING or info is None:
        print(f"not running ({state_dir})")
        return STATUS_STOPPED
    token = read_token(state_dir)
    answering = answers(info.url, token)
    rows = [
        ("running" if answering else "NOT ANSWERING", info.url),
        ("pid", str(info.pid)),
        ("uptime", _uptime(info)),
        ("runs", _active(info.url, state_dir) if answering else "?"),
        *_runtime_rows(info),
        ("version", info.version),
        ("state", str(state_dir)),
        ("log", str(state_dir / LOG_FILE)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return STATUS_RUNNING if answering else STATUS_NOT_ANSWERING


def _runtime_rows(info: ServiceInfo) -> list[tuple[str, str]]:
    """How the backend runs commands: its sandbox, network, terminal mode, options."""
    runs = info.runs
    if runs is None:
        unknown = f"unknown (crownest-tui {info.version} does not say)"
        return [("sandbox", unknown), ("options", _options(info))]
    sandbox = runs.sandbox if runs.sandboxed else f"NONE, runs are NOT sandboxed: {runs.sandbox}"
    return [
        ("sandbox", sandbox),
        ("network", "on" if runs.network else "off"),
        ("terminal", "a pty per stream (--tty)" if runs.tty else "pipes"),
        ("options", _options(info)),
    ]


def _options(info: ServiceInfo) -> str:
    return " ".join(info.options) or "none"


def _uptime(info: ServiceInfo) -> str:
    return str(humanize.precisedelta(timedelta(seconds=int(info.uptime())), format="%d"))


def _active(url: str, state_dir: Path) -> str:
    count = _active_count(url, state_dir)
    return f"{_runs(count)} active" if count is not None else "active runs unknown"


def _runs(count: int | None) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _active_count(url: str, state_dir: Path) -> int | None:
    """How many runs the backend has in progress; None if it cannot tell."""

    connection = Connection(base_url=url, credential=read_token(state_dir))

    async def count() -> int:
        async with CrowNestClient(connection=connection, max_attempts=1) as client:
            return await count_active_runs(client)

    try:
        return asyncio.run(count())
    except (CrowNestError, ServiceError):
        return None
