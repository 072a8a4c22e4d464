"""``POST /v1/_test/seed-runs``: runs stored exactly as described, in order; bad
descriptions are refused with a clear 400 and store nothing."""

from __future__ import annotations

from crownest_tui.local.process import LocalBackendProcess
from tests.local.support import client_for, error_code
from tests.ui.conftest import new_suite


async def test_seeded_runs_are_listed_as_described(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    runs = [
        {
            "createdAt": "2026-11-20T10:00:00Z",
            "status": "failed",
            "failureReason": "timeout",
            "exitCode": 124,
            "durationMs": 3_600_000,
            "template": "base",
            "command": "sh slow.sh",
            "metadata": {"suite": suite},
        },
        {
            "id": f"wsr_seeded{suite}",
            "createdAt": "2026-11-20T11:00:00Z",
            "status": "running",
            "startedAt": "2026-11-20T11:00:02Z",
            "timeoutMs": 60_000,
            "metadata": {"suite": suite},
        },
    ]
    async with client_for(backend) as http:
        response = await http.post("/v1/_test/seed-runs", json={"runs": runs})
        assert response.status_code == 201, response.text
        created = response.json()["created"]
        assert created[1] == f"wsr_seeded{suite}"
        listed = (await http.get("/v1/workspace-runs", params={"metadata.suite": suite})).json()[
            "data"
        ]
    assert [run["id"] for run in listed] == created[::-1]  # newest stored first
    failed, running = listed[1], listed[0]
    assert failed["createdAt"].startswith("2026-11-20T10:00:00")
    assert (failed["status"], failed["failureReason"], failed["exitCode"]) == (
        "failed",
        "timeout",
        124,
    )
    assert failed["templateSlug"] == "base" and failed["command"] == "sh slow.sh"
    assert running["status"] == "running" and running["timeoutMs"] == 60_000


async def test_bad_seeds_are_refused_and_store_nothing(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    async with client_for(backend) as http:
        for body in (
            {"runs": "many"},
            {"runs": [1]},
            {"runs": [{"status": "sleeping", "metadata": {"suite": suite}}]},
            {"runs": [{"createdAt": "yesterday", "metadata": {"suite": suite}}]},
        ):
            response = await http.post("/v1/_test/seed-runs", json=body)
            assert response.status_code == 400, body
            assert error_code(response) == "invalid_request"
        listed = await http.get("/v1/workspace-runs", params={"metadata.suite": suite})
    assert listed.json()["data"] == []
