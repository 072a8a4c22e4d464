"""Which folder each run was launched from on this machine, for "run it again".

``launch`` and the new-run form remember, per run id, the folder (absolute), the
``--exclude`` patterns and the artifacts asked for, in ``launches.json`` under the
state dir. The newest :data:`KEPT` launches are kept; a broken or unreadable file
is taken as empty and writing is best effort (a read-only home only loses reruns).
Two dashboards and a ``launch`` may remember at once: each read-change-write holds an
exclusive lock on ``launches.json.lock``, so none of them drops another's launch.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from ..api.models import ArtifactRequest
from ..core.paths import state_dir

KEPT = 1000


class LaunchSource(BaseModel):
    """Where a run's archive was packed from, and how."""

    folder: str
    excludes: list[str] = Field(default_factory=list)
    artifacts: list[ArtifactRequest] = Field(default_factory=list)

    @property
    def path(self) -> Path:
        return Path(self.folder)


_STORE: TypeAdapter[dict[str, LaunchSource]] = TypeAdapter(dict[str, LaunchSource])


def launches_path() -> Path:
    return state_dir() / "launches.json"


def _load(path: Path) -> dict[str, LaunchSource]:
    try:
        return _STORE.validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return {}


def recall(run_id: str, path: Path | None = None) -> LaunchSource | None:
    """Where ``run_id`` was launched from on this machine, if it was."""
    return _load(path or launches_path()).get(run_id)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold ``target``'s lock file (where there is no ``fcntl``, or no lock can be
    taken, go on unlocked: best effort, as the writing is)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target.with_name(target.name + ".lock"), "a")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        with suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def remember(
    run_id: str,
    folder: Path,
    *,
    excludes: Sequence[str] = (),
    artifacts: Sequence[ArtifactRequest] = (),
    path: Path | None = None,
) -> None:
    """Note that ``run_id`` was packed from ``folder`` (best effort)."""
    target = path or launches_path()
    source = LaunchSource(
        folder=str(folder.resolve()), excludes=list(excludes), artifacts=list(artifacts)
    )
    with _locked(target):
        known = _load(target)
        known.pop(run_id, None)
        known[run_id] = source
        _write(target, dict(list(known.items())[-KEPT:]))


def _write(target: Path, kept: dict[str, LaunchSource]) -> None:
    """Replace ``target`` in one step (a reader never sees half a file)."""
    text = json.dumps(
        {run: source.model_dump(mode="json", exclude_none=True) for run, source in kept.items()},
        indent=1,
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".launches-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except OSError:
        pass
