"""Every error code the local backend produces, with its status and envelope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from crownest_tui.local.process import LocalBackendProcess
from tests.conftest import BackendFactory

from .support import client_for, create, error_code, make_archive, run_to_end, sha256, upload


def _write_keys(backend: LocalBackendProcess, keys: list[dict[str, object]]) -> None:
    (backend.state_dir / "keys.json").write_text(json.dumps({"keys": keys}))


async def test_auth_errors(backend: LocalBackendProcess) -> None:
    async with httpx.AsyncClient(base_url=backend.url) as anonymous:
        for method, path in [
            ("GET", "/v1/workspace-runs"),
            ("POST", "/v1/workspace-runs"),
            ("GET", "/v1/projects"),
            ("GET", "/v1/artifacts/art_x"),
        ]:
            response = await anonymous.request(method, path)
            assert response.status_code == 401
            assert error_code(response) == "unauthorized"
        response = await anonymous.get("/v1/projects", headers={"Authorization": "Basic abc"})
        assert (response.status_code, error_code(response)) == (401, "unauthorized")
    async with client_for(backend, "cn_local_wrong") as wrong:
        response = await wrong.get("/v1/workspace-runs")
        assert (response.status_code, error_code(response)) == (401, "invalid_api_key")


async def test_scopes_give_forbidden(backend: LocalBackendProcess, http: httpx.AsyncClient) -> None:
    _write_keys(
        backend,
        [
            {"name": "reader", "token": "cn_local_reader_key", "scopes": ["workspace_run:read"]},
            {"name": "nothing", "token": "cn_local_no_scopes", "scopes": []},
        ],
    )
    run = await create(http, "sleep 5")
    async with client_for(backend, "cn_local_reader_key") as reader:
        assert (await reader.get(f"/v1/workspace-runs/{run['id']}")).status_code == 200
        response = await reader.post(f"/v1/workspace-runs/{run['id']}/cancel")
        assert (response.status_code, error_code(response)) == (403, "forbidden")
        assert response.json()["error"]["details"] == {"requiredScope": "workspace_run:cancel"}
        response = await reader.post("/v1/workspace-runs", json={"command": "true"})
        assert (response.status_code, error_code(response)) == (403, "forbidden")
    async with client_for(backend, "cn_local_no_scopes") as nobody:
        response = await nobody.get("/v1/workspace-runs")
        assert (response.status_code, error_code(response)) == (403, "forbidden")
        # the contract names no scope for listing projects: any valid key may
        assert (await nobody.get("/v1/projects")).status_code == 200
        assert (await nobody.get("/v1/_local/runtime")).status_code == 200
    # the run was not canceled by the refused call
    assert (await http.get(f"/v1/workspace-runs/{run['id']}")).json()["workspaceRun"][
        "status"
    ] == "awaiting_archive"


async def test_every_route_needs_a_valid_key_even_an_unknown_one(
    backend: LocalBackendProcess,
) -> None:
    routes = [
        ("GET", "/v1/no/such/route"),
        ("DELETE", "/v1/workspace-runs"),  # a known path, a method it does not take
        ("GET", "/"),
        ("GET", "/v1/_local/runtime"),
        ("POST", "/v1/_test/bulk-runs"),
        ("GET", "/v1/workspace-runs/wsr_x/events"),
        ("PUT", "/v1/workspace-runs/wsr_x/archive-transfer/upl_x"),
    ]
    async with httpx.AsyncClient(base_url=backend.url) as anonymous:
        for method, path in routes:
            response = await anonymous.request(method, path)
            assert (response.status_code, error_code(response)) == (401, "unauthorized"), path
    async with client_for(backend, "cn_local_wrong") as wrong:
        for method, path in routes:
            response = await wrong.request(method, path)
            assert (response.status_code, error_code(response)) == (401, "invalid_api_key")
    async with client_for(backend) as valid:  # with the key, the route's own answer
        assert (await valid.get("/v1/no/such/route")).status_code == 404
        assert (await valid.delete("/v1/workspace-runs")).status_code == 405


async def test_not_found_answers(http: httpx.AsyncClient) -> None:
    for path in [
        "/v1/workspace-runs/wsr_doesnotexist",
        "/v1/workspace-runs/wsr_doesnotexist/events",
        "/v1/artifacts/art_doesnotexist",
        "/v1/no/such/route",
    ]:
        response = await http.get(path)
        assert (response.status_code, error_code(response)) == (404, "not_found"), path
    run = await create(http, "true")
    response = await http.get(f"/v1/workspace-runs/{run['id']}/evidence")
    assert (response.status_code, error_code(response)) == (404, "not_found")


async def test_invalid_requests(http: httpx.AsyncClient) -> None:
    cases = [
        ("POST", "/v1/workspace-runs", {"content": b"{not json"}),
        ("POST", "/v1/workspace-runs", {"json": {"command": ""}}),
        ("POST", "/v1/workspace-runs", {"json": {"command": "x", "timeoutMs": -1}}),
        ("POST", "/v1/workspace-runs", {"json": {"command": "x", "template": "cobol"}}),
        ("POST", "/v1/workspace-runs", {"json": {"command": "x", "projectId": "nope"}}),
        ("GET", "/v1/workspace-runs?limit=0", {}),
        ("GET", "/v1/workspace-runs?limit=501", {}),
        ("GET", "/v1/workspace-runs?cursor=garbage!", {}),
        ("GET", "/v1/workspace-runs?status=exploded", {}),
        ("GET", "/v1/workspace-runs/not-a-run-id", {}),
    ]
    for method, path, kwargs in cases:
        response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        assert (response.status_code, error_code(response)) == (400, "invalid_request"), path
    response = await http.post("/v1/workspace-runs", json={"command": "x", "projectId": "prj_none"})
    assert (response.status_code, error_code(response)) == (404, "not_found")
    run = await create(http, "true")
    response = await http.get(f"/v1/workspace-runs/{run['id']}/events?afterSeq=-1")
    assert (response.status_code, error_code(response)) == (400, "invalid_request")
    response = await http.post(f"/v1/workspace-runs/{run['id']}/start")
    assert (response.status_code, error_code(response)) == (409, "invalid_request")


async def test_cancel_of_a_terminal_run_is_a_conflict(http: httpx.AsyncClient) -> None:
    run = await run_to_end(http, "true")
    response = await http.post(f"/v1/workspace-runs/{run['id']}/cancel")
    assert (response.status_code, error_code(response)) == (409, "invalid_request")
    response = await http.post(f"/v1/workspace-runs/{run['id']}/start")
    assert (response.status_code, error_code(response)) == (409, "invalid_request")


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ({"bad key!": "x"}, "invalid_metadata_key"),
        ({"": "x"}, "invalid_metadata_key"),
        ({"k": 5}, "invalid_metadata_value"),
        ({"k": "v" * 513}, "invalid_metadata_value"),
        ({f"k{i}": "v" for i in range(51)}, "metadata_too_many_keys"),
        ({f"key{i}": "v" * 500 for i in range(20)}, "metadata_too_large"),
    ],
)
async def test_metadata_errors(
    http: httpx.AsyncClient, metadata: dict[str, object], code: str
) -> None:
    response = await http.post("/v1/workspace-runs", json={"command": "x", "metadata": metadata})
    assert (response.status_code, error_code(response)) == (400, code)


async def test_idempotency_key_reused(http: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "reuse-me"}
    first = await http.post("/v1/workspace-runs", json={"command": "a"}, headers=headers)
    assert first.status_code == 201
    other = await http.post("/v1/workspace-runs", json={"command": "b"}, headers=headers)
    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")
    elsewhere = await http.post(
        f"/v1/workspace-runs/{first.json()['workspaceRun']['id']}/cancel", headers=headers
    )
    assert error_code(elsewhere) == "idempotency_key_reused"
    too_long = await http.post(
        "/v1/workspace-runs", json={"command": "a"}, headers={"Idempotency-Key": "k" * 256}
    )
    assert (too_long.status_code, error_code(too_long)) == (400, "invalid_request")


async def test_idempotency_request_in_progress(http: httpx.AsyncClient) -> None:
    run = await create(http, "true")
    data = make_archive({"f": "x" * 1000})
    release = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield data[:10]
        await release.wait()
        yield data[10:]

    headers = {
        "Idempotency-Key": "slow-upload",
        "x-crownest-archive-sha256": sha256(data),
        "x-crownest-archive-size": str(len(data)),
    }
    url = f"/v1/workspace-runs/{run['id']}/archive"
    first = asyncio.create_task(http.put(url, content=slow_body(), headers=headers))
    await asyncio.sleep(0.3)
    second = await http.put(url, content=data, headers=headers)
    assert (second.status_code, error_code(second)) == (409, "idempotency_request_in_progress")
    release.set()
    assert (await first).status_code == 200
    replay = await http.put(url, content=data, headers=headers)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"


async def test_direct_upload_errors(http: httpx.AsyncClient) -> None:
    run = await create(http, "true")
    url = f"/v1/workspace-runs/{run['id']}/archive"
    data = make_archive({"a": "b"})

    async def put(body: bytes, sha: str, size: int) -> httpx.Response:
        return await http.put(
            url,
            content=body,
            headers={"x-crownest-archive-sha256": sha, "x-crownest-archive-size": str(size)},
        )

    response = await put(data, sha256(b"other"), len(data))
    assert (response.status_code, error_code(response)) == (400, "upload_checksum_mismatch")
    response = await put(data, sha256(data), len(data) + 1)
    assert (response.status_code, error_code(response)) == (400, "upload_size_mismatch")
    response = await put(data, "nothex", len(data))
    assert (response.status_code, error_code(response)) == (400, "invalid_request")
    big = 8 * 1024 * 1024 + 1
    response = await put(b"x" * big, sha256(b"x" * big), big)
    assert (response.status_code, error_code(response)) == (413, "file_too_large")
    response = await put(b"x" * 10, sha256(b"x" * 10), big)
    assert (response.status_code, error_code(response)) == (413, "file_too_large")

    async def endless() -> AsyncIterator[bytes]:  # no content-length: the cap still holds
        for _ in range(10):
            yield b"\0" * (1024 * 1024)

    response = await http.put(
        url,
        content=endless(),
        headers={"x-crownest-archive-sha256": sha256(b""), "x-crownest-archive-size": "100"},
    )
    assert (response.status_code, error_code(response)) == (413, "file_too_large")
    assert (await upload(http, run["id"], data)).status_code == 200
    response = await upload(http, run["id"], data)
    assert (response.status_code, error_code(response)) == (409, "upload_conflict")


async def test_staged_transfer_errors(http: httpx.AsyncClient) -> None:
    run = await create(http, "true")
    base = f"/v1/workspace-runs/{run['id']}"
    data = make_archive({"a": "b"})
    too_big = await http.post(
        f"{base}/archive-transfer", json={"sha256": sha256(data), "sizeBytes": 9 * 1024 * 1024}
    )
    assert (too_big.status_code, error_code(too_big)) == (413, "file_too_large")
    transfer = (
        await http.post(
            f"{base}/archive-transfer", json={"sha256": sha256(data), "sizeBytes": len(data)}
        )
    ).json()["transfer"]
    finalize = {"uploadId": transfer["id"], "sha256": sha256(data), "sizeBytes": len(data)}
    response = await http.post(f"{base}/archive/finalize", json=finalize)
    assert (response.status_code, error_code(response)) == (409, "upload_incomplete")
    response = await http.put(f"{base}/archive-transfer/upl_missing", content=data)
    assert (response.status_code, error_code(response)) == (404, "upload_not_found")
    response = await http.post(
        f"{base}/archive/finalize", json={**finalize, "uploadId": "upl_nope"}
    )
    assert (response.status_code, error_code(response)) == (404, "upload_not_found")
    response = await http.put(transfer["uploadUrl"], content=data + b"extra")
    assert (response.status_code, error_code(response)) == (400, "upload_size_mismatch")
    response = await http.put(transfer["uploadUrl"], content=data[:-1] + b"?")
    assert (response.status_code, error_code(response)) == (400, "upload_checksum_mismatch")
    assert (await http.put(transfer["uploadUrl"], content=data)).status_code == 204
    response = await http.put(transfer["uploadUrl"], content=data)
    assert (response.status_code, error_code(response)) == (409, "upload_conflict")
    response = await http.post(f"{base}/archive/finalize", json={**finalize, "sizeBytes": 1})
    assert (response.status_code, error_code(response)) == (400, "upload_size_mismatch")
    response = await http.post(f"{base}/archive/finalize", json={**finalize, "sha256": sha256(b"")})
    assert (response.status_code, error_code(response)) == (400, "upload_checksum_mismatch")
    assert (await http.post(f"{base}/archive/finalize", json=finalize)).status_code == 200
    response = await http.post(f"{base}/archive/finalize", json=finalize)
    assert (response.status_code, error_code(response)) == (409, "upload_conflict")


async def test_transfers_expire(make_backend: BackendFactory) -> None:
    server = make_backend(extra_args=("--transfer-ttl", "0.2"))
    async with client_for(server) as http:
        run = await create(http, "true")
        data = make_archive({"a": "b"})
        base = f"/v1/workspace-runs/{run['id']}"
        transfer = (
            await http.post(
                f"{base}/archive-transfer", json={"sha256": sha256(data), "sizeBytes": len(data)}
            )
        ).json()["transfer"]
        await asyncio.sleep(0.4)
        response = await http.put(transfer["uploadUrl"], content=data)
        assert (response.status_code, error_code(response)) == (410, "upload_expired")
        response = await http.post(
            f"{base}/archive/finalize",
            json={"uploadId": transfer["id"], "sha256": sha256(data), "sizeBytes": len(data)},
        )
        assert (response.status_code, error_code(response)) == (410, "upload_expired")
