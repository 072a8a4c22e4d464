"""``crownest-tui local start | stop | status``: the persistent backend as a real,
detached service (real processes; ``service_dir`` stops it after each test)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from crownest_tui.local.process import start_local_backend
from crownest_tui.local.service_state import PID_FILE
from tests.local.service_support import cli, service_http, service_pid, serving_processes
from tests.local.support import alive, pids_with_marker, start_run, wait_for


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw.rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, tty_nr, …


def test_start_status_stop(service_dir: Path) -> None:
    started = cli("local", "start")
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("started the local backend: http://127.0.0.1:")
    pid = service_pid(service_dir)
    assert f"(pid {pid})" in started.stdout

    # Detached: not our child, its own session (and not its leader), no terminal,
    # stdin from /dev/null, the log in the state dir.
    _, ppid, pgrp, session, tty_nr = _stat_fields(pid)[:5]
    assert int(ppid) != os.getpid()
    assert int(session) != os.getsid(0) and int(session) != pid
    assert int(pgrp) != os.getpgid(0)
    assert tty_nr == "0"
    assert os.readlink(f"/proc/{pid}/fd/0") == os.devnull
    assert os.readlink(f"/proc/{pid}/fd/2") == str(service_dir / "server.log")
    assert stat.S_IMODE((service_dir / PID_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((service_dir / "token").stat().st_mode) == 0o600
    token = (service_dir / "token").read_text().strip()
    assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()

    status = cli("local", "status")
    assert status.returncode == 0, status.stderr
    rows = dict(line.split(None, 1) for line in status.stdout.splitlines())
    url = json.loads((service_dir / PID_FILE).read_text())["url"]
    assert rows["running"] == url and url.startswith("http://127.0.0.1:")
    assert rows["pid"] == str(pid)
    assert rows["runs"] == "0 runs active"
    assert "second" in rows["uptime"]
    assert rows["log"] == str(service_dir / "server.log")
    assert httpx.get(f"{url}/v1/workspace-runs").status_code == 401  # the token is required

    stopped = cli("local", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == f"stopped the local backend (pid {pid})\n"
    assert not alive(pid)
    assert not (service_dir / PID_FILE).exists()
    after = cli("local", "status")
    assert (after.returncode, after.stdout) == (3, f"not running ({service_dir})\n")
    again = cli("local", "stop")
    assert again.returncode == 0 and "not running" in again.stdout
    assert token not in (service_dir / "server.log").read_text()
    # The next start takes the same port (a dashboard left open finds it again).
    assert cli("local", "start").returncode == 0
    assert json.loads((service_dir / PID_FILE).read_text())["url"] == url


def test_start_twice_reports_the_running_one(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    second = cli("local", "start")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("already running: http://127.0.0.1:")
    assert f"(pid {pid})" in second.stdout and "0 runs active" in second.stdout
    assert serving_processes(service_dir) == [pid]


def test_starts_at_once_start_one_backend(service_dir: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: cli("local", "start"), range(4)))
    assert all(result.returncode == 0 for result in results), [r.stderr for r in results]
    assert sum(result.stdout.startswith("started") for result in results) == 1
    assert serving_processes(service_dir) == [service_pid(service_dir)]


def test_a_second_backend_cannot_serve_the_same_state_dir(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    done = cli("local", "serve", "--port", "0", "--state-dir", str(service_dir))
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"another local backend serves {service_dir} (pid {pid}" in done.stderr
    assert cli("local", "status").returncode == 0


async def test_a_killed_backend_is_detected_and_its_restart_recovers(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    async with service_http(service_dir) as http:
        done = await start_run(http, "echo kept")
        done = await wait_for(http, done["id"])
        going = await start_run(http, "sleep 60")
        await wait_for(http, going["id"], lambda run: run["status"] == "running")

    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(pid):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    status = cli("local", "status")
    assert status.returncode == 1
    assert f"the backend (pid {pid}) stopped without shutting down" in status.stdout

    restarted = cli("local", "start")
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.startswith("started the local backend")
    assert f"the previous local backend (pid {pid}) had stopped" in restarted.stderr
    assert service_pid(service_dir) != pid
    async with service_http(service_dir) as http:
        lost = (await http.get(f"/v1/workspace-runs/{going['id']}")).json()["workspaceRun"]
        kept = (await http.get(f"/v1/workspace-runs/{done['id']}")).json()["workspaceRun"]
        events = (await http.get(f"/v1/workspace-runs/{done['id']}/events")).json()["data"]
    assert (lost["status"], lost["failureReason"]) == ("failed", "internal_error")
    assert kept == done  # nothing else lost
    assert not pids_with_marker(f"CROWNEST_RUN_ID={going['id']}")  # its processes ended
    assert "kept\n" in [event.get("data") for event in events]


def test_a_pid_file_naming_someone_else_s_process_is_stale(service_dir: Path) -> None:
    """A reused pid (here: this test's own, alive) is not taken for the backend, and
    ``stop`` never signals it."""
    service_dir.mkdir()
    info = {"pid": os.getpid(), "url": "http://127.0.0.1:9", "started_at": 0, "version": "0"}
    (service_dir / PID_FILE).write_text(json.dumps(info))
    assert cli("local", "status").returncode == 1
    stopped = cli("local", "stop")
    assert stopped.returncode == 0 and "not running" in stopped.stdout
    assert not (service_dir / PID_FILE).exists()
    (service_dir / PID_FILE).write_text(json.dumps(info))
    started = cli("local", "start")
    assert started.returncode == 0, started.stderr
    assert service_pid(service_dir) != os.getpid()


def test_the_key_only_goes_to_a_loopback_url(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid_file = service_dir / PID_FILE
    info = json.loads(pid_file.read_text())
    pid_file.write_text(json.dumps({**info, "url": "http://192.0.2.7:8765"}))
    done = cli("runs", "--local")
    assert done.returncode == 69
    assert "not a loopback URL: not sending the key" in done.stderr
    pid_file.write_text(json.dumps(info))


def test_sighup_does_not_end_the_service(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.5)
    assert alive(pid)
    assert cli("local", "status").returncode == 0


def test_a_given_token_never_shows_on_the_command_line(tmp_path: Path) -> None:
    token = "cn_local_never_on_argv_0123456789"
    with start_local_backend(tmp_path / "state", token=token) as backend:
        assert token.encode() not in Path(f"/proc/{backend.pid}/cmdline").read_bytes()
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
        assert token not in ps.stdout
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{backend.url}/v1/projects", headers=headers).status_code == 200
