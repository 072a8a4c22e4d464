"""Helpers for the local backend tests: archives, an HTTP client, run drivers."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tarfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from crownest_tui.local.process import LocalBackendProcess

TERMINAL = frozenset({"succeeded", "failed", "canceled"})


def make_archive(files: Mapping[str, str | bytes], *, mode: str = "w:gz") -> bytes:
    """A tar archive of regular files (name -> content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:  # type: ignore[call-overload]
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tar_of(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A .tar.gz of hand-made members (for the attack corpus)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def member(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = ""
) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        return info, data
    return info, None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def client_for(backend: LocalBackendProcess, token: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=backend.url,
        headers={"Authorization": f"Bearer {token or backend.token}"},
        timeout=30.0,
    )


_RUNTIMES: dict[str, dict[str, Any]] = {}


def runtime_of(backend: LocalBackendProcess) -> dict[str, Any]:
    """What ``GET /v1/_local/runtime`` says of the backend (asked once per backend)."""
    key = f"{backend.url} {backend.pid}"  # a port may serve another backend later
    if key not in _RUNTIMES:
        headers = {"Authorization": f"Bearer {backend.token}"}
        response = httpx.get(f"{backend.url}/v1/_local/runtime", headers=headers, timeout=30)
        response.raise_for_status()
        _RUNTIMES[key] = response.json()
    return _RUNTIMES[key]


def open_gate(backend: LocalBackendProcess, run_id: str, name: str = "gate") -> None:
    """Create ``name`` in the run's workspace: the file a gated run waits for (a run
    sees only its own workspace; it is made at extraction, so perhaps not yet)."""
    path = backend.state_dir / "workspaces" / run_id / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str)
    return str(body["error"]["code"])


async def create(http: httpx.AsyncClient, command: str, **fields: Any) -> dict[str, Any]:
    response = await http.post("/v1/workspace-runs", json={"command": command, **fields})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()["workspaceRun"]
    return run


async def upload(http: httpx.AsyncClient, run_id: str, data: bytes) -> httpx.Response:
    return await http.put(
        f"/v1/workspace-runs/{run_id}/archive",
        content=data,
        headers={
            "content-type": "application/gzip",
            "x-crownest-archive-sha256": sha256(data),
            "x-crownest-archive-size": str(len(data)),
        },
    )


async def start_run(
    http: httpx.AsyncClient,
    command: str,
    files: Mapping[str, str | bytes] | None = None,
    *,
    archive: bytes | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create, upload and start a run; returns the run as ``start`` answered."""
    run = await create(http, command, **fields)
    response = await upload(http, run["id"], archive or make_archive(files or {"README": "hi"}))
    assert response.status_code == 200, response.text
    response = await http.post(f"/v1/workspace-runs/{run['id']}/start")
    assert response.status_code == 200, response.text
    started: dict[str, Any] = response.json()["workspaceRun"]
    return started


async def wait_for(
    http: httpx.AsyncClient,
    run_id: str,
    done: Callable[[dict[str, Any]], bool] = lambda run: run["status"] in TERMINAL,
    within: float = 20.0,
) -> dict[str, Any]:
    """Poll the run until ``done(run)`` (for at most ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        run: dict[str, Any] = (await http.get(f"/v1/workspace-runs/{run_id}")).json()[
            "workspaceRun"
        ]
        if done(run):
            return run
        assert time.monotonic() < deadline, f"run stuck in {run['status']}"
        await asyncio.sleep(0.05)


async def run_to_end(
    http: httpx.AsyncClient, command: str, files: Mapping[str, str | bytes] | None = None, **kw: Any
) -> dict[str, Any]:
    run = await start_run(http, command, files, **kw)
    return await wait_for(http, run["id"])


def finished_run_printing(backend: LocalBackendProcess, output: bytes) -> str:
    """The id of a run on ``backend`` that printed ``output`` (to stdout) and succeeded."""

    async def make() -> str:
        async with client_for(backend) as http:
            run = await run_to_end(http, "cat output.bin", {"output.bin": output})
        assert run["status"] == "succeeded", run
        return str(run["id"])

    return asyncio.run(make())


async def all_events(http: httpx.AsyncClient, run_id: str) -> list[dict[str, Any]]:
    """Every stored event of the run, through the replay pages."""
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (
            await http.get(
                f"/v1/workspace-runs/{run_id}/events", params={"afterSeq": after, "limit": 500}
            )
        ).json()
        events += page["data"]
        after = page["nextSeq"]
        if not page["hasMore"]:
            return events


def output_of(events: list[dict[str, Any]], kind: str = "stdout") -> str:
    return "".join(e["data"] for e in events if e["type"] == kind)


def alive(pid: int) -> bool:
    """True if ``pid`` is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def live_pids_whose(name: str, match: Callable[[list[bytes]], bool]) -> list[int]:
    """Live processes whose ``/proc/PID/<name>`` (NUL-separated: ``environ``,
    ``cmdline``) satisfies ``match``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/{name}", "rb") as handle:
                words = handle.read().split(b"\0")
        except OSError:
            continue
        if match(words) and alive(int(entry)):
            found.append(int(entry))
    return found


def pids_with_marker(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (e.g. CROWNEST_RUN_ID=…)."""
    return live_pids_whose("environ", lambda env: marker.encode() in env)


async def wait_until(check: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def arrival_order(chunks: list[tuple[str, str]]) -> list[int]:
    """The write index of each line (its second word, as in ``out 7`` / ``err 8``), in
    the order the line's last byte arrived; ``chunks`` are (stream, text) in event
    order."""
    held = {"stdout": "", "stderr": ""}
    order: list[int] = []
    for stream, data in chunks:
        *lines, held[stream] = (held[stream] + data).split("\n")
        order += [int(line.split()[1]) for line in lines if line.strip()]
    return order


def output_chunks(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(stream, text) of every stdout/stderr event, in event order."""
    return [(e["type"], e["data"]) for e in events if e["type"] in ("stdout", "stderr")]


#: What :func:`failing_bwrap` says, as bwrap does on a host without user namespaces.
NO_NAMESPACES = "bwrap: No permissions to create a new namespace"


def failing_bwrap(folder: Path) -> str:
    """A bwrap that cannot make namespaces, as on a host that forbids user namespaces
    (a stand-in program in ``folder``, like the fake notify-send of the watch tests);
    returns a PATH that finds it first."""
    fake = folder / "bwrap"
    folder.mkdir(parents=True, exist_ok=True)
    fake.write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && echo bubblewrap 0.8.0 && exit 0\n'
        f'echo "{NO_NAMESPACES}" >&2\nexit 1\n'
    )
    fake.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"
