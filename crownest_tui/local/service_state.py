"""Who serves a state dir: the serving lock and the pid file, read and written.

A backend serving a state dir holds an exclusive ``flock`` on ``service.lock`` for as
long as it lives. The kernel drops the lock when the process dies, however it dies
(even SIGKILL), so "is the lock held" answers "does a backend serve this dir" exactly,
and two backends never share a state dir (the second one's restart recovery would
fail the first one's runs as lost).

Once it answers requests the backend writes ``service.json``, the pid file (pid, URL,
start time, version, how it runs commands and the ``local serve`` options that chose
it; mode 0600), and removes it when it stops. A pid file whose lock
is free is *stale*: its backend died without stopping (``kill -9``, a crash, a reboot).
The lock, not the pid, is the proof, so a pid reused by another program is never
taken for ours; :func:`runs_our_server` checks the command line too before a signal.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from .. import __version__
from ..core.paths import data_dir

STATE_DIR_ENV = "CROWNEST_TUI_LOCAL_STATE_DIR"
"""Overrides the persistent backend's state dir (tests, several separate backends)."""
TOKEN_ENV = "CROWNEST_TUI_LOCAL_TOKEN"
"""How a starter hands ``local serve`` the key to accept, instead of ``--token``."""
PID_FILE = "service.json"
LOCK_FILE = "service.lock"
LOG_FILE = "server.log"
LOCK_WAIT = 2.0
"""Seconds a starting backend retries a lock that a probe holds for a moment."""
RUN_OPTIONS = ("--no-sandbox", "--no-network", "--tty")
"""The ``local serve`` flags that change how runs execute: ``local start`` forwards
them to the service it starts, and ``local status`` says which it was started with."""


def default_state_dir() -> Path:
    """``--local``'s state dir: ``$CROWNEST_TUI_LOCAL_STATE_DIR``, else the data dir's."""
    if chosen := os.environ.get(STATE_DIR_ENV):
        return Path(chosen).expanduser().absolute()
    return data_dir() / "local-backend"


@dataclass(frozen=True, slots=True)
class RunsInfo:
    """How the backend runs commands."""

    sandboxed: bool
    sandbox: str
    """The tool (``bubblewrap 0.8.0 (/usr/bin/bwrap)``), or why runs are not sandboxed."""
    network: bool
    """Whether runs reach the network."""
    tty: bool
    """Whether runs get a pseudo-terminal per stream unless their metadata says no."""

    def headline(self) -> str:
        """``runs are sandboxed with …, network on`` or ``runs are NOT sandboxed: why``."""
        if not self.sandboxed:
            return f"runs are NOT sandboxed: {self.sandbox}"
        network = "network on" if self.network else "no network"
        return f"runs are sandboxed with {self.sandbox}, {network}"


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """What the pid file says about the backend serving the dir."""

    pid: int
    url: str
    started_at: float
    """Seconds since the epoch."""
    version: str
    runs: RunsInfo | None = None
    """None: a backend that did not say (an older version)."""
    options: tuple[str, ...] = ()
    """Its :data:`RUN_OPTIONS` flags."""

    def uptime(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.started_at)


def unsandboxed_notice(info: ServiceInfo | None) -> str | None:
    """``runs are NOT sandboxed: why`` if the backend says so; else None."""
    if info is None or info.runs is None or info.runs.sandboxed:
        return None
    return info.runs.headline()


class ServiceState(StrEnum):
    RUNNING = "running"
    """The lock is held and the pid file names a live process."""
    STARTING = "starting"
    """The lock is held; the pid file is not written yet."""
    STALE = "stale"
    """A pid file, but nobody holds the lock: the backend died without stopping."""
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Probe:
    state: ServiceState
    info: ServiceInfo | None


class AlreadyServing(RuntimeError):
    """Another backend holds this state dir's serving lock."""


def read_info(state_dir: Path) -> ServiceInfo | None:
    """The pid file's contents; None if there is none or it is unreadable."""
    try:
        data = json.loads((state_dir / PID_FILE).read_text())
        runs = data.get("runs")
        return ServiceInfo(
            pid=int(data["pid"]),
            url=str(data["url"]),
            started_at=float(data["started_at"]),
            version=str(data.get("version", "?")),
            runs=None if runs is None else _runs_info(runs),
            options=tuple(str(option) for option in data.get("options", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _runs_info(data: dict[str, object]) -> RunsInfo:
    sandboxed, network, tty = (data[name] for name in ("sandboxed", "network", "tty"))
    if not (isinstance(sandboxed, bool) and isinstance(network, bool) and isinstance(tty, bool)):
        raise TypeError("sandboxed, network and tty are true or false")
    return RunsInfo(sandboxed, str(data["sandbox"]), network, tty)


def _lock_is_held(state_dir: Path) -> bool:
    """Whether a backend holds the serving lock (a shared lock, taken and let go)."""
    try:
        fd = os.open(state_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing lets go of a lock we got
    return False


def probe(state_dir: Path) -> Probe:
    """What serves ``state_dir`` now (see :class:`ServiceState`); changes nothing."""
    info = read_info(state_dir)
    if not _lock_is_held(state_dir):
        return Probe(ServiceState.STALE if info else ServiceState.STOPPED, info)
    if info is not None and pid_alive(info.pid):
        return Probe(ServiceState.RUNNING, info)
    return Probe(ServiceState.STARTING, None)


def remove_stale_info(state_dir: Path) -> ServiceInfo | None:
    """Remove a stale pid file (only if it is still stale); what it said."""
    found = probe(state_dir)
    if found.state is not ServiceState.STALE:
        return None
    with contextlib.suppress(FileNotFoundError):
        (state_dir / PID_FILE).unlink()
    return found.info


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, on Linux, is not: whoever adopted
    a detached backend may be slow to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    if not sys.platform.startswith("linux"):
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:  # it just went
        return False
    return stat.rsplit(b")", 1)[1].split()[0] != b"Z"


def runs_our_server(pid: int) -> bool:
    """Whether ``pid`` runs ``crownest_tui … local serve`` (True where /proc is absent)."""
    if not sys.platform.startswith("linux"):
        return pid_alive(pid)
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(b"crownest" in word for word in words) and b"serve" in words


# -- the serving side ---------------------------------------------------------------------


@contextlib.contextmanager
def exclusive_lock(path: Path, wait: float) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (made 0600) for the ``with``, retrying
    for ``wait`` seconds; yields False (holding nothing) if it stayed taken."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            else:
                yield True
                return
        yield False
    finally:
        os.close(fd)  # closing lets go of the lock


@contextlib.contextmanager
def serving_lock(state_dir: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the dir's serving lock for the ``with``; :class:`AlreadyServing` if taken."""
    with exclusive_lock(state_dir / LOCK_FILE, wait) as held:
        if not held:
            info = read_info(state_dir)
            who = f" (pid {info.pid}, {info.url})" if info else ""
            raise AlreadyServing(f"another local backend serves {state_dir}{who}")
        # A pid file left by a backend that died is not about us: gone until we are ready.
        with contextlib.suppress(FileNotFoundError):
            (state_dir / PID_FILE).unlink()
        yield


def write_info(
    state_dir: Path, url: str, runs: RunsInfo | None = None, options: tuple[str, ...] = ()
) -> ServiceInfo:
    """Write the pid file for this process (atomically, mode 0600)."""
    info = ServiceInfo(os.getpid(), url, time.time(), __version__, runs, options)
    temp = state_dir / f".{PID_FILE}.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(info), handle)
    os.replace(temp, state_dir / PID_FILE)
    return info


def remove_info(state_dir: Path) -> None:
    """Remove the pid file if it is this process's."""
    info = read_info(state_dir)
    if info is not None and info.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (state_dir / PID_FILE).unlink()
