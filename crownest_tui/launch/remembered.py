"""Which folder each run was launched from on this machine, for "run it again".

``launch`` and the new-run form remember, per run id, the folder (absolute), the
``--exclude`` patterns and the artifacts asked for, in ``launches.json`` under the
state dir. The newest :data:`KEPT` launches are kept; a broken or unreadable file
is taken as empty and writing is best effort (a read-only home only loses reruns).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
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
    known = _load(target)
    known.pop(run_id, None)
    known[run_id] = LaunchSource(
        folder=str(folder.resolve()), excludes=list(excludes), artifacts=list(artifacts)
    )
    kept = dict(list(known.items())[-KEPT:])
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
