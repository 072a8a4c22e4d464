"""The local backend as a child process that dies with us (``--demo``, and tests).

(``--local`` uses the persistent, detached service instead: ``service.py``.)

``start_local_backend`` runs ``python -m crownest_tui local serve --port 0 …``, waits
for its two ready lines and hands back a :class:`LocalBackendProcess` with the real
URL and token; ``stop()`` sends SIGTERM, then SIGKILL. Its stderr (the request log)
goes to ``server.log`` in the state dir unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ParamSpec, Self, TypeVar

from .service_state import TOKEN_ENV, ServiceInfo, read_info
from .unavailable import LocalBackendError

READY_TIMEOUT = 30.0
P = ParamSpec("P")
R = TypeVar("R")


class LocalBackendProcess:
    def __init__(
        self, proc: subprocess.Popen[bytes], url: str, token: str, state_dir: Path
    ) -> None:
        self.proc = proc
        self.url = url
        self.token = token
        self.state_dir = state_dir

    def __repr__(self) -> str:
        return f"LocalBackendProcess(url={self.url!r}, pid={self.pid}, token=<hidden>)"

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def info(self) -> ServiceInfo | None:
        """What its pid file says (how it runs commands, among others)."""
        return read_info(self.state_dir)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    @property
    def env(self) -> dict[str, str]:
        """``CROWNEST_API_URL`` and ``CROWNEST_API_KEY`` for a client of this backend."""
        return {"CROWNEST_API_URL": self.url, "CROWNEST_API_KEY": self.token}

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL at once (a crash, for restart-recovery tests)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    async def astop(self, grace: float = 10.0) -> int:
        return await asyncio.to_thread(self.stop, grace)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()


def _read_ready_lines(
    stream: IO[bytes], proc: subprocess.Popen[bytes], timeout: float
) -> dict[str, str]:
    found: dict[str, str] = {}
    buffer = b""
    deadline = time.monotonic() + timeout
    fd = stream.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(found) < 2:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if not selector.select(min(left, 0.2)):
                if proc.poll() is not None:
                    raise EOFError
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise EOFError
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                key, sep, value = line.decode().strip().partition("=")
                if sep and key in ("CROWNEST_API_URL", "CROWNEST_API_KEY"):
                    found[key] = value
    return found


def log_tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def environment_without(*names: str) -> dict[str, str]:
    """Our environment, less ``names``."""
    return {key: value for key, value in os.environ.items() if key not in names}


def popen_serve(
    state_dir: Path,
    args: Sequence[str],
    *,
    log_file: Path,
    env: dict[str, str],
    detached: bool = False,
) -> subprocess.Popen[bytes]:
    """``python -m crownest_tui local serve --state-dir DIR ARGS…``: stdin from
    /dev/null, stdout a pipe (how it says it is ready), stderr appended to ``log_file``;
    ``detached``: in a session of its own, in the state dir (it pins no other folder)."""
    command = [sys.executable, "-m", "crownest_tui", "local", "serve"]
    command += ["--state-dir", str(state_dir.absolute()), *args]
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            close_fds=True,
            env=env,
            cwd=state_dir if detached else None,
            start_new_session=detached,
        )


def start_local_backend(
    state_dir: Path,
    *,
    seed_demo: bool = False,
    token: str | None = None,
    extra_args: Sequence[str] = (),
    log_path: Path | None = None,
    ready_timeout: float = READY_TIMEOUT,
) -> LocalBackendProcess:
    """Start ``crownest-tui local serve`` on a free loopback port and wait until ready."""
    state_dir.mkdir(parents=True, exist_ok=True)
    args = ["--port", "0"]
    if threading.current_thread() is threading.main_thread():
        # The kernel's parent-death signal follows the creating *thread*: only tie the
        # child to us when that thread lives as long as the process.
        args += ["--exit-with-parent", str(os.getpid())]
    if seed_demo:
        args.append("--seed-demo")
    args += list(extra_args)
    env = environment_without(TOKEN_ENV)
    if token is not None:  # through the environment: argv is anyone's to read
        env[TOKEN_ENV] = token
    log_file = log_path or state_dir / "server.log"
    proc = popen_serve(state_dir, args, log_file=log_file, env=env)
    assert proc.stdout is not None
    try:
        found = _read_ready_lines(proc.stdout, proc, ready_timeout)
    except (TimeoutError, EOFError) as exc:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        what = "timed out" if isinstance(exc, TimeoutError) else f"exited ({proc.returncode})"
        raise LocalBackendError(
            f"the local backend {what} before it was ready:\n{log_tail(log_file)}"
        ) from None
    return LocalBackendProcess(
        proc, found["CROWNEST_API_URL"], found["CROWNEST_API_KEY"], state_dir
    )


def _in_thread(function: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    async def threaded(*args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(function, *args, **kwargs)

    threaded.__doc__ = f":func:`{function.__name__}` without blocking the event loop."
    return threaded


astart_local_backend = _in_thread(start_local_backend)
