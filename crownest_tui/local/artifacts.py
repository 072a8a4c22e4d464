"""Collecting a run's requested artifacts from its workspace after the command.

A path is taken relative to the workspace (``/workspace/…`` is accepted as the hosted
spelling of the same place). It must resolve, symlinks followed, to a regular file
inside the workspace: otherwise ``path_outside_workspace`` or ``file_not_found``;
anything else that goes wrong is ``artifact_collect_failed``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..api.models import ArtifactErrorCode
from .contract import MAX_ARTIFACT_BYTES
from .records import ArtifactFailure

HOSTED_ROOT = "/workspace"


class ArtifactProblem(Exception):
    """A requested artifact that cannot be collected; ``failure`` says why."""

    def __init__(self, code: str, message: str, path: str) -> None:
        super().__init__(message)
        self.failure = ArtifactFailure(code=ArtifactErrorCode(code), message=message, path=path)


def resolve(workspace: Path, path: str) -> Path:
    """The real file ``path`` names inside ``workspace``, or raise ArtifactProblem."""
    rel = path
    if rel == HOSTED_ROOT or rel.startswith(HOSTED_ROOT + "/"):
        rel = rel[len(HOSTED_ROOT) :].lstrip("/")
    if rel.startswith("/") or not rel.strip() or "\0" in rel:
        raise ArtifactProblem("path_outside_workspace", "the path is not in the workspace", path)
    root = os.path.realpath(workspace)
    real = os.path.realpath(os.path.join(root, rel))
    if not real.startswith(root + os.sep):
        raise ArtifactProblem("path_outside_workspace", "the path leaves the workspace", path)
    if not os.path.exists(real):
        raise ArtifactProblem("file_not_found", "no such file in the workspace", path)
    if not os.path.isfile(real):
        raise ArtifactProblem("artifact_collect_failed", "not a regular file", path)
    return Path(real)


def copy_artifact(workspace: Path, path: str, dest: Path) -> int:
    """Copy the artifact at ``path`` to ``dest``; returns its size in bytes."""
    source = resolve(workspace, path)
    size = source.stat().st_size
    if size > MAX_ARTIFACT_BYTES:
        raise ArtifactProblem(
            "artifact_collect_failed", f"larger than {MAX_ARTIFACT_BYTES} bytes", path
        )
    try:
        shutil.copyfile(source, dest)
    except OSError as exc:
        raise ArtifactProblem("artifact_collect_failed", f"cannot copy: {exc}", path) from None
    return size
