"""Download an artifact to a new file (never overwriting one)."""

from __future__ import annotations

import re
from pathlib import Path

from ...api.client import CrowNestClient

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, fallback: str) -> str:
    """A plain file name from an untrusted artifact name (no dirs, no dots-only)."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return base or fallback


def free_path(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name-1``, ``name-2``… if taken."""
    path = directory / name
    stem, suffix = path.stem, path.suffix
    counter = 1
    while path.exists():
        path = directory / f"{stem}-{counter}{suffix}"
        counter += 1
    return path


async def save_artifact(client: CrowNestClient, artifact_id: str, directory: Path) -> Path:
    """Fetch the artifact's metadata and bytes; write them next to nothing else."""
    artifact = await client.get_artifact(artifact_id)
    data = await client.download_artifact(artifact_id)
    path = free_path(directory, safe_file_name(artifact.name, artifact_id))
    with path.open("xb") as handle:
        handle.write(data)
    return path
