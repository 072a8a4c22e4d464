"""An in-memory CrowNest client with fixed data, for snapshots (no clock, no network)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from crownest_tui.api import (
    Backoff,
    Connection,
    CrowNestClient,
    CrowNestError,
    Secret,
    StreamOptions,
)
from crownest_tui.api.models import Page, Project, WorkspaceRun
from crownest_tui.core.defaults import LOCAL_SOURCE

FROZEN_NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
PROJECTS = {"prj_web": "storefront-web", "prj_pay": "payments-api"}
SPECS: tuple[tuple[str, str, dict[str, str], int | None], ...] = (
    ("running", "python3 run_tests.py --count 6000 --delay 0.15", {"branch": "main"}, None),
    ("running", "python3 stuck.py", {"branch": "fix/flaky", "kind": "stuck"}, None),
    ("awaiting_archive", "sh ci.sh check", {"branch": "release/1.4"}, None),
    ("succeeded", "python3 build.py --lines 2000", {"branch": "main", "ci": "local"}, 0),
    ("failed", "python3 run_tests.py --fail-every 17", {"branch": "main"}, 1),
    ("canceled", "python3 build.py --lines 100000000 --rate 2000", {"owner": "bob"}, None),
    ("succeeded", "python3 lint.py", {"branch": "main", "owner": "chen"}, 0),
    ("failed", "exit 1", {"branch": "release/1.4"}, 1),
)


def fixed_runs(now: datetime = FROZEN_NOW) -> list[WorkspaceRun]:
    """Eight runs of every kind, newest first, at fixed times before ``now``."""
    runs = []
    for index, (status, command, metadata, exit_code) in enumerate(SPECS):
        created = now - timedelta(minutes=3 + 7 * index)
        terminal = status in ("succeeded", "failed", "canceled")
        started = created + timedelta(seconds=4) if status != "awaiting_archive" else None
        doc = {
            "id": f"wsr_{index:04d}fixed{index:04d}",
            "orgId": "org_demo",
            "projectId": "prj_web" if index % 2 == 0 else "prj_pay",
            "status": status,
            "command": command,
            "metadata": metadata,
            "templateSlug": "python-node",
            "createdAt": created.isoformat(),
            "startedAt": started.isoformat() if started else None,
            "durationMs": 61_500 + 1000 * index if terminal else None,
            "exitCode": exit_code,
        }
        runs.append(WorkspaceRun.model_validate(doc))
    return runs


class FakeClient(CrowNestClient):
    """Serves :func:`fixed_runs`; ``fail`` makes list calls raise; ``hold`` blocks them."""

    def __init__(self, runs: list[WorkspaceRun] | None = None) -> None:
        super().__init__(
            connection=Connection(base_url="http://127.0.0.1:9", credential=Secret("fake"))
        )
        self.runs = fixed_runs() if runs is None else runs
        self.fail: CrowNestError | None = None
        self.hold: asyncio.Event | None = None

    async def list_runs(
        self,
        *,
        project_id: str | None = None,
        status: str | None = None,
        metadata: Mapping[str, str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WorkspaceRun]:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            raise self.fail
        found = [
            run
            for run in self.runs
            if (project_id is None or run.project_id == project_id)
            and (status is None or run.status == status)
            and all(run.metadata.get(k) == v for k, v in (metadata or {}).items())
        ]
        return Page[WorkspaceRun](data=found)

    async def list_projects(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Project]:
        projects = [
            Project(id=k, org_id="org_demo", name=v, created_at=FROZEN_NOW)
            for k, v in PROJECTS.items()
        ]
        return Page[Project](data=projects)


def snapshot_client(port: int, stall_timeout: float) -> CrowNestClient:
    """A real client of a scripted loopback server for snapshot tests: one try per
    call and reconnects far in the future, so a picture never catches a retry. The
    server counts as a local backend, so the context line says "local", not its
    random port."""
    backoff = Backoff(base=100, cap=100, first=100, jitter=False)
    connection = Connection(
        base_url=f"http://127.0.0.1:{port}",
        credential=Secret("cn_test_key"),
        base_url_source=LOCAL_SOURCE,
    )
    return CrowNestClient(
        connection=connection,
        stream_options=StreamOptions(stall_timeout=stall_timeout, backoff=backoff),
        max_attempts=1,
    )
