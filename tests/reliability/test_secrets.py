"""The credential never shows (issue 6, "Secrets").

Not on screen, in screenshots, in saved transcripts, in notifications, in the repr or
str of the client, its connection or its errors; not in the local backend's log; not on
the CLI's stdout or stderr, with the right key or a wrong one.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from crownest_tui import cli
from crownest_tui.api import CrowNestClient, CrowNestError
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.filters import RunFilters
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.evidence_view import EvidenceView
from crownest_tui.ui.widgets.log_view import LogView
from tests.conftest import BackendFactory
from tests.local.support import client_for, run_to_end

WRONG = "cn_wrong_" + "z" * 24


async def wait_until(pilot: Pilot[None], check: Any, within: float = 20) -> None:
    for _ in range(int(within / 0.02)):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def notifications(app: CrowNestApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


def saved_logs(directory: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in directory.glob("*.log")]


def assert_hidden(token: str, *texts: str) -> None:
    for text in texts:
        assert token not in text
        assert token[-12:] not in text, "not even a tail of the credential"


async def real_run(backend: LocalBackendProcess, suite: str) -> str:
    async with client_for(backend) as http:
        run = await run_to_end(http, "echo hello; env; echo done >&2", metadata={"suite": suite})
    return str(run["id"])


async def test_dashboard_never_shows_the_credential(
    backend: LocalBackendProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = backend.token
    suite = uuid.uuid4().hex[:12]
    run_id = await real_run(backend, suite)
    monkeypatch.chdir(tmp_path)  # ctrl+s saves the transcript in the current directory
    shots: list[str] = []
    client = CrowNestClient(api_key=token, base_url=backend.url)
    async with client:
        app = CrowNestApp(
            client, refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(pilot, lambda: run_id in app.export_screenshot())
            shots.append(app.export_screenshot())
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
            screen = app.screen
            assert isinstance(screen, RunDetailScreen)
            log = screen.query_one("#log-view", LogView)
            await wait_until(pilot, lambda: "done" in app.export_screenshot())
            shots.append(app.export_screenshot())
            await pilot.press("question_mark")
            await pilot.pause()
            shots.append(app.export_screenshot())
            await pilot.press("escape")
            await pilot.press("3")
            await wait_until(pilot, lambda: screen.query_one(EvidenceView).evidence is not None)
            shots.append(app.export_screenshot())
            await pilot.press("j")
            shots.append(app.export_screenshot())
            await pilot.press("4")
            shots.append(app.export_screenshot())
            await pilot.press("1")
            log.focus()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: bool(saved_logs(tmp_path)))
            shots.append(app.export_screenshot())
            said = notifications(app)
        saved = saved_logs(tmp_path)
        assert saved and "hello" in saved[0]
        assert any("saved" in text for text in said)
        assert_hidden(token, *shots, *saved, *said)
        assert_hidden(token, repr(client), str(client), repr(client.connection))
        secret = client.credential
        assert_hidden(token, str(client.connection), repr(secret), str(secret), f"{secret}")


async def test_a_wrong_key_is_not_shown_either(backend: LocalBackendProcess) -> None:
    client = CrowNestClient(api_key=WRONG, base_url=backend.url)
    async with client:
        with pytest.raises(CrowNestError) as info:
            await client.list_runs()
        assert info.value.is_auth_error
        app = CrowNestApp(client, refresh_interval=0)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: bool(notifications(app)) or "401" in screenshot(app))
            await pilot.pause(0.2)
            shot = app.export_screenshot()
            said = notifications(app)
    assert_hidden(WRONG, shot, *said, str(info.value), repr(info.value), repr(client))
    assert_hidden(backend.token, shot, *said, str(info.value))


def screenshot(app: CrowNestApp) -> str:
    return app.export_screenshot()


async def test_the_backend_log_never_holds_a_credential(make_backend: BackendFactory) -> None:
    server = make_backend()
    token = server.token
    async with client_for(server) as http:
        await run_to_end(http, "echo fine")
        await run_to_end(http, "exit 3")
        assert (await http.get("/v1/workspace-runs/wsr_nope")).status_code == 404
    headers = [
        {"Authorization": f"Bearer {WRONG}"},
        {"Authorization": f"Basic {WRONG}"},
        {"Authorization": WRONG},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"X-Api-Key": token},
    ]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as raw:
        for header in headers:
            answer = await raw.get("/v1/workspace-runs", headers=header)
            assert answer.status_code == 401
            assert_hidden(token, answer.text)
            assert WRONG not in answer.text
        answer = await raw.post(
            "/v1/workspace-runs",
            content=b"{not json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code in (400, 422)
    server.stop()
    log = (server.state_dir / "server.log").read_text(errors="replace")
    assert log.strip(), "the backend logged something"
    assert_hidden(token, log)
    assert WRONG not in log


async def test_a_run_does_not_inherit_the_backend_credential(
    backend: LocalBackendProcess,
) -> None:
    async with client_for(backend) as http:
        run = await run_to_end(http, "env; cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n'")
        events = (await http.get(f"/v1/workspace-runs/{run['id']}/events")).json()["data"]
    output = "".join(e.get("data", "") for e in events)
    assert "PATH=" in output
    assert_hidden(backend.token, output)


# -- the CLI (sync: cli.run starts its own event loop) ----------------------------------


@pytest.fixture(scope="module")
def finished_run(backend: LocalBackendProcess) -> str:
    async def make() -> str:
        async with client_for(backend) as http:
            run = await run_to_end(http, "echo cli-output; exit 2")
        return str(run["id"])

    return asyncio.run(make())


@pytest.mark.parametrize("key_kind", ["right", "wrong"])
@pytest.mark.parametrize("command", ["runs", "logs", "evidence", "runs-json"])
def test_the_cli_never_prints_the_key(
    backend: LocalBackendProcess,
    finished_run: str,
    command: str,
    key_kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    key = backend.token if key_kind == "right" else WRONG
    monkeypatch.setenv("CROWNEST_API_KEY", key)
    argv = {
        "runs": ["runs", "--limit", "5"],
        "runs-json": ["runs", "--json", "--limit", "5"],
        "logs": ["logs", finished_run, "--json"],
        "evidence": ["evidence", finished_run, "--json"],
    }[command]
    code = cli.run([*argv, "--api-url", backend.url])
    out, err = capfd.readouterr()
    if key_kind == "right":
        assert code == 0, err
        assert out.strip()
    else:
        assert code != 0
        assert err.strip(), "a wrong key is explained"
    assert_hidden(key, out, err)
    assert_hidden(backend.token, out, err)
