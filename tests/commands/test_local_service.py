"""``--local`` and the subcommands attach to the persistent backend, or start it, and
it outlives them: ``launch --no-tail``, a quit dashboard and several clients at once
(real processes; ``service_dir`` stops the service after each test)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

from crownest_tui.local.service_state import ServiceState, probe
from tests.local.service_support import CLI, cli, service_http, service_pid, serving_processes
from tests.local.support import TERMINAL, alive, wait_for
from tests.reliability.pty_support import PtyProcess, spawn_on_pty

STARTUP = 60.0  # seconds to first paint on a loaded machine
RUN_SH = "i=0; while [ $i -lt 600 ]; do echo line $i; i=$((i+1)); sleep 0.1; done\n"


def test_local_commands_attach_to_the_running_service(service_dir: Path) -> None:
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    for argv in (["runs", "--local"], ["runs", "--local", "--json"]):
        done = cli(*argv)
        assert done.returncode == 0, done.stderr
    assert serving_processes(service_dir) == [pid]


def test_local_starts_the_service_which_outlives_the_command(service_dir: Path) -> None:
    assert probe(service_dir).state is ServiceState.STOPPED
    done = cli("runs", "--local")
    assert done.returncode == 0, done.stderr
    pid = service_pid(service_dir)
    assert alive(pid)
    assert cli("local", "status").returncode == 0


def test_launch_no_tail_run_finishes_after_the_cli_exits(service_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "slow.sh").write_text("sleep 2\necho finished\n")
    launched = cli("launch", str(folder), "--local", "--no-tail", "--", "sh", "slow.sh")
    assert launched.returncode == 0, launched.stderr
    run_id = launched.stdout.strip()
    assert run_id.startswith("wsr_")

    async def outcome() -> tuple[str, str]:
        async with service_http(service_dir) as http:
            at_exit = (await http.get(f"/v1/workspace-runs/{run_id}")).json()["workspaceRun"]
            final = await wait_for(http, run_id, within=60)
        return at_exit["status"], final["status"]

    at_exit, final = asyncio.run(outcome())
    assert at_exit not in TERMINAL  # the CLI was gone before the run ended…
    assert final == "succeeded"  # …and the run went on to its end
    logs = cli("logs", run_id, "--local")
    assert (logs.returncode, logs.stdout) == (0, "finished\n")


def _only_run(service_dir: Path) -> dict[str, object]:
    async def first() -> dict[str, object]:
        async with service_http(service_dir) as http:
            runs: list[dict[str, object]] = (await http.get("/v1/workspace-runs")).json()["data"]
        assert len(runs) == 1, runs
        return runs[0]

    return asyncio.run(first())


def _run_status(service_dir: Path, run_id: str) -> str:
    async def get() -> str:
        async with service_http(service_dir) as http:
            run = (await http.get(f"/v1/workspace-runs/{run_id}")).json()["workspaceRun"]
        return str(run["status"])

    return asyncio.run(get())


def _quit(process: PtyProcess) -> int:
    """Press ``q`` until the app is gone (the detail screen, then the list)."""
    deadline = time.monotonic() + 30
    while process.proc.poll() is None:
        assert time.monotonic() < deadline, "the app did not quit on q"
        process.send(b"q")
        for _ in range(10):
            process.read_available(0.05)
    return process.proc.wait(5)


def _home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    home = tmp_path / "work"
    home.mkdir()
    (home / "run.sh").write_text(RUN_SH)
    return home, dict(os.environ)


def test_quitting_a_local_dashboard_does_not_end_its_run(service_dir: Path, tmp_path: Path) -> None:
    home, env = _home(tmp_path)
    process = spawn_on_pty(["launch", ".", "--local", "--", "sh run.sh"], cwd=home, env=env)
    try:
        process.wait_for(b"line 2", STARTUP)
        pid = service_pid(service_dir)
        assert _quit(process) == 0
    finally:
        process.kill_all([])
    run = _only_run(service_dir)
    time.sleep(0.5)
    assert _run_status(service_dir, str(run["id"])) == "running"
    assert serving_processes(service_dir) == [pid]


def test_two_dashboards_launch_and_logs_on_one_backend_at_once(
    service_dir: Path, tmp_path: Path
) -> None:
    home, env = _home(tmp_path)
    assert cli("local", "start").returncode == 0
    pid = service_pid(service_dir)
    dashboards = [spawn_on_pty(["--local", "--refresh", "1"], cwd=home, env=env) for _ in range(2)]
    launch = spawn_on_pty(["launch", ".", "--local", "--", "sh run.sh"], cwd=home, env=env)
    logs: subprocess.Popen[bytes] | None = None
    try:
        launch.wait_for(b"line 2", STARTUP)
        run_id = str(_only_run(service_dir)["id"])
        logs = subprocess.Popen(
            [*CLI, "logs", run_id, "--follow", "--local"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        assert logs.stdout is not None
        first_lines = [logs.stdout.readline() for _ in range(5)]
        assert first_lines == [f"line {i}\n".encode() for i in range(5)]
        for dashboard in dashboards:
            dashboard.wait_for(run_id[:8].encode(), STARTUP)  # the run is listed
            dashboard.wait_for(b"running", STARTUP)
        for process in [*dashboards, launch]:
            assert _quit(process) == 0
        assert logs.poll() is None  # still following: the run goes on
        assert _run_status(service_dir, run_id) == "running"
        assert serving_processes(service_dir) == [pid]
    finally:
        if logs is not None:
            logs.send_signal(signal.SIGTERM)
            logs.wait(10)
            assert logs.stdout is not None
            logs.stdout.close()
        for process in [*dashboards, launch]:
            process.kill_all([])
