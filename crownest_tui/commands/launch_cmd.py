"""``crownest-tui launch [DIR] [options] -- COMMAND…``: pack DIR, create, upload, start.

The command after ``--`` runs under ``/bin/sh -c`` in the sandbox: one word is taken
as a whole shell command (``-- "pytest -x && echo ok"``), several words are quoted
and joined (``-- python -c 'print(1)'``). Source metadata gets git's remote, branch,
commit and dirty flag when DIR is in a work tree; ``--source-metadata`` overrides.

Everything that needs no server is checked first (:func:`prepare_launch`: the
command, the folder, the request, then packing under the size cap), and ``cli.py``
does it before it starts a local backend or reads a credential, so a typo costs
nothing. ``--exclude PATTERN`` (gitignore syntax, repeatable) leaves out more than the
folder's ``.gitignore`` and ``.crownestignore`` files do.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..api.client import CrowNestClient
from ..api.models import ArtifactRequest, CreateRunRequest
from ..core.defaults import DEFAULT_TEMPLATE
from ..launch.flow import LaunchError, launch
from ..launch.gitmeta import source_metadata
from ..launch.ignore import IGNORE_FILE, check_pattern
from ..launch.pack import (
    IGNORE_FILES_ADVICE,
    ArchiveTooLarge,
    PackedArchive,
    PackError,
    pack_directory,
)
from ..launch.remembered import remember
from . import exitcodes
from .args import add_pairs_option, parse_duration, project_id
from .progress import ProgressPrinter


def _split_at_double_dash(parser: argparse.ArgumentParser) -> None:
    """Make everything after the first ``--`` the COMMAND, whatever it looks like.

    argparse alone cannot tell ``launch -- make test`` from ``launch make -- test``
    (it would take ``make`` as DIR), so this parser's ``parse_known_args`` is wrapped to
    parse only the words before ``--`` and keep the rest verbatim. It works the same
    when the parser is a subcommand's (argparse calls that method on subparsers).
    """
    parse = parser.parse_known_args

    def parse_known_args(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(sys.argv[1:] if args is None else args)
        if "--" not in words:
            return parse(words, namespace)
        cut = words.index("--")
        parsed, extra = parse(words[:cut], namespace)
        if parsed.command:
            parser.error("give DIR before --, and the command after it")
        parsed.command = words[cut + 1 :]
        return parsed, extra

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def add_launch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder to pack")
    parser.add_argument("--project", metavar="prj_…", type=project_id, help="the run's project")
    parser.add_argument("--template", default=DEFAULT_TEMPLATE, help="sandbox template slug")
    add_pairs_option(parser, "--metadata", "the run's metadata (repeatable)")
    add_pairs_option(
        parser,
        "--source-metadata",
        "source facts (override what git says: repo, branch, commit, dirty)",
    )
    parser.add_argument(
        "--timeout", metavar="DURATION", type=parse_duration, help="e.g. 90s, 10m, 1h30m"
    )
    parser.add_argument(
        "--artifact", metavar="PATH", action="append", default=[], help="collect this file"
    )
    parser.add_argument("--keep-sandbox", action="store_true", help="keep the sandbox after")
    parser.add_argument(
        "--no-tail", action="store_true", help="print the run id instead of following it"
    )
    parser.add_argument(
        "--staged-upload", action="store_true", help="upload through a staged transfer"
    )
    parser.add_argument(
        "--exclude",
        metavar="PATTERN",
        type=_exclude_pattern,
        action="append",
        default=[],
        help=f"leave out what this gitignore-style pattern matches (repeatable; on top of "
        f"the folder's .gitignore and {IGNORE_FILE} files)",
    )
    parser.add_argument("command", nargs="*", metavar="-- COMMAND", help="what to run")
    _split_at_double_dash(parser)


def _exclude_pattern(text: str) -> str:
    try:
        return check_pattern(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a gitignore pattern: {text!r}") from None


def shell_command(words: Sequence[str]) -> str:
    """One word as is (a shell command line); several words quoted and joined."""
    return words[0] if len(words) == 1 else shlex.join(words)


def build_request(args: argparse.Namespace, folder: Path) -> CreateRunRequest:
    fields: dict[str, Any] = {
        "command": shell_command(args.command),
        "project_id": args.project,
        "template": args.template,
        "metadata": dict(args.metadata) or None,
        "source_metadata": {**source_metadata(folder), **dict(args.source_metadata)} or None,
        "artifacts": [ArtifactRequest(path=path) for path in args.artifact] or None,
        "keep_sandbox": True if args.keep_sandbox else None,
        "timeout_ms": round(args.timeout * 1000) if args.timeout else None,
    }
    return CreateRunRequest.model_validate(fields)


def _fail(message: str, status: int) -> exitcodes.CommandFailed:
    return exitcodes.CommandFailed(exitcodes.fail(message, status))


@dataclass(frozen=True, slots=True)
class PreparedLaunch:
    """What ``launch`` checked and packed before talking to any server."""

    request: CreateRunRequest
    archive: PackedArchive


#: Where :func:`preflight_launch` leaves its :class:`PreparedLaunch` on the arguments.
_PREPARED = "prepared_launch"


def _folder(args: argparse.Namespace) -> Path:
    folder = Path(args.dir)
    if not folder.exists():
        raise _fail(f"{folder} is not a folder: it does not exist", exitcodes.NOT_FOUND)
    if not folder.is_dir():
        raise _fail(f"{folder} is not a folder", exitcodes.NOT_FOUND)
    return folder


def _pack(args: argparse.Namespace, folder: Path, printer: ProgressPrinter) -> PackedArchive:
    try:
        archive = pack_directory(folder, excludes=args.exclude, on_progress=printer.pack)
    except ArchiveTooLarge as exc:
        printer.finish()
        advice = f"--exclude PATTERN, or {IGNORE_FILES_ADVICE}"
        raise _fail(exc.advice(advice), exitcodes.REFUSED) from None
    except PackError as exc:
        printer.finish()
        raise _fail(str(exc), exitcodes.IO_ERROR) from None
    printer.packed(archive)
    return archive


def prepare_launch(args: argparse.Namespace, printer: ProgressPrinter) -> PreparedLaunch:
    """Check the command, the folder and the request, then pack (blocking: git and
    file reads); print the error and raise :class:`exitcodes.CommandFailed` on the
    first problem."""
    if not args.command:
        raise _fail("no command: put it after --, e.g. launch . -- make test", exitcodes.USAGE)
    folder = _folder(args)
    try:
        request = build_request(args, folder)
    except ValidationError as exc:
        raise _fail(f"invalid run request: {exc.errors()[0]['msg']}", exitcodes.USAGE) from None
    return PreparedLaunch(request, _pack(args, folder, printer))


def preflight_launch(args: argparse.Namespace) -> None:
    """:func:`prepare_launch` before any backend or connection exists (``cli.py`` calls
    it); :func:`run_launch` then uses what it packed instead of packing again."""
    setattr(args, _PREPARED, prepare_launch(args, ProgressPrinter()))


async def run_launch(args: argparse.Namespace, client: CrowNestClient) -> str:
    """Pack (unless :func:`preflight_launch` did), launch and return the run id
    (printed on stdout with ``--no-tail``).

    On failure the error line is printed and :class:`exitcodes.CommandFailed` raised
    with the exit status; nothing is uploaded when packing fails.
    """
    printer = ProgressPrinter()
    prepared: PreparedLaunch | None = getattr(args, _PREPARED, None)
    if prepared is None:
        prepared = await asyncio.to_thread(prepare_launch, args, printer)
    try:
        run = await launch(
            client,
            prepared.request,
            prepared.archive,
            on_progress=printer.launch,
            staged=True if args.staged_upload else None,
        )
    except LaunchError as exc:
        printer.finish()
        status = exitcodes.fail_api(exc.error, f"launch ({exc.step.value})")
        if exc.run_id:
            print(f"run {exc.run_id} was created but not started", file=sys.stderr)
        raise exitcodes.CommandFailed(status) from None
    finally:
        printer.finish()
    artifacts = prepared.request.artifacts or ()
    remember(run.id, Path(args.dir), excludes=args.exclude, artifacts=artifacts)
    if args.no_tail:
        print(run.id, flush=True)
    return run.id
