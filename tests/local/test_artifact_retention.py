"""Artifacts expire: once ``retentionExpiresAt`` has passed their file is deleted, the
record stays with ``deletedAt``, and the download answers 404 (real backends; a short
``--artifact-retention`` stands in for the 7 days)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import BackendFactory

from .support import client_for, error_code, run_to_end, wait_until

ARTIFACT_RUN = "mkdir -p out; echo 42 > out/result.txt"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _artifact_run(http: httpx.AsyncClient) -> dict[str, Any]:
    run = await run_to_end(http, ARTIFACT_RUN, artifacts=[{"path": "out/result.txt"}])
    assert run["status"] == "succeeded", run
    artifact: dict[str, Any] = (await http.get(f"/v1/artifacts/{run['artifactIds'][0]}")).json()[
        "artifact"
    ]
    return artifact


async def _check_expired(http: httpx.AsyncClient, before: dict[str, Any]) -> None:
    after = (await http.get(f"/v1/artifacts/{before['id']}")).json()["artifact"]
    assert after["deletedAt"] >= before["retentionExpiresAt"]
    assert {key: value for key, value in after.items() if key != "deletedAt"} == before
    download = await http.get(f"/v1/artifacts/{before['id']}/download")
    assert download.status_code == 404 and error_code(download) == "not_found"
    assert f"was deleted at {after['deletedAt']}" in download.json()["error"]["message"]


async def test_an_artifact_is_deleted_when_its_retention_ends(
    make_backend: BackendFactory,
) -> None:
    server = make_backend(extra_args=("--artifact-retention", "1.5"))
    async with client_for(server) as http:
        artifact = await _artifact_run(http)
        assert "deletedAt" not in artifact
        kept = _moment(artifact["retentionExpiresAt"]) - _moment(artifact["createdAt"])
        assert kept == timedelta(seconds=1.5)
        file = server.state_dir / "artifacts" / artifact["id"]
        assert file.read_bytes() == b"42\n"
        assert (await http.get(f"/v1/artifacts/{artifact['id']}/download")).content == b"42\n"
        await wait_until(lambda: not file.exists(), 6.0)  # by the backend: nobody asked
        await _check_expired(http, artifact)


async def test_what_expired_while_the_backend_was_down_is_deleted_at_its_start(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    state = tmp_path / "kept-state"
    first = make_backend(state, extra_args=("--artifact-retention", "1"))
    async with client_for(first) as http:
        artifact = await _artifact_run(http)
    first.stop()
    file = state / "artifacts" / artifact["id"]
    assert file.exists()  # stopped before its time came
    left = _moment(artifact["retentionExpiresAt"]) - datetime.now(UTC)
    await asyncio.sleep(max(0.0, left.total_seconds()))
    second = make_backend(state)  # the default retention: only the old one has expired
    await wait_until(lambda: not file.exists(), 6.0)
    async with client_for(second) as http:
        await _check_expired(http, artifact)
        fresh = await _artifact_run(http)
    assert "deletedAt" not in fresh
    assert (state / "artifacts" / fresh["id"]).exists()
