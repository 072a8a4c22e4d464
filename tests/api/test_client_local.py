"""The whole client surface over real HTTP against the local backend on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crownest_tui.api import (
    Backoff,
    CrowNestClient,
    CrowNestError,
    StreamOptions,
    StreamState,
)
from crownest_tui.api.events import HeartbeatEvent, StderrEvent, StdoutEvent
from crownest_tui.api.models import ArchiveTransfer
from crownest_tui.local.process import LocalBackendProcess
from tests.faultproxy import FaultPlan, FaultProxy
from tests.local.support import make_archive
from tests.support import serve_app

FAST_STREAM = StreamOptions(stall_timeout=2.0, backoff=Backoff(base=0.01, cap=0.05, first=0.0))


@pytest.fixture
async def api(backend: LocalBackendProcess) -> AsyncIterator[CrowNestClient]:
    async with CrowNestClient(backend.token, backend.url, stream_options=FAST_STREAM) as client:
        yield client


async def launch(
    api: CrowNestClient, command: str, files: dict[str, str] | None = None, **fields: Any
) -> str:
    run = await api.create_run(command=command, **fields)
    assert run.status == "awaiting_archive"
    await api.upload_archive(run.id, make_archive(files or {"README": "hi\n"}))
    started = await api.start_run(run.id)
    return started.id


async def test_run_life_cycle_with_direct_upload(api: CrowNestClient) -> None:
    run_id = await launch(
        api,
        "cat hello.txt; echo oops >&2; mkdir -p out; echo report > out/r.txt",
        {"hello.txt": "héllo\n"},
        metadata={"suite": "client"},
        source_metadata={"commit": "abc"},
        artifacts=[{"path": "out/r.txt"}, {"path": "../escape"}],
    )
    events = [e async for e in api.stream_events(run_id)]
    stdout = "".join(e.data for e in events if isinstance(e, StdoutEvent))
    stderr = "".join(e.data for e in events if isinstance(e, StderrEvent))
    assert stdout == "héllo\n" and stderr == "oops\n"
    assert events[-1].type == "terminal"
    statuses = [e.status for e in events if e.type == "status"]  # type: ignore[union-attr]
    assert statuses == [
        "awaiting_archive",
        "archive_uploaded",
        "starting",
        "extracting",
        "running",
        "collecting",
        "succeeded",
    ]
    run = await api.get_run(run_id)
    assert run.status == "succeeded" and run.exit_code == 0
    assert run.metadata == {"suite": "client"} and run.source_metadata == {"commit": "abc"}
    assert len(run.artifact_ids) == 1
    assert [e.code for e in run.artifact_errors] == ["path_outside_workspace"]
    artifact = await api.get_artifact(run.artifact_ids[0])
    assert await api.download_artifact(artifact.id) == b"report\n"
    evidence = await api.evidence(run_id)
    assert evidence.workspace_run_id == run_id and evidence.exit_code == 0
    assert evidence.artifact_ids == run.artifact_ids


async def test_staged_transfer_and_finalize(api: CrowNestClient) -> None:
    data = make_archive({"x.sh": "echo staged"})
    digest = hashlib.sha256(data).hexdigest()
    run = await api.create_run(command="sh x.sh")
    transfer = await api.create_archive_transfer(run.id, sha256=digest, size_bytes=len(data))
    assert transfer.status == "pending" and transfer.workspace_run_id == run.id
    await api.upload_to_transfer(transfer, data)
    result = await api.finalize_archive(
        run.id, upload_id=transfer.id, sha256=digest, size_bytes=len(data)
    )
    assert result.archive.sha256 == digest and result.workspace_run.status == "archive_uploaded"
    await api.start_run(run.id)
    out = [e.data async for e in api.stream_events(run.id) if isinstance(e, StdoutEvent)]
    assert "".join(out) == "staged\n"


async def test_replay_pages_and_resume_after_seq(api: CrowNestClient) -> None:
    run_id = await launch(api, "for i in $(seq 1 2000); do echo line $i; done")
    full = [e async for e in api.stream_events(run_id)]
    seqs = [e.seq for e in full if not isinstance(e, HeartbeatEvent)]
    assert seqs == list(range(1, len(seqs) + 1))
    page = await api.replay_events(run_id, after_seq=3, limit=5)
    assert [e.seq for e in page.events] == [4, 5, 6, 7, 8] and page.has_more
    middle = seqs[len(seqs) // 2]
    rest = [e async for e in api.stream_events(run_id, after_seq=middle)]
    assert [e.seq for e in rest] == seqs[middle:]


async def test_cancel_then_cancel_again_is_409(api: CrowNestClient) -> None:
    run_id = await launch(api, "sleep 60")
    canceled = await api.cancel_run(run_id)
    assert canceled.status in ("canceled", "running", "starting", "extracting")
    async with asyncio.timeout(20):
        async for event in api.stream_events(run_id):
            if event.type == "terminal":
                break
    run = await api.get_run(run_id)
    assert run.status == "canceled" and run.failure_class == "canceled"
    with pytest.raises(CrowNestError) as info:
        await api.cancel_run(run_id)
    assert info.value.status == 409


async def test_list_filters_and_paging(api: CrowNestClient) -> None:
    tag = f"t{id(api)}"
    ids = []
    for index in range(7):
        run = await api.create_run(command="true", metadata={"tag": tag, "odd": str(index % 2)})
        ids.append(run.id)
    everything = [r.id async for r in api.iter_runs(metadata={"tag": tag}, page_size=3)]
    assert everything == list(reversed(ids))  # newest first, across three pages
    odd = await api.list_runs(metadata={"tag": tag, "odd": "1"}, status="awaiting_archive")
    assert {r.id for r in odd.data} == {ids[1], ids[3], ids[5]}
    none = await api.list_runs(metadata={"tag": tag}, status="succeeded")
    assert none.data == [] and not none.has_more
    projects = [p async for p in api.iter_projects(page_size=1)]
    assert projects and all(p.id.startswith("prj_") for p in projects)
    project_runs = await api.list_runs(project_id=projects[0].id, limit=1)
    assert all(r.project_id == projects[0].id for r in project_runs.data)


async def test_not_found_and_bad_key_are_clear_errors(backend: LocalBackendProcess) -> None:
    async with CrowNestClient(backend.token, backend.url) as api:
        with pytest.raises(CrowNestError) as info:
            await api.get_run("wsr_doesnotexist")
        assert info.value.status == 404 and info.value.code == "not_found"
    async with CrowNestClient("cn_local_wrong", backend.url) as api:
        with pytest.raises(CrowNestError) as info:
            await api.list_runs()
        assert info.value.status == 401 and info.value.is_auth_error


async def test_the_credential_goes_only_to_the_api_origin(backend: LocalBackendProcess) -> None:
    """A staged upload URL on another origin (a second loopback port) gets no bearer."""
    seen: list[dict[str, str]] = []

    async def storage(request: Request) -> Response:
        seen.append(dict(request.headers))
        await request.body()
        return Response(status_code=204)

    app = Starlette(routes=[Route("/put/{key}", storage, methods=["PUT"])])
    async with serve_app(app) as port, CrowNestClient(backend.token, backend.url) as api:
        transfer = ArchiveTransfer(
            id="upl_x",
            upload_url=f"http://127.0.0.1:{port}/put/1",
            headers={"content-type": "application/gzip"},
            workspace_run_id="wsr_x",
        )
        await api.upload_to_transfer(transfer, b"bytes")
    assert len(seen) == 1
    assert "authorization" not in seen[0]
    assert all(backend.token not in value for value in seen[0].values())


async def test_stream_of_a_live_run_is_exact_through_a_faulty_network(
    backend: LocalBackendProcess,
) -> None:
    """A real run on the local backend, tailed live through cuts, stalls and 5xx."""
    script = (
        "import sys, time\n"
        "for i in range(6000):\n"
        "    (sys.stderr if i % 7 == 0 else sys.stdout).write(f'{i} ✓ \\x1b[1mbold\\x1b[0m\\n')\n"
        "    if i % 500 == 0: sys.stdout.flush(); sys.stderr.flush(); time.sleep(0.05)\n"
    )
    plan = FaultPlan(
        cut=0.6,
        stall=0.05,
        canned={"http_503": 0.05, "html_502": 0.05, "http_429": 0.05},
        cut_bytes=(0, 20_000),
    )
    port = int(backend.url.rsplit(":", 1)[1])
    options = StreamOptions(stall_timeout=0.5, backoff=Backoff(base=0.01, cap=0.05, first=0.0))
    async with CrowNestClient(backend.token, backend.url) as direct:
        run_id = await launch(direct, "python3 gen.py", {"gen.py": script})
        async with (
            FaultProxy(port, plan, seed=4) as proxy,
            CrowNestClient(
                backend.token, proxy.url, max_attempts=100, backoff=options.backoff
            ) as api,
        ):
            stream = api.stream_events(run_id, options=options)
            got = [e async for e in stream]
            faults = sum(n for name, n in proxy.faults.items() if name != "pass")
        truth = [json.dumps(e.to_wire()) async for e in direct.stream_events(run_id)]
    delivered = [json.dumps(e.to_wire()) for e in got if not isinstance(e, HeartbeatEvent)]
    truth = [t for t in truth if '"heartbeat"' not in t]
    assert delivered == truth
    assert faults >= 3
    assert stream.status.state is StreamState.ENDED and stream.status.events_lost == 0
    text = "".join(getattr(e, "data", "") for e in got)
    assert text.count("✓") == 6000


async def test_over_500_cuts_against_the_local_backend(backend: LocalBackendProcess) -> None:
    """Every connection cut at a random byte offset: the transcript is still exact."""
    headers = {"Authorization": f"Bearer {backend.token}"}
    async with httpx.AsyncClient(base_url=backend.url, headers=headers, timeout=60) as http:
        run_id = (await http.post("/v1/workspace-runs", json={"command": "bulk"})).json()[
            "workspaceRun"
        ]["id"]
        await http.post(
            "/v1/_test/bulk-events", json={"runId": run_id, "count": 9000, "line": "ünï ✓ "}
        )
    port = int(backend.url.rsplit(":", 1)[1])
    options = StreamOptions(stall_timeout=2, backoff=Backoff(base=0.001, cap=0.005, first=0.0))
    async with (
        CrowNestClient(backend.token, backend.url) as direct,
        FaultProxy(port, FaultPlan(cut=1.0, cut_bytes=(0, 4000)), seed=8) as proxy,
        CrowNestClient(backend.token, proxy.url, max_attempts=200, backoff=options.backoff) as api,
    ):
        stream = api.stream_events(run_id, options=options)
        got = [(e.seq, e.type, getattr(e, "data", "")) async for e in stream]
        truth = [
            (e.seq, e.type, getattr(e, "data", "")) async for e in direct.stream_events(run_id)
        ]
        cuts = proxy.faults["cut"]
    assert cuts >= 500, cuts
    assert got == truth
    assert stream.status.events_lost == 0 and stream.status.reconnects >= 500


async def test_an_unchanged_list_page_is_not_parsed_again(api: CrowNestClient) -> None:
    """An auto-refresh that gets the same bytes gets the same page back (the list then
    sees by identity that nothing changed); any change in the answer parses anew."""
    tag = {"tag": f"same{id(api)}"}

    async def finished_run() -> None:
        run_id = await launch(api, "true", metadata=tag)
        assert [e async for e in api.stream_events(run_id)][-1].type == "terminal"

    await finished_run()
    first = await api.list_runs(metadata=tag, limit=10)
    assert await api.list_runs(metadata=tag, limit=10) is first
    other = await api.list_runs(metadata=tag, limit=5)  # another query: its own page
    assert other is not first and other.data == first.data
    assert await api.list_runs(metadata=tag, limit=10) is first  # still known
    await finished_run()
    changed = await api.list_runs(metadata=tag, limit=10)
    assert changed is not first and changed.data[1:] == first.data
    assert await api.list_runs(metadata=tag, limit=10) is changed


async def test_one_connection_serves_requests_a_refresh_apart(
    backend: LocalBackendProcess,
) -> None:
    """Neither the client nor the local backend drops the idle connection before the
    list's next auto-refresh (5 s by default): a refresh does not connect anew."""
    peers: list[object] = []

    async def note_peer(response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        peers.append(stream.get_extra_info("client_addr"))

    async with CrowNestClient(backend.token, backend.url) as client:
        client.http.event_hooks["response"].append(note_peer)
        await client.list_runs(limit=1)
        await asyncio.sleep(6)
        await client.list_runs(limit=1)
    assert len(peers) == 2 and peers[0] == peers[1]
