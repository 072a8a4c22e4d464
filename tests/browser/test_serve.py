"""``crownest-tui serve``: the dashboard in a real (headless) browser, over textual-serve.

Each test starts ``serve`` as a child process on a free loopback port, opens the
page in Chromium and reads the terminal the page shows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from crownest_tui.api.credentials import Connection, Secret
from crownest_tui.api.models import Page, WorkspaceRun
from crownest_tui.cli import build_parser, build_serve_parser, run
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.serve import session_command, session_environment, session_options

from .support import (
    child_environment,
    cmdline,
    descendants,
    environ,
    open_dashboard,
    serving,
    session_pids,
    wait_for_absence,
    wait_for_sessions,
    wait_for_text,
    wait_gone,
)


def make_runs(backend: LocalBackendProcess, suite: str) -> list[WorkspaceRun]:
    """Three succeeded and two failed runs, fenced off by ``suite=<suite>``.

    (Plain httpx: Playwright's sync API owns this thread's event loop.)"""
    headers = {"Authorization": f"Bearer {backend.token}"}
    for status, count in (("succeeded", 3), ("failed", 2)):
        body = {"count": count, "status": status, "metadata": {"suite": suite}}
        response = httpx.post(f"{backend.url}/v1/_test/bulk-runs", json=body, headers=headers)
        response.raise_for_status()

    listed = httpx.get(
        f"{backend.url}/v1/workspace-runs",
        params={"metadata.suite": suite, "limit": "100"},
        headers=headers,
    )
    listed.raise_for_status()
    return Page[WorkspaceRun].model_validate(listed.json()).data


def test_the_dashboard_works_in_the_browser_and_the_key_stays_out_of_argv(
    browser: Browser, backend: LocalBackendProcess, tmp_path: Path
) -> None:
    suite = uuid.uuid4().hex[:12]
    runs = make_runs(backend, suite)
    assert sorted(str(r.status) for r in runs).count("failed") == 2 and len(runs) == 5
    env = child_environment({"CROWNEST_API_KEY": backend.token})
    args = ["--api-url", backend.url, "--metadata", f"suite={suite}", "--refresh", "0"]
    with serving(args, env, tmp_path) as served:
        page, requested, errors = open_dashboard(browser, served.url)
        text = wait_for_text(page, [r.id for r in runs])

        # The runs table: each run's row shows its own status.
        rows = {r.id: next(line for line in text.splitlines() if r.id in line) for r in runs}
        for r in runs:
            assert str(r.status) in rows[r.id], rows[r.id]
        assert "5 runs" in text

        # Keys typed in the page reach the dashboard: the quick filter narrows the table.
        chosen, others = runs[0], [r.id for r in runs[1:]]
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("/")
        wait_for_text(page, ["quick filter"])
        page.keyboard.type(chosen.id[4:14])
        after = wait_for_absence(page, others)
        assert chosen.id in after

        # The credential went through the environment: no process's argv has it.
        sessions = wait_for_sessions(served.proc.pid, 1)
        assert environ(sessions[0]).get("CROWNEST_BEARER_TOKEN") == backend.token
        for pid in [served.proc.pid, *descendants(served.proc.pid)]:
            assert backend.token not in cmdline(pid), cmdline(pid)
        assert f"--api-url={backend.url} --metadata=suite={suite}" in cmdline(sessions[0])

        # Offline: the page loaded nothing from anywhere but this server, and the
        # Content-Security-Policy refused nothing it needed.
        assert requested and all(url.startswith(f"{served.url}/") for url in requested)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        assert "Serving the dashboard on" in served.output.read_text()

        # Killed outright, serve cannot tell its sessions to quit: they end all the same.
        served.proc.kill()
        served.proc.wait()
        assert wait_gone(sessions) == []
        # The page says the session ended (and offers a new one).
        page.wait_for_function("document.body.classList.contains('-closed')", timeout=10_000)
        assert page.locator(".ended").is_visible()


def test_demo_starts_one_backend_for_every_tab_and_all_end_with_serve(
    browser: Browser, tmp_path: Path
) -> None:
    with serving(["--demo"], child_environment({}), tmp_path) as served:
        first, _, _ = open_dashboard(browser, served.url)
        second, _, _ = open_dashboard(browser, served.url)
        for page in (first, second):
            wait_for_text(page, ["wsr_"])
        sessions = wait_for_sessions(served.proc.pid, 2)
        backends = [p for p in descendants(served.proc.pid) if "local serve" in cmdline(p)]
        assert len(backends) == 1, [cmdline(p) for p in backends]
        tokens = {environ(pid).get("CROWNEST_BEARER_TOKEN") for pid in sessions}
        assert len(tokens) == 1 and None not in tokens
        token = tokens.pop()
        assert token
        for pid in [served.proc.pid, *descendants(served.proc.pid)]:
            assert token not in cmdline(pid)

        assert served.stop() == 0  # SIGTERM: a clean stop
        assert wait_gone([*sessions, *backends]) == []


def test_requests_from_other_sites_are_refused(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    env = child_environment({"CROWNEST_API_KEY": backend.token})
    with serving(["--api-url", backend.url], env, tmp_path) as served:
        port = served.url.rsplit(":", 1)[1]
        page = httpx.get(served.url)
        assert page.status_code == 200 and "textual-terminal" in page.text
        assert "googleapis" not in page.text and "https://" not in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert httpx.get(f"http://localhost:{port}/").status_code == 200

        # DNS rebinding: a foreign name that resolves to 127.0.0.1.
        rebound = httpx.get(served.url, headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 403
        # Cross-site WebSocket: a page on another origin opening our session socket.
        upgrade = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        foreign = httpx.get(
            f"{served.url}/ws", headers={**upgrade, "Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        assert session_pids(served.proc.pid) == []
        assert served.stop() == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "example.com"])
def test_a_host_that_is_not_loopback_is_refused(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["serve", "--demo", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a loopback address" in err and "--allow-remote" in err


def test_the_session_command_quotes_everything_and_carries_no_credential() -> None:
    options = ["--metadata=note=a b;rm -rf ~ $(id)", "--project=prj_x'y"]
    command = session_command("http://127.0.0.1:9/api", options, 4321)
    # What a POSIX shell makes of it (printf in place of exec: nothing runs).
    shell = subprocess.run(
        ["/bin/sh", "-c", "printf '%s\\n' " + command.removeprefix("exec ")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.splitlines() == [
        sys.executable,
        "-m",
        "crownest_tui.serve_session",
        "--parent",
        "4321",
        "--",
        "--api-url=http://127.0.0.1:9/api",
        *options,
    ]
    connection = Connection("http://127.0.0.1:9", Secret("sk_live_secret"))
    with session_environment(connection):
        assert os.environ["CROWNEST_BEARER_TOKEN"] == "sk_live_secret"
    assert "CROWNEST_BEARER_TOKEN" not in os.environ


def test_a_port_in_use_is_one_line_and_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(["serve", "--api-url", "http://127.0.0.1:9", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot serve on 127.0.0.1:{port}" in err
    assert "CROWNEST_API_URL" not in os.environ  # the sessions' environment is undone


def test_without_textual_serve_it_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "crownest_tui.serve", raising=False)
    assert run(["serve", "--api-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'crownest-tui[serve]'" in err


def test_every_dashboard_flag_reaches_the_sessions_unchanged(tmp_path: Path) -> None:
    argv = [
        "--project=prj_0123456789abcdef01234567",
        "--status=active",
        "--metadata=branch=-main",
        "--metadata=note=a b",
        "--refresh=2.5",
        "--read-only",
        f"--debug-file={tmp_path / 'debug.log'}",
    ]
    served = build_serve_parser().parse_args(["--port", "0", *argv])
    session = build_parser().parse_args(session_options(served))
    for name in ("project", "status", "metadata", "refresh", "read_only", "debug_file"):
        assert getattr(session, name) == getattr(served, name), name
