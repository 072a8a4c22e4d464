"""The official ``crownest`` Python SDK (>= 0.1.2) against the local backend, unchanged.

Skipped unless that SDK is importable (it is not a dependency of this project).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crownest_tui.local.process import LocalBackendProcess

from .support import make_archive, sha256

crownest: Any = pytest.importorskip("crownest")


@pytest.fixture
def sdk(backend: LocalBackendProcess) -> Any:
    client = crownest.CrowNest(api_key=backend.token, base_url=backend.url)
    if not hasattr(client, "workspace_runs"):
        pytest.skip("this crownest SDK has no workspace_runs (needs 0.1.2 or later)")
    return client


def test_sync_sdk_round_trip(sdk: Any) -> None:
    runs = sdk.workspace_runs
    data = make_archive({"a.py": "print('from the sdk')\n"})
    run = runs.create(command="python3 a.py", metadata={"via": "sdk"}, artifacts=[{"path": "a.py"}])
    uploaded = runs.upload_archive(run["id"], data, sha256=sha256(data), size_bytes=len(data))
    assert uploaded["workspaceRun"]["status"] == "archive_uploaded"
    assert runs.start(run["id"])["status"] == "starting"
    events = list(runs.stream_events(run["id"]))
    assert events[-1]["type"] == "terminal"
    assert events[-1]["workspaceRun"]["status"] == "succeeded"
    assert "from the sdk\n" in "".join(e.get("data", "") for e in events)
    page = runs.list_events(run["id"], after_seq=1, limit=2)
    assert [e["seq"] for e in page["data"]] == [2, 3] and page["hasMore"] is True
    assert runs.evidence(run["id"])["exitCode"] == 0
    assert run["id"] in {r["id"] for r in runs.list(metadata={"via": "sdk"})}
    artifact_id = runs.get(run["id"])["artifactIds"][0]
    assert sdk.artifacts.download(artifact_id) == b"print('from the sdk')\n"
    staged = runs.create(command="sleep 30")
    transfer = runs.create_archive_transfer(staged["id"], sha256=sha256(data), size_bytes=len(data))
    runs.upload_archive_to_transfer(transfer, data)
    runs.finalize_archive(
        staged["id"], sha256=sha256(data), size_bytes=len(data), upload_id=transfer["id"]
    )
    runs.start(staged["id"])
    assert runs.cancel(staged["id"])["status"] == "canceled"
    with pytest.raises(crownest.CrowNestApiError) as caught:
        runs.cancel(staged["id"])
    assert caught.value.status == 409 and caught.value.code == "invalid_request"


def test_async_sdk_stream(backend: LocalBackendProcess) -> None:
    async def main() -> list[dict[str, Any]]:
        async with crownest.AsyncCrowNest(api_key=backend.token, base_url=backend.url) as sdk:
            if not hasattr(sdk, "workspace_runs"):
                pytest.skip("this crownest SDK has no workspace_runs")
            runs = sdk.workspace_runs
            data = make_archive({"x": "y"})
            run = await runs.create(command="echo async")
            await runs.upload_archive(run["id"], data, sha256=sha256(data), size_bytes=len(data))
            await runs.start(run["id"])
            return [event async for event in runs.stream_events(run["id"])]

    events = asyncio.run(main())
    assert events[-1]["workspaceRun"]["status"] == "succeeded"
