"""Per-byte upload progress (issue 12 point 20), through the fault proxy slowed to the
speed of a poor uplink: the client's callback, the launch flow's reports, and what
``launch`` draws on a terminal (bar, rate, time left) or writes to a pipe."""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import re
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from crownest_tui.api import CreateRunRequest
from crownest_tui.api.http import UPLOAD_CHUNK_BYTES
from crownest_tui.launch import LaunchProgress, Step, launch, pack_directory
from crownest_tui.launch.pack import PackedArchive
from crownest_tui.local.process import LocalBackendProcess
from tests.faultproxy import FaultProxy
from tests.launch.support import KIB, LINK, MIB, client_for, random_folder, run_output


def check_counts(seen: list[tuple[int, int]], archive: PackedArchive) -> None:
    assert seen[0] == (0, archive.size)
    sent = [done for done, _ in seen]
    assert all(b > a for a, b in itertools.pairwise(sent)), sent
    assert sent[-1] == archive.size
    assert {total for _, total in seen} == {archive.size}
    assert len(seen) >= archive.size // UPLOAD_CHUNK_BYTES


@pytest.mark.parametrize("staged", [False, True], ids=["direct", "staged"])
async def test_the_upload_callback_counts_up_to_the_total(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path, staged: bool
) -> None:
    archive = pack_directory(random_folder(tmp_path / "w", 3 * MIB))
    seen: list[tuple[int, int]] = []
    times: list[float] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        times.append(time.monotonic())

    async with client_for(backend, slow.url) as client:
        run = await client.create_run(CreateRunRequest(command="true"))
        began = time.monotonic()
        if staged:
            transfer = await client.create_archive_transfer(
                run.id, sha256=archive.sha256, size_bytes=archive.size
            )
            await client.upload_to_transfer(transfer, archive.data, on_progress=progress)
            await client.finalize_archive(
                run.id, upload_id=transfer.id, sha256=archive.sha256, size_bytes=archive.size
            )
        else:
            await client.upload_archive(
                run.id, archive.data, sha256=archive.sha256, on_progress=progress
            )
        took = time.monotonic() - began
        landed = await client.get_run(run.id)
    check_counts(seen, archive)
    assert landed.archive is not None and landed.archive.sha256 == archive.sha256
    assert took >= 0.8 * archive.size / LINK  # the link really was that slow
    assert times[-1] - times[0] >= 0.3 * took  # counted as it went, not all at once


async def test_launch_reports_upload_bytes_then_the_step_done(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    archive = pack_directory(random_folder(tmp_path / "w", 2 * MIB))
    seen: list[LaunchProgress] = []
    async with client_for(backend, slow.url) as client:
        run = await launch(
            client, CreateRunRequest(command="cat main.py"), archive, on_progress=seen.append
        )
    async with client_for(backend) as api:
        out, _, final = await run_output(api, run.id)
    assert (out, final.status) == ("print('ok')\n", "succeeded")
    upload = [p.done for p in seen if p.step is Step.UPLOAD]
    assert upload[0] == 0 and upload[-1] == archive.size
    middle = upload[1:-1]
    assert len(middle) >= 3 and all(0 < d < archive.size for d in middle), upload
    assert middle == sorted(set(middle))
    assert {p.total for p in seen if p.step is Step.UPLOAD} == {archive.size}


async def run_cli(
    folder: Path, backend: LocalBackendProcess, proxy: FaultProxy, *, tty: bool
) -> tuple[int, str, str]:
    """``crownest-tui launch FOLDER --no-tail`` through the proxy; stderr on an 80x24
    pty (or a pipe). Returns the exit status, stdout and stderr."""
    env = {**os.environ, "CROWNEST_API_KEY": backend.token}
    argv = [sys.executable, "-m", "crownest_tui", "launch", str(folder)]
    argv += ["--api-url", proxy.url, "--no-tail", "--", "true"]
    master, slave = os.openpty() if tty else (-1, -1)
    if tty:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=slave if tty else asyncio.subprocess.PIPE,
        env=env,
    )
    if not tty:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()
    os.close(slave)

    def read_pty() -> bytes:
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its side
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        err_bytes, (out, _) = await asyncio.wait_for(
            asyncio.gather(asyncio.to_thread(read_pty), proc.communicate()), 60
        )
    finally:
        os.close(master)
    return proc.returncode or 0, out.decode(), err_bytes.decode()


async def test_cli_on_a_terminal_draws_bytes_rate_and_time_left(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    folder = random_folder(tmp_path / "w", 3 * MIB)
    link = "a-link-with-a-name-long-enough-to-make-its-line-wider-than-the-terminal"
    (folder / link).symlink_to("/etc/hostname")  # skipped, and said so in a final line
    status, out, err = await run_cli(folder, backend, slow, tty=True)
    assert status == 0, err
    run_id = out.strip()
    err = err.replace("\r\n", "\n")  # the pty's own newline translation
    frames = [f.rsplit("\x1b[2K", 1)[-1] for f in err.split("\r")]
    drawn = [f for f in frames if f.startswith("uploading ")]
    with_rate = [f for f in drawn if re.search(r"[KM]iB/s, [\d.]+s left", f)]
    assert len(with_rate) >= 3, frames
    live = [f for f in frames if f and not f.endswith("\n")]
    assert all(len(f) < 80 for f in live), live  # a live line never wraps
    assert len({f.index("%") for f in drawn}) == 1, drawn  # the bar keeps its width
    assert f"\x1b[2K  skipped {link}: symlink points outside the folder\n" in err  # whole
    assert re.search(r"█+.*\d+%  [\d.]+ [KM]iB of 3\.0 MiB", with_rate[-1]), with_rate
    assert re.search(rf"{run_id} uploaded 3\.0 MiB in [\d.]+s \([\d.]+ [KM]iB/s\)\n", err), err
    assert f"started {run_id}\n" in err


async def test_cli_to_a_pipe_writes_one_plain_line_per_step(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    folder = random_folder(tmp_path / "w", 300 * KIB)
    status, out, err = await run_cli(folder, backend, slow, tty=False)
    assert status == 0, err
    run_id = out.strip()
    assert "\r" not in err and "\x1b" not in err and "left" not in err
    lines = err.splitlines()
    assert re.fullmatch(
        r"packed 2 files, 300\.\d KiB \(\.gitignore honoured\), sha256 [0-9a-f]{12}…",
        lines[0],
    ), lines
    assert lines[1:] == [
        "creating the run…",
        f"{run_id} uploading {lines[2].split(' uploading ')[1]}",
        f"{run_id} starting…",
        f"started {run_id}",
    ]
    assert re.fullmatch(r"300\.\d KiB…", lines[2].split(" uploading ")[1])
