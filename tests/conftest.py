"""Shared fixtures: isolated config dirs and environment for every test, and a real
local backend child process on 127.0.0.1.

``backend`` is one server for the whole session (fast; tests make their own runs).
``make_backend`` starts a fresh one in a fresh state dir for tests that need
isolation (restarts, short transfer TTLs, the CLI itself); each is stopped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from crownest_tui.local.process import LocalBackendProcess, start_local_backend
from crownest_tui.local.service import stop_service
from crownest_tui.local.service_state import STATE_DIR_ENV, ServiceState, default_state_dir, probe
from tests.faultproxy import FaultPlan, FaultProxy
from tests.launch.support import LINK


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test sees the developer's real credential, config or data dirs, and none
    leaves the persistent local backend running (``--local`` starts it in the
    isolated data dir)."""
    home = tmp_path / "home"
    home.mkdir()
    for name in (
        "CROWNEST_API_URL",
        "CROWNEST_API_KEY",
        "CROWNEST_BEARER_TOKEN",
        "CROWNEST_CONFIG_PATH",
        "CROWNEST_TUI_CONFIG",
        "XDG_DOWNLOAD_DIR",  # saves go to the (isolated) ~/Downloads
        STATE_DIR_ENV,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    local_state = default_state_dir()
    yield home
    if probe(local_state).state in (ServiceState.RUNNING, ServiceState.STARTING):
        stop_service(local_state)


#: ``CROWNEST_TEST_SANDBOX=off`` runs every backend of the suite with its runs
#: unsandboxed (as on a host without bubblewrap: macOS, no user namespaces).
SANDBOX_OFF = os.environ.get("CROWNEST_TEST_SANDBOX", "").lower() in ("off", "0", "no")
FAST = ["--test-hooks", "--heartbeat-interval", "0.3", "--cancel-grace", "1"]
if SANDBOX_OFF:
    FAST.append("--no-sandbox")
BackendFactory = Callable[..., LocalBackendProcess]


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    with start_local_backend(tmp_path_factory.mktemp("local-state"), extra_args=FAST) as server:
        yield server


@pytest.fixture
async def slow(backend: LocalBackendProcess) -> AsyncIterator[FaultProxy]:
    """The session's backend behind a link of ``LINK`` bytes a second (a poor uplink)."""
    port = int(backend.url.rsplit(":", 1)[1])
    async with FaultProxy(port, FaultPlan.slow(LINK)) as proxy:
        yield proxy


@pytest.fixture
def make_backend(tmp_path: Path) -> Iterator[BackendFactory]:
    started: list[LocalBackendProcess] = []

    def make(
        state_dir: Path | None = None, extra_args: tuple[str, ...] = (), **kwargs: object
    ) -> LocalBackendProcess:
        server = start_local_backend(
            state_dir or tmp_path / f"state-{len(started)}",
            extra_args=[*FAST, *extra_args],
            **kwargs,  # type: ignore[arg-type]
        )
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def service_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The persistent local backend's state dir for this test (``--local`` and
    ``local start`` use it through the environment); its service is stopped after."""
    state_dir = tmp_path / "local-service"
    monkeypatch.setenv(STATE_DIR_ENV, str(state_dir))
    yield state_dir
    stop_service(state_dir)


@pytest.fixture
def cli_api(backend: LocalBackendProcess, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For ``cli.run`` against the session's backend: its key in ``CROWNEST_API_KEY``,
    and the ``--api-url`` flags to pass."""
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    return ["--api-url", backend.url]
