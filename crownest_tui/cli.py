"""The command line: flags, settings and the API (hosted, the persistent local service or
``--demo``'s child), then the app.

``crownest-tui local …`` dispatches to the local backend's own command line.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__, cli_help, debuglog, exit_deadline
from .api.client import CrowNestClient
from .api.credentials import ConfigError, Connection, Secret
from .api.ids import check_id
from .config import Settings, config_path, load_settings
from .core.defaults import DEMO_SOURCE, local_source
from .core.filters import FilterError, RunFilters, check_status, parse_metadata_pair
from .core.memory import resume_collection
from .local.unavailable import LocalBackendError
from .notice import notice
from .profiles import (
    ProfileSwitcher,
    flags_over,
    profile_connection,
    profile_view,
    select_profile,
)

BACKEND_STOP_GRACE = 0.3
"""Seconds a forced exit gives the local backend child between SIGTERM and SIGKILL."""


class UsageError(Exception):
    """A bad flag value: one line on stderr and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _refresh(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 (manual) and 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="crownest-tui",
        usage=cli_help.USAGE,
        description=cli_help.description("A terminal dashboard for CrowNest Workspace Runs."),
        epilog=cli_help.wrap(
            "Credentials: CROWNEST_API_KEY or CROWNEST_BEARER_TOKEN, else the profile's "
            "api_key_env/api_key_file, else the official "
            "CrowNest CLI's login. Settings: $CROWNEST_TUI_CONFIG or "
            f"{config_path()}."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", help=argparse.SUPPRESS)  # a typo, caught in run()
    parser.add_argument("--version", action="version", version=f"crownest-tui {__version__}")
    _add_api_choice(parser)
    _add_dashboard_options(parser)
    _add_debug(parser)
    return parser


def _add_dashboard_options(parser: argparse.ArgumentParser) -> None:
    """The runs list's filters and behaviour (the dashboard's and ``serve``'s)."""
    parser.add_argument("--project", metavar="prj_…", help="show one project's runs")
    parser.add_argument("--status", metavar="S", help="a status, or 'active' / 'terminal'")
    parser.add_argument(
        "--metadata",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="metadata filter (repeatable)",
    )
    parser.add_argument(
        "--refresh", metavar="SECONDS", type=_refresh, help="auto-refresh period, 0 = manual"
    )
    parser.add_argument("--read-only", action="store_true", help="hide every cancel action")


def _add_debug(parser: argparse.ArgumentParser) -> None:
    """``--debug`` / ``--debug-file FILE``: the diagnostic log (see debuglog.py)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log requests, stream reconnects and errors with timestamps (never the "
        f"credential) to {debuglog.default_path()} (created 0600, appended to)",
    )
    parser.add_argument(
        "--debug-file", metavar="FILE", help="write the --debug log to FILE instead"
    )


def _debug_log(
    args: argparse.Namespace, command: str
) -> contextlib.AbstractContextManager[debuglog.DebugLog | None]:
    return debuglog.session(debuglog.target(args.debug, args.debug_file), command)


def _add_api_choice(parser: argparse.ArgumentParser) -> None:
    """``--api-url`` | ``--demo`` | ``--local``: which CrowNest to talk to."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--api-url", metavar="URL", help="CrowNest API origin")
    where.add_argument(
        "--demo",
        action="store_true",
        help="a throwaway local backend with demo data (offline; it and its runs end with us)",
    )
    where.add_argument(
        "--local",
        action="store_true",
        help="the persistent local backend, started in the background if it is not running "
        "(its runs outlive this command; see `crownest-tui local status`)",
    )
    parser.add_argument("--profile", metavar="NAME", help="a [profiles.NAME] of the settings file")


def _after_seq(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _run_id(text: str) -> str:
    try:
        return check_id(text.strip(), "wsr")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _RunReference(argparse.Action):
    """``wsr_…`` or ``wsr_…:N`` (as ``Y`` copies a line in the log): sets ``run_id``,
    and ``at_seq`` when a seq is given."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        run_id, colon, seq = str(values).strip().partition(":")
        try:
            namespace.run_id = _run_id(run_id)
            if colon:
                namespace.at_seq = _after_seq(seq)
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentError(self, str(error)) from None


def build_open_parser() -> argparse.ArgumentParser:
    """``crownest-tui open wsr_… [--after-seq N] [--at-seq N]``: straight to a run's
    detail screen (``wsr_…:N``, as ``Y`` copies it in the log, is ``--at-seq N``)."""
    parser = _Parser(prog="crownest-tui open", description=cli_help.SUMMARIES["open"])
    parser.add_argument(
        "run_id",
        metavar="wsr_…",
        action=_RunReference,
        help="the run to open (wsr_…:N opens the log at event N, like --at-seq N)",
    )
    parser.add_argument(
        "--after-seq", metavar="N", type=_after_seq, help="show only events after seq N"
    )
    parser.add_argument(
        "--at-seq",
        metavar="N",
        type=_after_seq,
        help="open the log at the line of event N (Y in the log copies wsr_…:N)",
    )
    _add_api_choice(parser)
    parser.add_argument("--read-only", action="store_true", help="hide every cancel action")
    _add_debug(parser)
    parser.set_defaults(project=None, status=None, metadata=[], refresh=None)
    return parser


def build_command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of a script-friendly subcommand (``launch``, ``logs``, ``runs``…)."""
    from .commands import COMMANDS

    spec = COMMANDS[name]
    parser = _Parser(
        prog=f"crownest-tui {name}",
        description=spec.description,
        epilog=spec.epilog or None,
        formatter_class=(
            argparse.RawDescriptionHelpFormatter if spec.epilog else argparse.HelpFormatter
        ),
    )
    spec.add_arguments(parser)
    _add_api_choice(parser)
    _add_debug(parser)
    return parser


def _run_subcommand(name: str, argv: list[str], settings: Settings) -> int:
    """Run a subcommand; one that starts a run (``launch``, ``rerun``) then opens its tail."""
    from .commands import COMMANDS
    from .commands.runner import run_command, run_preflight

    spec = COMMANDS[name]
    args = build_command_parser(name).parse_args(argv)
    # Checks that need no server go first: a typo must not wait for a backend.
    if status := run_preflight(spec.preflight, args):
        return status
    if name == "insights":
        return _insights(args, settings)
    with _debug_log(args, name), _connection(args, settings) as connection:
        debuglog.protect(connection)
        starts = spec.start
        if starts is None or args.no_tail:
            return run_command(spec.run, args, connection)
        launched: list[str] = []

        async def launch(args: argparse.Namespace, client: CrowNestClient) -> int:
            launched.append(await starts(args, client))
            return 0

        status = run_command(launch, args, connection)
        if status or not launched:
            return status
        return _run_dashboard(
            connection, settings, RunFilters(), args, open_run=(launched[0], None, None)
        )


def _insights(args: argparse.Namespace, settings: Settings) -> int:
    """``insights --json`` prints the figures; without it, the dashboard opens on them."""
    from .commands import COMMANDS
    from .commands.insights_cmd import insights_filters
    from .commands.runner import run_command

    if args.concurrency is None:
        profile = select_profile(settings, getattr(args, "profile", None))
        args.concurrency = profile_view(settings, profile).concurrency
    with _debug_log(args, "insights"), _connection(args, settings) as connection:
        debuglog.protect(connection)
        if args.json:
            return run_command(COMMANDS["insights"].run, args, connection)
        return _run_dashboard(
            connection, settings, insights_filters(args), args, insights=args.window
        )


def _dashboard_args(argv: list[str]) -> argparse.Namespace:
    """The dashboard's flags; a stray word is an unknown command, not a bad flag."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is not None:
        raise UsageError(cli_help.unknown_command(args.command))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _filters(args: argparse.Namespace) -> RunFilters:
    try:
        project = check_id(args.project, "prj") if args.project else None
        status = check_status(args.status) if args.status else None
        pairs = [parse_metadata_pair(text) for text in args.metadata]
    except (ValueError, FilterError) as exc:
        raise UsageError(str(exc)) from None
    return RunFilters.build(project, status, pairs)


@contextlib.contextmanager
def _connection(args: argparse.Namespace, settings: Settings) -> Iterator[Connection]:
    """The hosted connection, the persistent local service, or ``--demo``'s child."""
    if args.demo:
        with _demo_backend() as connection:
            yield connection
    elif args.local:
        yield _local_service()
    else:
        name = select_profile(settings, getattr(args, "profile", None))
        yield profile_connection(settings, name, api_url=args.api_url)


def _local_service() -> Connection:
    """``--local``: the backend that runs on its own (``local start``), started if need be.

    It outlives this command: quitting, SIGHUP or a closed terminal end no run."""
    from .local.service import ensure_service, replaced_warning
    from .local.service_state import ServiceState, default_state_dir, probe, unsandboxed_notice

    state_dir = default_state_dir()
    if probe(state_dir).state is not ServiceState.RUNNING:
        notice(
            f"starting the local CrowNest backend in {state_dir} (it keeps running "
            "after this command; `crownest-tui local stop` stops it) …"
        )
    service = ensure_service(state_dir)
    if service.replaced is not None:
        notice(replaced_warning(service.replaced))
    if service.started and (unsandboxed := unsandboxed_notice(service.info)):
        notice(unsandboxed)  # said once, by the command that started it
    if service.info.version != __version__:
        notice(
            f"the local backend runs crownest-tui {service.info.version} (this is "
            f"{__version__}): `crownest-tui local stop` so that the next command starts this one"
        )
    return service.connection


@contextlib.contextmanager
def _demo_backend() -> Iterator[Connection]:
    """``--demo``: a backend child on a temp dir; both are gone when we are (its runs too)."""
    from .local.process import start_local_backend
    from .local.service_state import unsandboxed_notice

    temp = Path(tempfile.mkdtemp(prefix="crownest-demo-"))
    notice(f"starting the local CrowNest demo backend in {temp} …")

    def remove_temp() -> None:
        shutil.rmtree(temp, ignore_errors=True)

    try:
        with (
            exit_deadline.on_forced_exit(remove_temp),
            start_local_backend(temp, seed_demo=True) as backend,
            exit_deadline.on_forced_exit(lambda: backend.stop(BACKEND_STOP_GRACE)),
        ):
            if unsandboxed := unsandboxed_notice(backend.info):
                notice(unsandboxed)
            yield Connection(
                base_url=backend.url,
                credential=Secret(backend.token),
                credential_source=DEMO_SOURCE,
                base_url_source=local_source(DEMO_SOURCE, sandboxed=unsandboxed is None),
            )
    finally:
        remove_temp()


def _run_app(args: argparse.Namespace, settings: Settings, filters: RunFilters) -> int:
    run_id: str | None = getattr(args, "run_id", None)
    with (
        _debug_log(args, "open" if run_id else "dashboard"),
        _connection(args, settings) as connection,
    ):
        debuglog.protect(connection)
        if run_id:
            from .commands.open_cmd import run_can_be_opened

            if status := run_can_be_opened(connection, run_id):
                return status
        opening = (run_id, args.after_seq, getattr(args, "at_seq", None)) if run_id else None
        return _run_dashboard(connection, settings, filters, args, open_run=opening)


def _run_dashboard(
    connection: Connection,
    settings: Settings,
    filters: RunFilters,
    args: argparse.Namespace,
    *,
    open_run: tuple[str, int | None, int | None] | None = None,
    insights: str | None = None,
) -> int:
    from .core.error_lines import ErrorMatcher
    from .ui.app import CrowNestApp
    from .ui.messages import OpenRun

    client = CrowNestClient(connection=connection)
    refresh = getattr(args, "refresh", None)
    local = getattr(args, "demo", False) or getattr(args, "local", False)
    profiles = ProfileSwitcher(
        settings,
        config_path(),
        api_url=getattr(args, "api_url", None),
        read_only=getattr(args, "read_only", False),
        local=connection if local else None,
    )
    profile = select_profile(settings, getattr(args, "profile", None))
    view = profiles.view(profile)
    app = CrowNestApp(
        client,
        filters=flags_over(view.filters, filters),
        refresh_interval=view.refresh_interval if refresh is None else refresh,
        read_only=view.read_only,
        page_size=view.page_size,
        theme=view.theme,
        keymap=view.keymap,
        exit_on_signals=True,
        open_run=OpenRun(*open_run) if open_run else None,
        bell=view.bell,
        profiles=profiles,
        profile=profile,
        save_dir=settings.ui.save_dir,
        quiet_after=settings.ui.quiet_after,
        launched=Path(args.dir) if getattr(args, "dir", None) else None,  # launch/rerun DIR
        demo=getattr(args, "demo", False),
        concurrency=getattr(args, "concurrency", None) or view.concurrency,
        insights=insights,
        error_matcher=ErrorMatcher(settings.errors.patterns, builtin=settings.errors.builtin),
    )
    app.run()
    debuglog.app_finished(app)
    return app.return_code or 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 (any free port) and 65535")
    return value


def build_serve_parser() -> argparse.ArgumentParser:
    """``crownest-tui serve``: the dashboard in a web browser, one session per tab."""
    parser = _Parser(prog="crownest-tui serve", description=cli_help.SUMMARIES["serve"])
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_port, default=8766, help="default: 8766; 0 picks a free port"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a host that is not loopback: whoever reaches it uses your credential",
    )
    _add_api_choice(parser)
    _add_dashboard_options(parser)
    _add_debug(parser)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """Browser mode (``serve.py``): checks first, then one API connection for every tab."""
    from .core.net import is_loopback

    if not args.allow_remote and not is_loopback(args.host):
        raise UsageError(
            f"refusing to serve on {args.host}, which is not a loopback address; "
            "pass --allow-remote to allow it"
        )
    _filters(args)
    try:
        from .serve import serve_dashboard, session_options
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("textual_serve", "aiohttp"):
            raise
        raise UsageError(
            "browser mode needs textual-serve: pip install 'crownest-tui[serve]'"
        ) from None
    with _connection(args, settings) as connection:
        return serve_dashboard(
            connection,
            session_options(args),
            host=args.host,
            port=args.port,
            allow_remote=args.allow_remote,
        )


def run(argv: Sequence[str]) -> int:
    if list(argv[:1]) == ["local"]:
        from .local.server import main as local_main

        resume_collection()  # paused for the start-up (core/memory.py): the backend runs on
        return local_main(list(argv[1:]))
    with exit_deadline.signals_end_the_process():
        return _run_ours(argv)


def _subcommand_name(argv: Sequence[str]) -> str | None:
    """``launch``/``logs``/``runs``/``evidence`` if ``argv`` starts with one. Their
    modules are imported only then: the dashboard starts without them."""
    if not argv or argv[0] not in cli_help.SUMMARIES:
        return None
    from .commands import COMMANDS

    return argv[0] if argv[0] in COMMANDS else None


def _run_ours(argv: Sequence[str]) -> int:
    """The dashboard, ``open``, ``serve`` or a subcommand (any of ours but ``local``)."""
    try:
        name = _subcommand_name(argv)
        if name is not None:
            resume_collection()  # only the dashboard resumes it later, once it has painted
            return _run_subcommand(name, list(argv[1:]), load_settings())
        if list(argv[:1]) == ["serve"]:
            resume_collection()
            return _serve(build_serve_parser().parse_args(list(argv[1:])), load_settings())
        if list(argv[:1]) == ["open"]:
            args = build_open_parser().parse_args(list(argv[1:]))
        else:
            args = _dashboard_args(list(argv))
        settings = load_settings()
        return _run_app(args, settings, _filters(args))
    except (UsageError, ConfigError) as exc:
        print(f"crownest-tui: error: {exc}", file=sys.stderr)
        return 2
    except LocalBackendError as exc:
        from .commands.exitcodes import UNAVAILABLE

        print(f"crownest-tui: error: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except KeyboardInterrupt:
        return 130
