"""Wire-format edge cases of the client (httpx.MockTransport: no server can be this odd)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from crownest_tui.api import Backoff, CrowNestClient, CrowNestError

Handler = Callable[[httpx.Request], httpx.Response]
RUN = {
    "id": "wsr_1",
    "orgId": "org_1",
    "projectId": "prj_1",
    "status": "running",
    "command": "x",
    "createdAt": "2026-11-28T10:00:00Z",
}


def client(handler: Handler, **kwargs: object) -> CrowNestClient:
    return CrowNestClient(
        "cn_test_key",
        "https://api.test",
        transport=httpx.MockTransport(handler),
        backoff=Backoff(base=0.001, cap=0.002),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_json_error_envelope_becomes_one_exception() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "not_found", "message": "No such run", "details": {"id": "x"}}}
        return httpx.Response(404, json=body)

    async with client(handler) as api:
        with pytest.raises(CrowNestError) as info:
            await api.get_run("wsr_missing")
    err = info.value
    assert (err.status, err.code, err.message, err.details) == (
        404,
        "not_found",
        "No such run",
        {"id": "x"},
    )


@pytest.mark.parametrize(
    "body",
    [b"<html><h1>502 Bad Gateway</h1></html>", b"", b'{"error": "flat"}', b"[1]", b"\xff\xfe"],
)
async def test_a_non_contract_error_body_is_invalid_error_response(body: bytes) -> None:
    async with client(lambda r: httpx.Response(400, content=body)) as api:
        with pytest.raises(CrowNestError) as info:
            await api.get_run("wsr_1")
    assert info.value.code == "invalid_error_response" and info.value.status == 400


async def test_a_2xx_that_is_not_json_is_invalid_response() -> None:
    async with client(lambda r: httpx.Response(200, content=b"<html>")) as api:
        with pytest.raises(CrowNestError) as info:
            await api.get_run("wsr_1")
    assert info.value.code == "invalid_response"


async def test_a_2xx_with_the_wrong_shape_is_invalid_response() -> None:
    async with client(lambda r: httpx.Response(200, json={"workspaceRun": {"id": 5}})) as api:
        with pytest.raises(CrowNestError) as info:
            await api.get_run("wsr_1")
    assert info.value.code == "invalid_response"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_gets_are_retried_on_passing_errors(status: int) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(status, headers={"Retry-After": "0"}, text="busy")
        return httpx.Response(200, json={"workspaceRun": RUN})

    async with client(handler) as api:
        run = await api.get_run("wsr_1")
    assert run.id == "wsr_1" and len(calls) == 3


async def test_mutations_retry_with_the_same_idempotency_key() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            raise httpx.ConnectError("boom", request=request)
        if len(keys) == 2:
            return httpx.Response(503)
        return httpx.Response(200, json={"workspaceRun": RUN})

    async with client(handler) as api:
        await api.cancel_run("wsr_1")
    assert len(keys) == 3 and len(set(keys)) == 1 and 1 <= len(keys[0]) <= 255


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_other_4xx_are_not_retried(status: int) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(status, json={"error": {"code": "nope", "message": "no"}})

    async with client(handler) as api:
        with pytest.raises(CrowNestError):
            await api.start_run("wsr_1")
    assert calls == 1


async def test_retries_give_up_after_max_attempts() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503)

    async with client(handler, max_attempts=4) as api:
        with pytest.raises(CrowNestError) as info:
            await api.list_runs()
    assert calls == 4 and info.value.status == 503


async def test_connection_errors_carry_no_status_and_no_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client(handler, max_attempts=2) as api:
        with pytest.raises(CrowNestError) as info:
            await api.list_runs()
    assert info.value.status is None and info.value.code == "connection_error"
    assert "cn_test_key" not in str(info.value) and "cn_test_key" not in repr(info.value)


async def test_list_query_carries_every_filter() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"data": [RUN], "hasMore": False})

    async with client(handler) as api:
        page = await api.list_runs(
            project_id="prj_1",
            status="running",
            metadata={"branch": "main", "ci": "true"},
            limit=9999,
            cursor="abc",
        )
    assert page.data[0].id == "wsr_1"
    params = seen[0].params
    assert params["projectId"] == "prj_1" and params["status"] == "running"
    assert params["metadata.branch"] == "main" and params["metadata.ci"] == "true"
    assert params["limit"] == "500" and params["cursor"] == "abc"


async def test_ids_that_would_change_the_path_are_refused_before_sending() -> None:
    async with client(lambda r: httpx.Response(500)) as api:
        for bad in ("wsr_../../v1/projects", "prj_1", "wsr_a?b=c"):
            with pytest.raises(ValueError):
                await api.get_run(bad)


async def test_no_credential_is_a_clear_error_without_a_request() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200)

    api = CrowNestClient(
        base_url="https://api.test", transport=httpx.MockTransport(handler), environ={}
    )
    async with api:
        with pytest.raises(CrowNestError) as info:
            await api.list_runs()
    assert info.value.code == "missing_credential" and calls == 0


async def test_direct_upload_sends_checksum_and_size_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        archive = {"sha256": request.headers["x-crownest-archive-sha256"], "sizeBytes": 3}
        return httpx.Response(200, json={"archive": archive, "workspaceRun": RUN})

    async with client(handler) as api:
        result = await api.upload_archive("wsr_1", b"abc")
    request = seen[0]
    assert request.method == "PUT" and request.url.path == "/v1/workspace-runs/wsr_1/archive"
    assert request.headers["content-type"] == "application/gzip"
    assert request.headers["x-crownest-archive-size"] == "3"
    assert result.archive.size_bytes == 3 and request.content == b"abc"
    assert request.headers["x-crownest-archive-sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
