"""``crownest-tui local serve`` itself: ready lines, token file, loopback rule, logs."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx

from crownest_tui.local.process import astart_local_backend, start_local_backend

SERVE = [sys.executable, "-m", "crownest_tui", "local", "serve"]


def test_prints_exactly_two_lines_and_logs_without_secrets(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [*SERVE, "--port", "0", "--state-dir", str(tmp_path / "s")],
            stdout=subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None
    url_line = proc.stdout.readline().decode()
    key_line = proc.stdout.readline().decode()
    assert re.fullmatch(r"CROWNEST_API_URL=http://127\.0\.0\.1:\d+\n", url_line)
    assert re.fullmatch(r"CROWNEST_API_KEY=cn_local_[\w-]+\n", key_line)
    url = url_line.strip().split("=", 1)[1]
    token = key_line.strip().split("=", 1)[1]
    assert int(url.rsplit(":", 1)[1]) > 0
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{url}/v1/workspace-runs", headers=headers).status_code == 200
    assert (
        httpx.get(f"{url}/v1/projects", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    proc.terminate()
    assert proc.wait(15) == 0
    assert proc.stdout.read() == b""  # nothing after the two lines
    proc.stdout.close()
    text = log.read_text()
    assert '"GET /v1/workspace-runs HTTP/1.1" 200' in text
    assert token not in text and "Bearer" not in text and "nope" not in text


def test_token_is_made_once_and_kept_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with start_local_backend(state) as first:
        token = first.token
    token_file = state / "token"
    assert token.startswith("cn_local_") and len(token) > 30
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == token
    with start_local_backend(state) as second:
        assert second.token == token
    with start_local_backend(state, token="cn_local_given") as third:
        assert third.token == "cn_local_given"
        response = httpx.get(
            f"{third.url}/v1/projects", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401


def test_remote_hosts_are_refused_unless_allowed(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10", "example.com"):
        done = subprocess.run(
            [*SERVE, "--host", host, "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1
        assert "--allow-remote" in done.stderr
    with start_local_backend(
        tmp_path / "r", extra_args=["--host", "0.0.0.0", "--allow-remote"]
    ) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert (
            httpx.get(
                f"{server.url}/v1/projects", headers={"Authorization": f"Bearer {server.token}"}
            ).status_code
            == 200
        )


def test_default_state_dir_is_the_user_data_dir(isolated_environment: Path) -> None:
    proc = subprocess.Popen(
        [*SERVE, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    key = proc.stdout.readline().decode().strip().split("=", 1)[1]
    proc.terminate()
    proc.wait(15)
    proc.stdout.close()
    token_file = Path(os.environ["XDG_DATA_HOME"]) / "crownest-tui" / "local-backend" / "token"
    assert token_file.read_text().strip() == key


async def test_async_start_does_not_block_the_loop(tmp_path: Path) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    async with await astart_local_backend(tmp_path / "s", token="cn_local_async") as server:
        assert server.running and server.token == "cn_local_async"
        assert server.env == {"CROWNEST_API_URL": server.url, "CROWNEST_API_KEY": "cn_local_async"}
        async with httpx.AsyncClient() as http:
            response = await http.get(
                f"{server.url}/v1/projects", headers={"Authorization": "Bearer cn_local_async"}
            )
            assert response.status_code == 200
    ticker.cancel()
    assert ticks > 5  # the loop kept running while the child started
    assert not server.running


def _run_count(url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    page = httpx.get(f"{url}/v1/workspace-runs?limit=100", headers=headers, timeout=10)
    return len(page.json()["data"])


def test_sigterm_while_the_demo_seed_runs_exits_promptly_and_cleanly(tmp_path: Path) -> None:
    """The seed once started a run after the shutdown had listed the runs to end: that
    run was never ended and the process hung at exit (tracebacks on a closed DB)."""
    for point, wanted in enumerate((1, 12, 25)):
        state = tmp_path / f"state-{point}"
        backend = start_local_backend(state, seed_demo=True)
        try:
            deadline = time.monotonic() + 60
            while _run_count(backend.url, backend.token) < wanted:
                assert time.monotonic() < deadline, "the seed made no progress"
                time.sleep(0.05)
            backend.proc.send_signal(signal.SIGTERM)
            assert backend.proc.wait(timeout=15) == 0
        finally:
            backend.kill()
        log = (state / "server.log").read_text(errors="replace")
        assert "Traceback" not in log
