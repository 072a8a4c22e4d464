"""Download an artifact to a new file (never overwriting one)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from ...api.client import CrowNestClient
from ...core.save_folder import SaveFolder, SaveTarget

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


@dataclass(frozen=True)
class SavedArtifact:
    """An artifact written to ``path``, in ``target``'s folder."""

    path: Path
    target: SaveTarget


async def save_artifact(
    client: CrowNestClient, artifact_id: str, folder: SaveFolder
) -> SavedArtifact:
    """Fetch the artifact's metadata and bytes; write them to a new file in the folder
    ``folder`` picks (the downloads folder, never one being launched)."""
    artifact = await client.get_artifact(artifact_id)
    data = await client.download_artifact(artifact_id)
    target = await asyncio.to_thread(folder.target)
    name = safe_file_name(artifact.name, artifact_id)
    path = await asyncio.to_thread(_write_new, target.folder, name, data)
    return SavedArtifact(path, target)


def _write_new(directory: Path, name: str, data: bytes) -> Path:
    path = free_path(directory, name)
    with path.open("xb") as handle:
        handle.write(data)
    return path
