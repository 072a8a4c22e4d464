"""``local start`` forwards the flags that change how runs execute (``--no-sandbox``,
``--no-network``, ``--tty``) to the service it starts, and ``local status`` says how it
runs them: the sandbox and its bwrap version, the network, the terminal mode (real,
detached services; ``service_dir`` stops them after each test)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

from crownest_tui.local.service_state import PID_FILE
from tests.local.service_support import cli, service_http, service_pid
from tests.local.support import all_events, output_of, run_to_end

CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5)"


def status_rows(service_dir: Path) -> dict[str, str]:
    status = cli("local", "status")
    assert status.returncode == 0, status.stderr
    return dict(line.split(None, 1) for line in status.stdout.splitlines())


def bwrap_version() -> str | None:
    binary = shutil.which("bwrap")
    if binary is None:
        return None
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split()[-1] if done.returncode == 0 and done.stdout.split() else None


async def test_start_forwards_the_run_options_and_status_reports_them(service_dir: Path) -> None:
    started = cli("local", "start", "--no-network", "--tty")
    assert started.returncode == 0, started.stderr
    rows = status_rows(service_dir)
    assert rows["options"] == "--no-network --tty"
    assert rows["terminal"] == "a pty per stream (--tty)"
    sandboxed = not rows["sandbox"].startswith("NONE")
    headline = started.stdout.splitlines()[-1]
    if sandboxed:
        version = bwrap_version()
        assert version is not None
        assert rows["sandbox"].startswith(f"bubblewrap {version} (")
        assert rows["network"] == "off"
        assert headline.startswith(f"runs are sandboxed with bubblewrap {version}")
        assert headline.endswith(", no network")
    else:  # no sandbox on this host: it says why, and that runs keep the network
        assert rows["network"] == "on"
        assert headline.startswith("runs are NOT sandboxed: ")

    # The service really runs that way: a terminal per stream, and (sandboxed) no network.
    port = json.loads((service_dir / PID_FILE).read_text())["url"].rsplit(":", 1)[1]
    command = (
        f"test -t 1 && test -t 2 && echo two-terminals; python3 -c {shlex.quote(CONNECT)} {port}"
    )
    async with service_http(service_dir) as http:
        run = await run_to_end(http, command)
        events = await all_events(http, run["id"])
    assert "two-terminals" in output_of(events)
    if sandboxed:
        assert run["status"] == "failed" and "Connection refused" in output_of(events, "stderr")
    else:
        assert run["status"] == "succeeded", output_of(events, "stderr")


def test_start_says_when_the_running_one_lacks_an_option(service_dir: Path) -> None:
    assert cli("local", "start", "--no-network").returncode == 0
    pid = service_pid(service_dir)
    plain = cli("local", "start")  # asks for nothing: the running one will do
    assert plain.returncode == 0, plain.stderr
    assert "options: --no-network" in plain.stdout
    same = cli("local", "start", "--no-network")
    assert same.returncode == 0, same.stderr
    other = cli("local", "start", "--tty", "--no-network")
    assert other.returncode == 1
    assert other.stdout.startswith("already running: http://127.0.0.1:")
    assert "the running backend was not started with --tty; stop it first" in other.stderr
    assert service_pid(service_dir) == pid  # left as it was


def test_an_unsandboxed_service_says_so(service_dir: Path) -> None:
    started = cli("local", "start", "--no-sandbox")
    assert started.returncode == 0, started.stderr
    reason = "runs are NOT sandboxed: the backend was started with --no-sandbox"
    assert started.stdout.splitlines()[-1] == reason
    rows = status_rows(service_dir)
    assert rows["sandbox"] == f"NONE, {reason}"
    assert (rows["network"], rows["terminal"], rows["options"]) == ("on", "pipes", "--no-sandbox")


def test_status_of_a_backend_that_does_not_say_how_it_runs(service_dir: Path) -> None:
    """A service of an older version wrote no ``runs`` to its pid file."""
    assert cli("local", "start").returncode == 0
    pid_file = service_dir / PID_FILE
    info = json.loads(pid_file.read_text())
    old = {key: info[key] for key in ("pid", "url", "started_at", "version")}
    pid_file.write_text(json.dumps(old))
    rows = status_rows(service_dir)
    assert rows["sandbox"] == f"unknown (crownest-tui {info['version']} does not say)"
    assert rows["options"] == "none"
    pid_file.write_text(json.dumps(info))
