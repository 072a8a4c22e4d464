"""Happy paths of the Workspace Runs API over real HTTP, raw and through CrowNestClient."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import httpx

from crownest_tui.api import CrowNestClient, StderrEvent, StdoutEvent, TerminalEvent
from crownest_tui.local.process import LocalBackendProcess

from .support import (
    all_events,
    create,
    make_archive,
    output_of,
    run_to_end,
    runtime_of,
    sha256,
    start_run,
    upload,
    wait_for,
)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


SCRIPT = """
import os, sys
print("hello from", os.getcwd().rsplit("/", 1)[-1])
print("to stderr", file=sys.stderr)
os.makedirs("out", exist_ok=True)
open("out/result.txt", "w").write("42\\n")
"""


async def test_full_life_cycle_with_artifacts(
    http: httpx.AsyncClient, backend: LocalBackendProcess
) -> None:
    run = await create(
        http,
        "python3 job.py && echo done",
        metadata={"branch": "main", "ci": "local"},
        sourceMetadata={"repo": "acme/shop", "commit": "abc123"},
        artifacts=[{"path": "out/result.txt", "name": "result"}, {"path": "../escape"}],
        template="python",
    )
    assert run["status"] == "awaiting_archive"
    assert run["id"].startswith("wsr_") and run["orgId"].startswith("org_")
    assert run["templateSlug"] == "python" and run["templateVersionId"].startswith("tplv_")
    data = make_archive({"job.py": SCRIPT})
    uploaded = await upload(http, run["id"], data)
    assert uploaded.status_code == 200
    body = uploaded.json()
    assert body["archive"]["sha256"] == sha256(data)
    assert body["archive"]["sizeBytes"] == len(data)
    assert body["workspaceRun"]["status"] == "archive_uploaded"
    started = (await http.post(f"/v1/workspace-runs/{run['id']}/start")).json()["workspaceRun"]
    assert started["status"] == "starting"
    final = await wait_for(http, run["id"])
    assert final["status"] == "succeeded", final
    assert final["exitCode"] == 0
    assert final["evidenceAvailable"] is True
    assert final["cleanupStatus"] == "succeeded"
    assert final["durationMs"] >= 0
    assert len(final["artifactIds"]) == 1
    assert final["artifactErrors"] == [
        {
            "code": "path_outside_workspace",
            "message": "the path leaves the workspace",
            "path": "../escape",
        }
    ]

    events = await all_events(http, run["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    statuses = [e["status"] for e in events if e["type"] == "status"]
    assert statuses == [
        "awaiting_archive",
        "archive_uploaded",
        "starting",
        "extracting",
        "running",
        "collecting",
        "succeeded",
    ]
    # a sandboxed run works in /workspace, as hosted runs do; else in the state dir
    where = "workspace" if runtime_of(backend)["sandbox"]["enabled"] else run["id"]
    assert output_of(events) == f"hello from {where}\ndone\n"
    assert output_of(events, "stderr") == "to stderr\n"
    assert any(e["type"] == "archive_progress" for e in events)
    assert events[-1]["type"] == "terminal"
    assert events[-1]["workspaceRun"]["status"] == "succeeded"

    evidence = (await http.get(f"/v1/workspace-runs/{run['id']}/evidence")).json()["evidence"]
    assert evidence["workspaceRunId"] == run["id"]
    assert evidence["exitCode"] == 0 and evidence["status"] == "succeeded"
    assert evidence["sourceMetadata"] == {"repo": "acme/shop", "commit": "abc123"}
    assert evidence["artifactIds"] == final["artifactIds"]

    art_id = final["artifactIds"][0]
    artifact = (await http.get(f"/v1/artifacts/{art_id}")).json()["artifact"]
    assert artifact["name"] == "result" and artifact["sizeBytes"] == 3
    assert artifact["sourcePath"] == "out/result.txt"
    kept = _moment(artifact["retentionExpiresAt"]) - _moment(artifact["createdAt"])
    assert kept == timedelta(days=7)  # the free plan's retention
    download = await http.get(f"/v1/artifacts/{art_id}/download")
    assert download.content == b"42\n"


async def test_failures_and_timeouts(http: httpx.AsyncClient) -> None:
    failed = await run_to_end(http, "echo partial; exit 7")
    assert failed["status"] == "failed"
    assert (failed["exitCode"], failed["failureReason"], failed["failureClass"]) == (
        7,
        "command_exit",
        "user_command",
    )
    timed_out = await run_to_end(http, "echo start; sleep 30", timeoutMs=300)
    assert timed_out["status"] == "failed"
    assert timed_out["failureReason"] == "timeout"
    assert timed_out["durationMs"] < 5000
    bad = await run_to_end(http, "true", archive=b"definitely not a tarball")
    assert (bad["status"], bad["failureReason"], bad["failureClass"]) == (
        "failed",
        "archive_invalid",
        "user_input",
    )
    missing = await run_to_end(
        http, "true", artifacts=[{"path": "nope.txt"}, {"path": "/workspace/README"}]
    )
    assert missing["status"] == "succeeded"
    assert [e["code"] for e in missing["artifactErrors"]] == ["file_not_found"]
    assert len(missing["artifactIds"]) == 1


async def test_minimal_environment_and_python_on_path(http: httpx.AsyncClient) -> None:
    run = await run_to_end(http, "python3 -c 'import os; print(sorted(os.environ))'; python -V")
    events = await all_events(http, run["id"])
    text = output_of(events)
    assert "CROWNEST_RUN_ID" in text and "SECRET" not in text
    assert run["status"] == "succeeded", text
    assert sorted(run["envKeys"]) == run["envKeys"] and "PATH" in run["envKeys"]


async def test_staged_transfer_upload(
    http: httpx.AsyncClient, backend: LocalBackendProcess
) -> None:
    run = await create(http, "cat data.txt")
    data = make_archive({"data.txt": "staged bytes\n"})
    response = await http.post(
        f"/v1/workspace-runs/{run['id']}/archive-transfer",
        json={"sha256": sha256(data), "sizeBytes": len(data)},
    )
    assert response.status_code == 201
    transfer = response.json()["transfer"]
    assert transfer["id"].startswith("upl_") and transfer["status"] == "pending"
    assert transfer["method"] == "PUT" and transfer["checksumAlgorithm"] == "sha256"
    assert transfer["uploadUrl"].startswith(backend.url + "/v1/workspace-runs/")
    assert transfer["maxSizeBytes"] == 8 * 1024 * 1024
    put = await http.put(transfer["uploadUrl"], content=data, headers=transfer["headers"])
    assert put.status_code == 204 and put.content == b""
    final = await http.post(
        f"/v1/workspace-runs/{run['id']}/archive/finalize",
        json={"uploadId": transfer["id"], "sha256": sha256(data), "sizeBytes": len(data)},
    )
    assert final.status_code == 200
    assert final.json()["workspaceRun"]["status"] == "archive_uploaded"
    assert final.json()["archive"]["sha256"] == sha256(data)


async def test_progress_events_follow_large_uploads(http: httpx.AsyncClient) -> None:
    run = await create(http, "true")
    data = make_archive({"blob.bin": os.urandom(1_300_000)})
    assert (await upload(http, run["id"], data)).status_code == 200
    events = await all_events(http, run["id"])
    progress = [e for e in events if e["type"] == "archive_progress"]
    assert len(progress) >= 2
    assert progress[-1]["receivedBytes"] == len(data) == progress[-1]["sizeBytes"]
    received = [e["receivedBytes"] for e in progress]
    assert received == sorted(received)


async def test_idempotent_create_replays_the_first_answer(http: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "create-once-123"}
    first = await http.post("/v1/workspace-runs", json={"command": "true"}, headers=headers)
    again = await http.post("/v1/workspace-runs", json={"command": "true"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


async def test_the_project_client_drives_a_run(backend: LocalBackendProcess) -> None:
    async with CrowNestClient(api_key=backend.token, base_url=backend.url) as client:
        run = await client.create_run(
            command="printf 'a\\nb\\n'; echo oops >&2", metadata={"via": "client"}
        )
        data = make_archive({"x": "y"})
        transfer = await client.create_archive_transfer(
            run.id, sha256=sha256(data), size_bytes=len(data)
        )
        await client.upload_to_transfer(transfer, data)
        await client.finalize_archive(
            run.id, upload_id=transfer.id, sha256=sha256(data), size_bytes=len(data)
        )
        await client.start_run(run.id)
        seen = [event async for event in client.stream_events(run.id)]
        assert isinstance(seen[-1], TerminalEvent)
        assert seen[-1].workspace_run.status == "succeeded"
        out = "".join(e.data for e in seen if isinstance(e, StdoutEvent))
        err = "".join(e.data for e in seen if isinstance(e, StderrEvent))
        assert (out, err) == ("a\nb\n", "oops\n")
        assert [e.seq for e in seen] == list(range(1, len(seen) + 1))
        evidence = await client.evidence(run.id)
        assert evidence.exit_code == 0
        page = await client.list_runs(metadata={"via": "client"})
        assert [r.id for r in page.data] == [run.id]
        projects = [p async for p in client.iter_projects()]
        assert run.project_id in {p.id for p in projects}


async def test_start_returns_immediately_for_a_long_run(http: httpx.AsyncClient) -> None:
    run = await start_run(http, "sleep 5")
    assert run["status"] == "starting"
    canceled = (await http.post(f"/v1/workspace-runs/{run['id']}/cancel")).json()["workspaceRun"]
    assert canceled["status"] == "canceled" and canceled["failureClass"] == "canceled"
