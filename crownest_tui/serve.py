"""Browser mode: ``crownest-tui serve`` shows the dashboard in a web page (textual-serve).

textual-serve starts one dashboard process per browser tab from a shell command
line and relays its screen over a WebSocket to xterm.js in the page. Here:

* the command line carries settings only (shlex-quoted, ``exec``-ed so the shell
  does not linger); the credential goes in the environment, which every session
  inherits from this process, so ``ps`` never shows it;
* the page is our own: textual-serve's template loads a font from a CDN, ours uses
  the fonts and scripts bundled in its package, so a browser needs no internet, and
  its Content-Security-Policy keeps it that way;
* requests must name this server in ``Host`` (DNS rebinding) and, for the session
  WebSocket, come from its own page (``Origin``): another web site open in the same
  browser cannot start a dashboard, read it or type into it, nor frame the page;
* on SIGINT/SIGTERM every session is told to quit and waited for, then we exit;
  killed outright, the sessions still end (``serve_session``), as does a ``--demo``
  backend (``local/lifeline.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import web
from textual_serve.server import Server

from .api.credentials import ENV_API_URL, ENV_BEARER_TOKEN, Connection
from .core.net import is_loopback

SHUTDOWN_GRACE = 5.0
"""Seconds the sessions get to quit before their handlers are canceled."""
STATIC_DIR = Path(textual_serve.__file__).parent / "static"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

log = logging.getLogger(__name__)

_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # xterm.js styles its own elements at run time.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# textual.js builds the terminal in the element with class "textual-terminal" and
# marks <body> with -first-byte (screen arrived) and -closed (session over).
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crownest-tui</title>
<link rel="icon" href="data:,">
<link rel="preload" href="/static/fonts/RobotoMono-VariableFont_wght.ttf" as="font"
      type="font/ttf" crossorigin>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>
@font-face {
  font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
}
@font-face {
  font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
}
html, body { margin: 0; height: 100%; background: #0c181f; color: #dde3e8;
  font: 15px "Roboto Mono", monospace; }
.notice { position: fixed; inset: 0; z-index: 10; display: flex; align-items: center;
  justify-content: center; text-align: center; background: #0c181f; }
.notice a { color: #7cc4ff; }
.ended, body.-first-byte .starting, body.-closed .starting { display: none; }
body.-closed .ended { display: flex; }
</style>
<script src="/static/js/textual.js"></script>
</head>
<body>
<div class="notice starting"><p>Starting the CrowNest dashboard&hellip;</p></div>
<div class="notice ended"><p>This dashboard session has ended.<br><br>
<a href="/">Start a new session</a></p></div>
<div id="terminal" class="textual-terminal"
     data-session-websocket-url="{websocket_url}" data-font-size="{font_size}"></div>
</body>
</html>
"""


def session_options(args: argparse.Namespace) -> list[str]:
    """The dashboard flags of ``serve`` (already checked), for each session's argv.

    Always ``--flag=value``: a value that starts with ``-`` stays a value.
    """
    options: list[str] = []
    for flag, value in (
        ("--profile", getattr(args, "profile", None)),
        ("--project", args.project),
        ("--status", args.status),
    ):
        if value:
            options.append(f"{flag}={value}")
    options += [f"--metadata={pair}" for pair in args.metadata]
    if args.refresh is not None:
        options.append(f"--refresh={args.refresh:g}")
    if args.read_only:
        options.append("--read-only")
    if getattr(args, "debug_file", None):
        options.append(f"--debug-file={Path(args.debug_file).expanduser().resolve()}")
    elif getattr(args, "debug", False):
        options.append("--debug")
    return options


def session_command(api_url: str, options: Sequence[str], parent: int) -> str:
    """The shell line textual-serve runs per tab: settings only, never the credential.

    ``serve_session`` ties the dashboard's life to process ``parent`` (this one).
    """
    argv = [sys.executable, "-m", "crownest_tui.serve_session", "--parent", str(parent), "--"]
    return "exec " + shlex.join([*argv, f"--api-url={api_url}", *options])


@contextlib.contextmanager
def session_environment(connection: Connection) -> Iterator[None]:
    """Put the credential where each session (a child of ours) finds it first.

    ``CROWNEST_BEARER_TOKEN`` outranks every other source but a flag, so every tab
    uses exactly the credential resolved here; the old environment comes back after.
    """
    values = {ENV_API_URL: connection.base_url}
    if connection.credential is not None:
        values[ENV_BEARER_TOKEN] = connection.credential.reveal()
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _host_port(value: str, default_port: int) -> tuple[str, int] | None:
    """``name[:port]`` of a Host header (or an origin's netloc), lower-cased."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port or default_port
    except ValueError:
        return None
    name = (parts.hostname or "").lower()
    if ":" in name:
        name = f"[{name}]"
    return (name, port) if name else None


class RequestGuard:
    """Which ``Host`` and ``Origin`` headers this server answers to."""

    def __init__(self, host: str, *, any_host: bool) -> None:
        self.any_host = any_host
        self.names = {*LOOPBACK_NAMES, host.lower()}
        if ":" in host and not host.startswith("["):
            self.names.add(f"[{host.lower()}]")
        self.port = 0

    def host_ok(self, header: str | None) -> bool:
        """On loopback, only our own names: a rebound DNS name is refused."""
        if self.any_host:
            return True
        found = _host_port(header or "", 80)
        return found is not None and found[0] in self.names and found[1] == self.port

    def origin_ok(self, origin: str | None, host: str | None) -> bool:
        """A browser's WebSocket must come from our own page (same host and port)."""
        if origin is None:
            return True  # not a browser: it could connect anyway, Origin or not
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https"):
            return False
        default = 443 if parts.scheme == "https" else 80
        here = _host_port(host or "", default)
        return here is not None and _host_port(parts.netloc, default) == here


class DashboardServer:
    """textual-serve's session handlers behind our page, checks and shutdown."""

    def __init__(self, command: str, *, host: str, any_host: bool = False) -> None:
        self.sessions = Server(command, host=host, title="crownest-tui")
        self.guard = RequestGuard(host, any_host=any_host)
        self._open: set[asyncio.Task[object]] = set()

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_request])
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.session),
                web.get("/download/{key}", self.sessions.handle_download),
                web.static("/static", STATIC_DIR),
            ]
        )
        app.on_response_prepare.append(self._add_headers)
        app.on_shutdown.append(self._end_sessions)
        return app

    @web.middleware
    async def _check_request(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        host = request.headers.get("Host")
        if not self.guard.host_ok(host):
            raise web.HTTPForbidden(text="unexpected Host header\n")
        if request.path == "/ws" and not self.guard.origin_ok(request.headers.get("Origin"), host):
            raise web.HTTPForbidden(text="WebSocket from another site\n")
        return await handler(request)

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(SECURITY_HEADERS)
        if request.path == "/":
            response.headers["Cache-Control"] = "no-store"

    async def index(self, request: web.Request) -> web.Response:
        try:
            font_size = min(max(int(request.query.get("fontsize", "16")), 6), 48)
        except ValueError:
            font_size = 16
        scheme = "wss" if request.secure else "ws"
        page = PAGE.replace("{font_size}", str(font_size)).replace(
            "{websocket_url}", html.escape(f"{scheme}://{request.host}/ws", quote=True)
        )
        return web.Response(text=page, content_type="text/html")

    async def session(self, request: web.Request) -> web.StreamResponse:
        """One browser tab: textual-serve runs a dashboard for it until either side ends."""
        task = asyncio.current_task()
        assert task is not None
        self._open.add(task)
        try:
            return await self.sessions.handle_websocket(request)
        finally:
            self._open.discard(task)

    async def _end_sessions(self, app: web.Application) -> None:
        """Make every session quit (textual-serve tells its dashboard to) and wait."""
        tasks = list(self._open)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE)


def display_url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def _serve(server: DashboardServer, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(server.build_app(), access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        # "localhost" could bind ::1 and 127.0.0.1 on two different free ports.
        address = "127.0.0.1" if host == "localhost" else host.strip("[]")
        site = web.TCPSite(runner, address, port)
        await site.start()
        bound = int(runner.addresses[0][1])
        server.guard.port = bound
        print(f"Serving the dashboard on {display_url(address, bound)}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def serve_dashboard(
    connection: Connection,
    options: Sequence[str],
    *,
    host: str,
    port: int,
    allow_remote: bool = False,
) -> int:
    """Serve until SIGINT/SIGTERM; 0 then, 1 if the port cannot be had, 2 if the host
    is not loopback and ``allow_remote`` is not set."""
    logging.basicConfig(level=logging.WARNING, format="crownest-tui serve: %(message)s")
    remote = not is_loopback(host)
    if remote and not allow_remote:
        print(f"crownest-tui serve: refusing to serve on {host} (not loopback)", file=sys.stderr)
        return 2
    if remote:
        print(
            f"crownest-tui serve: warning: anyone who can reach {host} gets a dashboard "
            "that uses your credential",
            file=sys.stderr,
        )
    server = DashboardServer(
        session_command(connection.base_url, options, os.getpid()),
        host=host,
        any_host=remote,
    )
    with session_environment(connection):
        try:
            asyncio.run(_serve(server, host, port))
        except OSError as exc:
            print(f"crownest-tui serve: cannot serve on {host}:{port}: {exc}", file=sys.stderr)
            return 1
    return 0
