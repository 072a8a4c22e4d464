"""The run supervisor (crownest_tui/local/reaper.py) on its own, as the executor runs it.

Each test starts ``python reaper.py PARENT GRACE MODE COMMAND`` as a real child process
and checks what it promises: the command's exit status passes through, output (relayed
as frames on the reaper's stdout, read back with :class:`Output`) and environment are
untouched, and no descendant outlives it, however it escaped.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crownest_tui.local import reaper
from crownest_tui.local.capture import FrameDecoder

from .escapes import daemon, kill_daemon, parent_of, wait_for_file
from .support import alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def wait_until(check: Callable[[], object], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def pid_file(tmp_path: Path) -> Iterator[Path]:
    """Where the test's daemon writes its pid; if it is still alive afterwards, it is killed."""
    path = tmp_path / "daemon.pid"
    yield path
    kill_daemon(path)


def supervise(
    command: str, grace: float = 1.0, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        reaper.argv(sys.executable, os.getpid(), grace, command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
        cwd=cwd,
    )


class Output:
    """The command's stdout and stderr, decoded from the frames the reaper relays."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert isinstance(proc.stdout, io.BufferedReader)
        self.pipe = proc.stdout
        self.streams = {"stdout": b"", "stderr": b""}
        self.decoder = FrameDecoder(self._add)

    def _add(self, stream: str, data: bytes) -> None:
        self.streams[stream] += data

    def feed(self, data: bytes) -> Output:
        self.decoder.feed(data)
        return self

    def read(self, size: int) -> bytes:
        """The next ``size`` bytes of stdout (fewer at the end), as a pipe's read would."""
        while len(self.streams["stdout"]) < size:
            chunk = self.pipe.read1(65536)
            if not chunk:
                break
            self.feed(chunk)
        data, self.streams["stdout"] = self.streams["stdout"][:size], self.streams["stdout"][size:]
        return data

    def readline(self) -> bytes:
        while b"\n" not in self.streams["stdout"]:
            chunk = self.pipe.read1(65536)
            if not chunk:
                break
            self.feed(chunk)
        return self.read(self.streams["stdout"].find(b"\n") + 1)

    def rest(self) -> bytes:
        self.feed(self.pipe.read())
        return self.read(len(self.streams["stdout"]))


def outcome(command: str) -> tuple[int, bytes, bytes]:
    proc = supervise(command)
    out, err = proc.communicate(timeout=30)
    streams = Output(proc).feed(out).streams
    return proc.returncode, streams["stdout"], streams["stderr"] + err


@pytest.mark.parametrize("code", [0, 1, 7, 126, 255])
def test_the_exit_code_passes_through(code: int) -> None:
    assert outcome(f"exit {code}") == (code, b"", b"")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGSEGV, signal.SIGINT])
def test_a_death_by_signal_passes_through(sig: signal.Signals) -> None:
    returncode, _, _ = outcome(f"echo before; kill -{sig.name.removeprefix('SIG')} $$")
    assert returncode == -sig


def test_output_is_byte_exact() -> None:
    command = r"printf 'a\000b\r\n\377\033[31mred'; printf 'err\n' >&2; printf tail"
    assert outcome(command) == (0, b"a\x00b\r\n\xff\x1b[31mredtail", b"err\n")


def test_output_is_not_buffered(tmp_path: Path) -> None:
    go = tmp_path / "go"
    proc = supervise(f"printf ready; while [ ! -e {go} ]; do sleep 0.01; done; printf done")
    output = Output(proc)
    assert output.read(5) == b"ready"  # while the command is still waiting
    go.touch()
    assert output.rest() == b"done"
    assert proc.wait(10) == 0


def test_the_environment_passes_through_unchanged(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "CROWNEST_RUN_ID": "wsr_x", "Z": "é"}
    env["PWD"] = str(tmp_path)  # /bin/sh would add it
    proc = supervise("env -0", env=env, cwd=tmp_path)
    out = Output(proc).rest()
    seen = dict(item.split("=", 1) for item in out.decode().split("\0") if item)
    assert seen == env


def test_signals_the_python_ignores_are_default_again_in_the_command() -> None:
    # Python ignores SIGPIPE; the command must not inherit that (`yes | head` relies on it).
    # Only the standard signals are ours to check: glibc's posix_spawn (make uses it)
    # leaves its internal signals 32 and 33 ignored in whatever it starts, and nothing
    # below it can change that.
    line = outcome("grep '^SigIgn' /proc/self/status")[1]
    ignored = int(line.split(b"\t")[1], 16)
    standard = (1 << 31) - 1  # bits of signals 1..31
    assert ignored & standard == 0, f"ignored signals: {ignored:#x}"


def test_a_daemon_left_behind_is_ended_when_the_command_exits(pid_file: Path) -> None:
    proc = supervise(f"{daemon(pid_file)}; {wait_for_file(pid_file)}")
    assert proc.wait(30) == 0
    assert not alive(int(pid_file.read_text()))  # reaped before the supervisor exited


def test_sigterm_ends_every_descendant_however_it_escaped(pid_file: Path) -> None:
    command = f"{daemon(pid_file)}; sleep 300 & trap '' TERM; {wait_for_file(pid_file)}"
    env = {"PATH": "/usr/bin:/bin", "CROWNEST_RUN_ID": "wsr_x"}
    proc = supervise(f"{command}; echo up; while :; do sleep 1; done", grace=0.5, env=env)
    assert Output(proc).readline() == b"up\n"
    pid = int(pid_file.read_text())
    assert os.getsid(pid) != os.getsid(proc.pid)  # it left the run's session
    wait_until(lambda: parent_of(pid) == proc.pid)  # adopted by the supervisor, not init
    assert b"CROWNEST_RUN_ID" not in Path(f"/proc/{pid}/environ").read_bytes()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == -signal.SIGKILL  # the shell ignored TERM: it needed the KILL
    assert not alive(pid)


def test_the_command_that_stops_on_sigterm_reports_it() -> None:
    proc = supervise("echo up; exec sleep 300")
    assert Output(proc).readline() == b"up\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == -signal.SIGTERM


PARENT = """
import os, subprocess, sys
from crownest_tui.local import reaper
from crownest_tui.local.capture import FrameDecoder
child = subprocess.Popen(reaper.argv(sys.executable, os.getpid(), 0.5, sys.argv[1]),
                         stdout=subprocess.PIPE, start_new_session=True)
header = child.stdout.read(5)  # one frame: stream, length, data
line = child.stdout.read(int.from_bytes(header[1:], "little"))
print(line.decode().strip(), child.pid, flush=True)
child.wait()
"""


def test_the_supervisor_ends_the_run_when_its_parent_dies(pid_file: Path) -> None:
    command = f"{daemon(pid_file)}; {wait_for_file(pid_file)}; echo up; exec sleep 300"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, command], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    up, supervisor = parent.stdout.readline().split()
    assert up == "up"
    pid = int(pid_file.read_text())
    assert alive(pid)
    os.kill(parent.pid, signal.SIGKILL)  # no chance to clean anything up
    parent.wait(10)
    wait_until(lambda: not alive(int(supervisor)) and not alive(pid))


def test_nothing_runs_when_the_parent_is_already_gone(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    line = reaper.argv(sys.executable, 1, 1.0, f"touch {marker}")  # pid 1 is not our parent
    done = subprocess.run(line, capture_output=True, timeout=30, check=False)
    assert done.returncode == 128 + signal.SIGTERM
    assert not marker.exists()
