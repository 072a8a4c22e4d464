"""Helpers for the launch and command tests: temp git repos, clients, run output."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from crownest_tui.api import Backoff, CrowNestClient, StderrEvent, StdoutEvent, StreamOptions
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.local.process import LocalBackendProcess

FAST_BACKOFF = Backoff(base=0.01, cap=0.05)
FAST_STREAM = StreamOptions(stall_timeout=2.0, backoff=Backoff(base=0.01, cap=0.05, first=0.0))
GIT_IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.invalid")


def git(cwd: Path, *args: str) -> str:
    """Run git with a throwaway identity (no global config is read or written)."""
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def init_repo(path: Path, *, commit: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main", ".")
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-q", "--allow-empty", "-m", "first")
    return path


def write(path: Path, text: str | bytes = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def client_for(backend: LocalBackendProcess, url: str | None = None) -> CrowNestClient:
    return CrowNestClient(
        backend.token, url or backend.url, backoff=FAST_BACKOFF, stream_options=FAST_STREAM
    )


async def run_output(client: CrowNestClient, run_id: str) -> tuple[str, str, WorkspaceRun]:
    """Follow the run to its end; return its stdout, stderr and final state."""
    out: list[str] = []
    err: list[str] = []
    async with client.stream_events(run_id) as stream:
        async for event in stream:
            if isinstance(event, StdoutEvent):
                out.append(event.data)
            elif isinstance(event, StderrEvent):
                err.append(event.data)
    final = stream.status.final_run or await client.get_run(run_id)
    return "".join(out), "".join(err), final


def project(root: Path) -> Path:
    """A git folder with an ignored file, links in and out, and a nested repo."""
    outside = write(root / "outside" / "secret.txt", "secret\n")
    folder = root / "proj"
    write(folder / ".gitignore", "ignored.txt\nbuild/\n")
    write(folder / "main.py", "print('hi')\n")
    write(folder / "ignored.txt")
    write(folder / "build" / "out.bin")
    write(folder / "tools" / "run.sh", "#!/bin/sh\n").chmod(0o775)
    (folder / "link_in").symlink_to("main.py")
    (folder / "tools" / "link_up").symlink_to("../main.py")
    (folder / "link_out").symlink_to(os.path.relpath(outside, folder))
    (folder / "link_abs").symlink_to("/etc/hostname")
    (folder / "link_abs_in").symlink_to(folder / "main.py")
    init_repo(folder)
    write(folder / "untracked.txt")
    nested = folder / "vendor" / "lib"
    write(nested / ".gitignore", "*.log\n")
    write(nested / "lib.py")
    write(nested / "debug.log")
    init_repo(nested)
    return folder


KIB = 1024
MIB = 1024 * KIB
#: The slowed link of the upload-progress tests (the ``slow`` fixture): an 8 MiB
#: archive would take 8 s. The sender's own socket buffer on loopback takes up to
#: ~1 MiB at once whatever the link (the proxy's segment size and buffers are made
#: small, as a real link's), so the uploads there are bigger.
LINK = 1 * MIB


def random_folder(root: Path, size: int) -> Path:
    """``blob.bin`` of ``size`` random bytes (incompressible: the archive is as big)
    and a ``main.py`` that prints ``ok``."""
    write(root / "blob.bin", os.urandom(size))
    write(root / "main.py", "print('ok')\n")
    return root
