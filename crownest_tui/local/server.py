"""``crownest-tui local serve``: the local backend in the foreground.

When it is ready it prints exactly two lines to stdout, ``CROWNEST_API_URL=…`` and
``CROWNEST_API_KEY=…``, then logs requests to stderr (never a credential). SIGINT and
SIGTERM stop it cleanly: runs in progress are ended (their whole process trees) and
failed with ``internal_error``, live streams are closed, the state is written.

While it serves a state dir it holds that dir's serving lock and pid file
(``service_state.py``). ``--detach`` makes it the persistent service that
``crownest-tui local start`` runs (``service.py``): it leaves its parent's session, logs to
``server.log`` in the state dir, and closes its stdout when ready instead of printing.
The ``local start | stop | status`` commands themselves are ``service_cli.py``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.config
import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from ..core.net import is_loopback
from . import service_cli
from .app import build_app
from .backend import Backend
from .contract import (
    ARTIFACT_RETENTION_SECONDS,
    CANCEL_GRACE_SECONDS,
    HEARTBEAT_SECONDS,
    TRANSFER_TTL_SECONDS,
)
from .keys import KeyRing, load_or_create_token
from .lifeline import exit_with_parent
from .service_state import (
    LOG_FILE,
    TOKEN_ENV,
    AlreadyServing,
    default_state_dir,
    remove_info,
    serving_lock,
    write_info,
)
from .settings import Settings

log = logging.getLogger("crownest_tui.local")

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(message)s"},
        "access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s',
            "use_colors": False,
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "crownest_tui.local": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


LOG_ROTATE_BYTES = 8 * 1024 * 1024
#: Seconds an idle keep-alive connection stays open (nginx's default; uvicorn's is 5).
KEEP_ALIVE = 75
"""A detached service's ``server.log`` bigger than this becomes ``server.log.1``."""

__all__ = ["default_state_dir", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crownest-tui local",
        description="The local CrowNest backend: a service that runs on its own (start, "
        "stop, status), or in the foreground (serve).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the Workspace Runs API in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--state-dir", type=Path, help=f"default: {default_state_dir()}")
    serve.add_argument(
        "--token",
        help=f"the API key to accept (default: ${TOKEN_ENV}, else one kept in the state dir)",
    )
    serve.add_argument("--seed-demo", action="store_true", help="create demo projects and runs")
    serve.add_argument(
        "--allow-remote", action="store_true", help="allow a host that is not loopback"
    )
    serve.add_argument(
        "--heartbeat-interval",
        type=float,
        default=HEARTBEAT_SECONDS,
        help="seconds of silence before a live stream gets a heartbeat",
    )
    serve.add_argument(
        "--cancel-grace",
        type=float,
        default=CANCEL_GRACE_SECONDS,
        help="seconds between SIGTERM and SIGKILL when a run is stopped",
    )
    serve.add_argument(
        "--transfer-ttl",
        type=float,
        default=TRANSFER_TTL_SECONDS,
        help="seconds a staged archive transfer stays open",
    )
    serve.add_argument(
        "--artifact-retention",
        type=float,
        default=ARTIFACT_RETENTION_SECONDS,
        metavar="SECONDS",
        help="how long an artifact is kept before its file is deleted (default: 7 days, "
        "the free plan's retention)",
    )
    service_cli.add_run_options(serve)
    serve.add_argument("--test-hooks", action="store_true", help="enable the /v1/_test bulk routes")
    serve.add_argument(
        "--exit-with-parent",
        type=int,
        metavar="PID",
        help="stop when process PID (our parent) dies, however it dies",
    )
    serve.add_argument(
        "--detach",
        action="store_true",
        help="run in the background, on its own (what `crownest-tui local start` does)",
    )
    service_cli.add_commands(sub)
    sub.add_parser("templates", help="print what each run template provides on this machine")
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it every answer on a kept-alive
    # connection waited ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(512)
    sock.set_inheritable(False)
    return sock


def _url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", "[::]", "localhost"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling us when it is ready and when it starts to stop."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()
        self.exiting = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._loop.call_soon_threadsafe(self.exiting.set)


async def _serve(args: argparse.Namespace, state_dir: Path, token: str) -> int:
    settings = Settings(
        state_dir=state_dir,
        heartbeat=args.heartbeat_interval,
        cancel_grace=args.cancel_grace,
        transfer_ttl=args.transfer_ttl,
        artifact_retention=args.artifact_retention,
        test_hooks=args.test_hooks,
        sandbox=not args.no_sandbox,
        network=not args.no_network,
        tty=args.tty,
    )
    backend = Backend(settings)
    log.log(
        logging.INFO if backend.runtime.sandboxed else logging.WARNING, backend.runtime.headline()
    )
    app = build_app(backend, KeyRing(state_dir, token))
    sock = _bind(args.host, args.port)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_config=LOG_CONFIG,
        timeout_graceful_shutdown=2,
        # Longer than a list's auto-refresh (5 s by default): uvicorn's own 5 s closed
        # the idle connection just before each refresh, which then connected anew.
        timeout_keep_alive=KEEP_ALIVE,
        loop="asyncio",
        http="h11",
        lifespan="on",
    )
    server = _Server(config)

    async def announce() -> None:
        await server.ready.wait()
        if server.should_exit:
            return
        url = _url(args.host, port)
        runs = backend.runtime.runs_info(tty=args.tty)
        write_info(state_dir, url, runs, service_cli.run_options(args))
        if args.detach:
            _close_stdout()  # the starter's pipe: its end of file says "ready"
        else:
            sys.stdout.write(f"CROWNEST_API_URL={url}\nCROWNEST_API_KEY={token}\n")
            sys.stdout.flush()
        if args.seed_demo:
            from .seed import seed_demo

            await seed_demo(backend)

    announcing = asyncio.create_task(announce())

    async def stop_runs_on_exit() -> None:
        await server.exiting.wait()
        # Stop the demo seed first, so that it starts no run after the shutdown has
        # taken its list of runs to end (such a run would be left going, and hang
        # the exit).
        announcing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await announcing
        await backend.shutdown()

    tasks = [announcing, asyncio.create_task(stop_runs_on_exit())]
    try:
        await server.serve(sockets=[sock])
    finally:
        remove_info(state_dir)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        sock.close()
    return 0 if server.started else 1


def main(argv: list[str]) -> int:
    """Entry point of ``crownest-tui local …`` (``serve``, ``start``, ``stop``, ``status``)."""
    args = build_parser().parse_args(argv)
    if args.command in service_cli.COMMANDS:
        return service_cli.run(args)
    if args.command == "templates":
        from .templates_cli import print_templates

        return print_templates()
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"crownest-tui local: refusing to listen on {args.host}, which is not a loopback "
            "address; pass --allow-remote to allow it",
            file=sys.stderr,
        )
        return 2
    if args.exit_with_parent is not None and not exit_with_parent(args.exit_with_parent):
        print("crownest-tui local: the parent process is gone; not starting", file=sys.stderr)
        return 1
    state_dir: Path = (args.state_dir or default_state_dir()).expanduser().resolve()
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if args.detach:
        _detach(state_dir / LOG_FILE)
    # A key given through the environment (never argv, which any user's ``ps`` shows)
    # leaves it at once, so nothing we start inherits it.
    token = args.token or os.environ.pop(TOKEN_ENV, None) or load_or_create_token(state_dir)
    logging.config.dictConfig(LOG_CONFIG)
    # uvicorn re-raises the signal that stopped it once it is done; make that a no-op
    # so a clean stop exits 0. A detached service has no terminal to lose: a stray
    # SIGHUP must not end its runs (a handler, not SIG_IGN, which runs would inherit).
    for sig in (signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if args.detach else [])):
        signal.signal(sig, lambda *_: None)
    try:
        with serving_lock(state_dir):
            return asyncio.run(_serve(args, state_dir, token))
    except AlreadyServing as exc:
        print(f"crownest-tui local: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"crownest-tui local: cannot serve: {exc}", file=sys.stderr)
        return 1


def _detach(log: Path) -> None:
    """Become a daemon: double fork (a new session, not its leader, so no terminal can
    ever become ours), stdin from /dev/null, stderr appended to ``log``. The process
    that called us exits 0 at once; stdout stays open until :func:`_close_stdout`."""
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    with contextlib.suppress(OSError):
        if log.stat().st_size > LOG_ROTATE_BYTES:
            log.replace(log.with_name(log.name + ".1"))
    null = os.open(os.devnull, os.O_RDONLY)
    err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(err, 2)
    os.close(null)
    os.close(err)


def _close_stdout() -> None:
    """Point stdout at /dev/null (its pipe's reader sees the end of file)."""
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
