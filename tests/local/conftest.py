"""Fixtures of the backend tests (``backend`` and ``make_backend`` are in tests/conftest.py).

The process tests run twice, through ``mode`` ("sandboxed": each run in its bubblewrap
sandbox; "unsandboxed": ``--no-sandbox``, runs supervised by the reaper as on a host
without bubblewrap). The sandboxed half is skipped, with bwrap's reason, where the
sandbox cannot run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from tests.conftest import FAST

from .support import client_for, runtime_of

MODES = ["sandboxed", "unsandboxed"]


@pytest.fixture
async def http(backend: LocalBackendProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(backend) as client:
        yield client


@pytest.fixture(scope="session")
def unsandboxed_backend(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalBackendProcess]:
    state = tmp_path_factory.mktemp("local-state-unsandboxed")
    with start_local_backend(state, extra_args=[*FAST, "--no-sandbox"]) as server:
        yield server


def skip_unless_sandboxed(server: LocalBackendProcess) -> None:
    sandbox = runtime_of(server)["sandbox"]
    if not sandbox["enabled"]:
        pytest.skip(f"runs are not sandboxed here: {sandbox['reason']}")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """How runs execute: in a sandbox, or unsandboxed under the reaper."""
    return str(request.param)


@pytest.fixture
def mode_args(mode: str, backend: LocalBackendProcess) -> tuple[str, ...]:
    """The ``local serve`` flags of ``mode`` (for ``make_backend``)."""
    if mode == "sandboxed":
        skip_unless_sandboxed(backend)
        return ()
    return ("--no-sandbox",)


@pytest.fixture
def mode_backend(mode: str, request: pytest.FixtureRequest) -> LocalBackendProcess:
    """The session backend of ``mode``."""
    if mode == "sandboxed":
        server: LocalBackendProcess = request.getfixturevalue("backend")
        skip_unless_sandboxed(server)
        return server
    unsandboxed: LocalBackendProcess = request.getfixturevalue("unsandboxed_backend")
    return unsandboxed


@pytest.fixture
async def mode_http(mode_backend: LocalBackendProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(mode_backend) as client:
        yield client


@pytest.fixture
def sandboxed_backend(backend: LocalBackendProcess) -> LocalBackendProcess:
    """The session backend, for tests that only mean something in a sandbox."""
    skip_unless_sandboxed(backend)
    return backend
