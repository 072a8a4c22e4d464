"""The details tab says when an artifact has expired (its file deleted by the backend
once ``retentionExpiresAt`` passed), and ``d`` on it explains instead of saving."""

from __future__ import annotations

import asyncio
from pathlib import Path

from crownest_tui.text.format import absolute_time
from crownest_tui.ui.widgets.artifacts_table import ArtifactsTable
from tests.conftest import BackendFactory
from tests.ui.log_helpers import wait_until
from tests.ui.test_detail import DetailHost, client_of, detail, start_run


async def test_an_expired_artifact_shows_as_deleted(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    backend = make_backend(extra_args=("--artifact-retention", "1"))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    async with client_of(backend) as client:
        run_id = await start_run(client, "echo data > a.txt", artifacts=[{"path": "a.txt"}])
        run = await client.get_run(run_id)
        while run.status != "succeeded":
            await asyncio.sleep(0.05)
            run = await client.get_run(run_id)
        assert run.artifact_ids is not None and len(run.artifact_ids) == 1
        artifact_id = run.artifact_ids[0]
        file = backend.state_dir / "artifacts" / artifact_id
        for _ in range(200):  # the backend deletes it by itself when its time comes
            if not file.exists():
                break
            await asyncio.sleep(0.05)
        assert not file.exists()
        app = DetailHost(client, run_id, save_directory=downloads)
        async with app.run_test(size=(140, 45)) as pilot:
            screen = detail(pilot)
            await pilot.press("4")
            table = screen.query_one(ArtifactsTable)
            row = screen.state.artifacts[artifact_id]
            await wait_until(pilot, lambda: row.deleted_at is not None)
            assert row.deleted_at is not None
            deleted = f"deleted {absolute_time(row.deleted_at)}"
            await wait_until(pilot, lambda: table.get_row(artifact_id)[3:] == [deleted, "expired"])
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("d")
            await wait_until(pilot, lambda: any("was deleted at" in m for _, m in app.notes))
            assert not any(downloads.iterdir())
