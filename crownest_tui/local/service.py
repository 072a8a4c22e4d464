"""The persistent local backend as a service: start it detached, attach to it, stop it.

:func:`ensure_service` finds the backend serving a state dir (``service_state.py``)
or starts one: ``python -m crownest_tui local serve --detach`` double forks out of our
session (so closing our terminal, SIGHUP or our exit never reach it), and closes its
stdout when it is ready. Starting and stopping hold ``control.lock``, so clients
starting at once start one backend, and a client arriving during a stop waits for it,
then starts a fresh one. A stale pid file (the backend was killed) is replaced: the new
backend's restart recovery fails the runs the old one lost (``internal_error``).

The service gets its key from the state dir's ``token`` file (0600), never from its
command line; clients read the same file. It prefers the port it had last time
(``last-port``), so a dashboard left open across a restart finds it again.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..api.credentials import Connection, Secret
from ..core.defaults import LOCAL_SOURCE, local_source
from ..core.net import is_loopback
from .process import environment_without, log_tail, popen_serve
from .service_state import (
    LOG_FILE,
    TOKEN_ENV,
    Probe,
    ServiceInfo,
    ServiceState,
    exclusive_lock,
    pid_alive,
    probe,
    remove_stale_info,
    runs_our_server,
    unsandboxed_notice,
)
from .unavailable import LocalBackendError

CONTROL_LOCK = "control.lock"
LAST_PORT_FILE = "last-port"
TOKEN_FILE = "token"  # keys.py's; not imported, which would load Starlette into clients
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
"""Seconds ``stop`` waits after SIGTERM (runs get their cancel grace) before SIGKILL."""
ANSWER_TIMEOUT = 5.0
#: Keys stay out of the service's environment: a hosted CrowNest's, and a key for
#: ``local serve`` (the service accepts the token file's, which its clients read).
CREDENTIAL_VARIABLES = ("CROWNEST_API_KEY", "CROWNEST_BEARER_TOKEN", TOKEN_ENV)


class ServiceError(LocalBackendError):
    """The service could not be started, reached or stopped (one line, or a log tail)."""


@dataclass(frozen=True)
class LocalService:
    """A running service and how to call it."""

    state_dir: Path
    info: ServiceInfo
    token: Secret
    started: bool
    """True if this call started it."""
    replaced: ServiceInfo | None = None
    """The stale pid file this start replaced (a backend that had been killed)."""

    @property
    def url(self) -> str:
        return self.info.url

    @property
    def connection(self) -> Connection:
        sandboxed = unsandboxed_notice(self.info) is None
        return Connection(
            base_url=self.url,
            credential=self.token,
            credential_source=LOCAL_SOURCE,
            base_url_source=local_source(LOCAL_SOURCE, sandboxed=sandboxed),
        )


@dataclass(frozen=True)
class Stopped:
    """What :func:`stop_service` found and did."""

    before: Probe
    killed: bool = False
    """SIGTERM was not enough within the timeout: SIGKILL followed."""


@contextlib.contextmanager
def _control(state_dir: Path, timeout: float) -> Iterator[None]:
    """Hold ``control.lock`` (one start or stop at a time) for the ``with``."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive_lock(state_dir / CONTROL_LOCK, timeout) as held:
        if not held:
            raise ServiceError(
                f"another crownest-tui is starting or stopping the backend in "
                f"{state_dir} and did not finish in {timeout:g} s"
            )
        yield


def read_token(state_dir: Path) -> Secret:
    try:
        token = (state_dir / TOKEN_FILE).read_text().strip()
    except OSError as exc:
        raise ServiceError(f"cannot read the local backend's token: {exc}") from None
    if not token:
        raise ServiceError(f"the local backend's token file in {state_dir} is empty")
    return Secret(token)


def answers(url: str, token: Secret, timeout: float = ANSWER_TIMEOUT) -> bool:
    """Whether a backend at ``url`` accepts ``token`` (the pid file's URL is ours).

    The key goes to a loopback ``http`` URL only, and never through a proxy."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not is_loopback(parts.hostname or ""):
        raise ServiceError(f"the pid file names {url!r}, not a loopback URL: not sending the key")
    try:
        response = httpx.get(
            f"{url}/v1/workspace-runs",
            params={"limit": "1"},
            headers={"Authorization": f"Bearer {token.reveal()}"},
            timeout=timeout,
            trust_env=False,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def ensure_service(
    state_dir: Path, *, options: Sequence[str] = (), timeout: float = READY_TIMEOUT
) -> LocalService:
    """The backend serving ``state_dir``, started (detached) if none does, with the
    ``local serve`` flags ``options`` (a running one is taken as it is)."""
    with _control(state_dir, timeout + STOP_TIMEOUT):
        found = _settled(state_dir, timeout)
        if found.state is ServiceState.RUNNING:
            assert found.info is not None
            return _attached(state_dir, found.info, started=False)
        replaced = remove_stale_info(state_dir)
        info = _spawn(state_dir, options, timeout)
        return _attached(state_dir, info, started=True, replaced=replaced)


def _settled(state_dir: Path, timeout: float) -> Probe:
    """The probe, after waiting out a backend that is still starting by itself."""
    deadline = time.monotonic() + timeout
    found = probe(state_dir)
    while found.state is ServiceState.STARTING and time.monotonic() < deadline:
        time.sleep(0.05)
        found = probe(state_dir)
    if found.state is ServiceState.STARTING:
        raise ServiceError(f"the local backend in {state_dir} is still starting; see {LOG_FILE}")
    return found


def _attached(
    state_dir: Path, info: ServiceInfo, *, started: bool, replaced: ServiceInfo | None = None
) -> LocalService:
    token = read_token(state_dir)
    if not answers(info.url, token):
        raise ServiceError(
            f"the local backend (pid {info.pid}) does not answer at {info.url}; "
            f"see {state_dir / LOG_FILE}, or stop it: crownest-tui local stop"
        )
    return LocalService(state_dir, info, token, started, replaced)


def _spawn(state_dir: Path, options: Sequence[str], timeout: float) -> ServiceInfo:
    preferred = _free_last_port(state_dir)
    for port in dict.fromkeys([preferred, 0]):  # the last port, else any (once each)
        if (info := _spawn_on(state_dir, port, options, timeout)) is not None:
            (state_dir / LAST_PORT_FILE).write_text(f"{info.url.rsplit(':', 1)[1]}\n")
            return info
    raise ServiceError(
        f"the local backend did not start:\n{log_tail(state_dir / LOG_FILE)}".rstrip()
    )


def _spawn_on(
    state_dir: Path, port: int, options: Sequence[str], timeout: float
) -> ServiceInfo | None:
    """Start ``local serve --detach`` on ``port``; its pid file once ready, else None."""
    proc = popen_serve(
        state_dir,
        ["--detach", "--port", str(port), *options],
        log_file=state_dir / LOG_FILE,
        env=environment_without(*CREDENTIAL_VARIABLES),
        detached=True,
    )
    assert proc.stdout is not None
    with proc.stdout:
        _wait_for_end_of_file(proc.stdout.fileno(), timeout)
    proc.wait(timeout)  # it forked and left at once: reap it
    found = probe(state_dir)
    return found.info if found.state is ServiceState.RUNNING else None


def _wait_for_end_of_file(fd: int, timeout: float) -> None:
    """The detached server closes its stdout when ready (or exits when it failed)."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if selector.select(left) and not os.read(fd, 4096):
                return
    raise ServiceError(f"the local backend did not get ready within {timeout:g} s")


def _free_last_port(state_dir: Path) -> int:
    """The port of the last service, if it can be had; else 0 (any)."""
    try:
        port = int((state_dir / LAST_PORT_FILE).read_text())
    except (OSError, ValueError):
        return 0
    if not 0 < port < 65536:
        return 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def replaced_warning(stale: ServiceInfo) -> str:
    """Said when a start found the previous backend killed (its pid file left behind)."""
    return (
        f"the previous local backend (pid {stale.pid}) had stopped without shutting down; "
        "any run it had in progress now shows failed (internal_error)"
    )


def stop_service(state_dir: Path, *, timeout: float = STOP_TIMEOUT) -> Stopped:
    """Stop the backend serving ``state_dir`` (SIGTERM, then SIGKILL after ``timeout``);
    a stale pid file is removed. Runs in progress end ``internal_error``."""
    with _control(state_dir, READY_TIMEOUT + timeout):
        found = _settled(state_dir, READY_TIMEOUT)
        if found.state is ServiceState.STALE:
            remove_stale_info(state_dir)
        if found.state is not ServiceState.RUNNING:
            return Stopped(found)
        assert found.info is not None
        pid = found.info.pid
        if not runs_our_server(pid):
            raise ServiceError(f"pid {pid} of {state_dir}'s pid file is not our backend")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if _gone(state_dir, pid, timeout):
            return Stopped(found)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not _gone(state_dir, pid, 5.0):
            raise ServiceError(f"the local backend (pid {pid}) did not stop, even on SIGKILL")
        remove_stale_info(state_dir)
        return Stopped(found, killed=True)


def _gone(state_dir: Path, pid: int, timeout: float) -> bool:
    """Wait until nothing holds the serving lock and ``pid`` has exited; False on timeout."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid) or probe(state_dir).state in (
        ServiceState.RUNNING,
        ServiceState.STARTING,
    ):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
