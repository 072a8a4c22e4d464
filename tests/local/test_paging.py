"""Listing: newest first, cursor paging through 1,000+ runs, filter combinations."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .support import create, error_code


async def _bulk(http: httpx.AsyncClient, count: int, **fields: Any) -> None:
    response = await http.post("/v1/_test/bulk-runs", json={"count": count, **fields})
    assert response.status_code == 201, response.text


async def _all(http: httpx.AsyncClient, limit: int, **params: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query: dict[str, str | int] = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        page = (await http.get("/v1/workspace-runs", params=query)).json()
        pages += 1
        assert len(page["data"]) <= limit
        runs += page["data"]
        if not page["hasMore"]:
            assert "nextCursor" not in page
            return runs
        cursor = page["nextCursor"]
        assert isinstance(cursor, str) and pages < 100


async def test_paging_through_1200_runs(http: httpx.AsyncClient) -> None:
    batch = uuid.uuid4().hex
    await _bulk(http, 1200, metadata={"batch": batch})
    for limit in (500, 137):
        runs = await _all(http, limit, **{"metadata.batch": batch})
        assert len(runs) == 1200
        assert len({r["id"] for r in runs}) == 1200
        # newest first: bulk runs were inserted in index order
        assert [int(r["metadata"]["n"]) for r in runs] == list(range(1199, -1, -1))
    page = (await http.get("/v1/workspace-runs", params={"metadata.batch": batch})).json()
    assert len(page["data"]) == 100 and page["hasMore"] is True


async def test_new_runs_come_first(http: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex
    first = await create(http, "true", metadata={"tag": tag})
    second = await create(http, "true", metadata={"tag": tag})
    page = (await http.get("/v1/workspace-runs", params={"metadata.tag": tag})).json()
    assert [r["id"] for r in page["data"]] == [second["id"], first["id"]]
    latest = (await http.get("/v1/workspace-runs", params={"limit": 1})).json()
    assert latest["data"][0]["id"] == second["id"]


async def test_filter_combinations(http: httpx.AsyncClient) -> None:
    batch = uuid.uuid4().hex
    projects = []
    for name in ("alpha", "beta"):
        response = await http.post("/v1/_test/projects", json={"name": f"{name}-{batch}"})
        projects.append(response.json()["project"]["id"])
    alpha, beta = projects
    await _bulk(
        http, 30, projectId=alpha, status="succeeded", metadata={"batch": batch, "branch": "main"}
    )
    await _bulk(
        http, 20, projectId=alpha, status="failed", metadata={"batch": batch, "branch": "dev"}
    )
    await _bulk(
        http, 10, projectId=beta, status="failed", metadata={"batch": batch, "branch": "main"}
    )
    await _bulk(
        http,
        5,
        projectId=beta,
        status="canceled",
        metadata={"batch": batch, "branch": "main", "ci": "gh"},
    )

    async def count(**params: str) -> int:
        runs = await _all(http, 20, **{"metadata.batch": batch, **params})
        for run in runs:
            assert all(run.get(k) == v for k, v in params.items() if not k.startswith("metadata."))
            assert all(
                run["metadata"].get(k[len("metadata.") :]) == v
                for k, v in params.items()
                if k.startswith("metadata.")
            )
        return len(runs)

    assert await count() == 65
    assert await count(projectId=alpha) == 50
    assert await count(projectId=beta) == 15
    assert await count(status="failed") == 30
    assert await count(projectId=alpha, status="failed") == 20
    assert await count(**{"metadata.branch": "main"}) == 45
    assert await count(projectId=beta, **{"metadata.branch": "main"}) == 15
    assert await count(status="failed", **{"metadata.branch": "main"}) == 10
    assert await count(**{"metadata.branch": "main", "metadata.ci": "gh"}) == 5
    assert await count(projectId=alpha, status="canceled") == 0
    assert await count(**{"metadata.branch": "nowhere"}) == 0


async def test_projects_are_paged(http: httpx.AsyncClient) -> None:
    batch = uuid.uuid4().hex
    for i in range(5):
        await http.post("/v1/_test/projects", json={"name": f"p{i}-{batch}"})
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/v1/projects", params=params)).json()
        seen += page["data"]
        if not page["hasMore"]:
            break
        cursor = page["nextCursor"]
    mine = [p["name"] for p in seen if p["name"].endswith(batch)]
    assert mine == [f"p{i}-{batch}" for i in range(4, -1, -1)]
    assert all(set(p) >= {"id", "orgId", "name", "createdAt"} for p in seen)
    response = await http.get("/v1/projects", params={"cursor": "%%%"})
    assert error_code(response) == "invalid_request"
