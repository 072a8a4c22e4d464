"""``crownest-tui evidence wsr_… [--json]``: the run's Evidence Bundle.

The bundle exists once the run has ended; before that the status is 75 ("not yet")
with a line saying what the run is doing, so a script can wait and ask again.
"""

from __future__ import annotations

import argparse
import json

from ..api.client import CrowNestClient
from ..api.errors import CrowNestError
from ..api.models import EvidenceBundle
from ..text.format import format_size, metadata_chips, safe_line
from . import exitcodes
from .args import run_id
from .table import format_fields


def add_evidence_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="wsr_…", type=run_id, help="the run")
    parser.add_argument("--json", action="store_true", help="the bundle as one JSON object")


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return safe_line(", ".join(str(v) for v in value)) or "—"
    return safe_line(str(value))


def _size(size: int | None) -> str:
    """``2.3 KiB (2,355 B)``: readable, and exact for whoever compares."""
    if size is None:
        return "—"
    return format_size(size) if size < 1024 else f"{format_size(size)} ({size:,} B)"


def _fields(bundle: EvidenceBundle) -> list[tuple[str, str]]:
    pairs = [
        ("run", bundle.workspace_run_id),
        ("project", bundle.project_id),
        ("status", _text(bundle.status)),
        ("exit code", _text(bundle.exit_code)),
        (
            "failure",
            _text(bundle.failure_class and f"{bundle.failure_class} ({bundle.failure_reason})"),
        ),
        ("command", _text(bundle.command)),
        ("created", _text(bundle.created_at)),
        ("started", _text(bundle.started_at)),
        ("finished", _text(bundle.finished_at)),
        ("duration ms", _text(bundle.duration_ms)),
        ("timeout ms", _text(bundle.timeout_ms)),
        ("orchestration ok", _text(bundle.orchestration_succeeded)),
        ("cleanup", _text(bundle.cleanup_status)),
        ("sandbox", _text(bundle.sandbox_id)),
        ("archive sha256", _text(bundle.archive and bundle.archive.sha256)),
        ("archive size", _size(bundle.archive.size_bytes if bundle.archive else None)),
        ("env keys", _text(bundle.env_keys)),
        ("artifacts", _text(bundle.artifact_ids)),
        ("metadata", metadata_chips(bundle.metadata) or "—"),
        ("source", metadata_chips(bundle.source_metadata) or "—"),
    ]
    for error in bundle.artifact_errors:
        pairs.append(("artifact error", _text(f"{error.path}: {error.code} {error.message}")))
    return pairs


async def _not_yet(client: CrowNestClient, run: str, err: CrowNestError) -> int:
    """A 404 may mean "no such run" or "not ended yet": ask the run which."""
    try:
        found = await client.get_run(run)
    except CrowNestError:
        return exitcodes.fail_api(err, f"evidence of {run}")
    if found.is_terminal:
        return exitcodes.fail_api(err, f"evidence of {run}")
    return exitcodes.fail(
        f"{run} is {safe_line(found.status)}; its evidence exists once it has ended",
        exitcodes.NOT_YET,
    )


async def run_evidence(args: argparse.Namespace, client: CrowNestClient) -> int:
    """Print the bundle; 0, 75 before the run ends, or an error status."""
    try:
        bundle = await client.evidence(args.run_id)
    except CrowNestError as err:
        if err.status == 404:
            return await _not_yet(client, args.run_id, err)
        return exitcodes.fail_api(err, f"evidence of {args.run_id}")
    if args.json:
        print(json.dumps(bundle.to_wire(), separators=(",", ":")))
    else:
        print(format_fields(_fields(bundle)))
    return exitcodes.OK
