"""A run that is not there: ``open`` exits with the not-found status before the app
starts, and the detail screen says so instead of "Loading run…" forever (issue 12,
point 10)."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from crownest_tui.api import CrowNestClient
from crownest_tui.cli import run
from crownest_tui.commands import exitcodes
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.widgets.run_header import RunHeader
from tests.ui.log_helpers import wait_until
from tests.ui.test_detail import DetailHost, client_of, detail


def client_of_nowhere() -> CrowNestClient:
    """A client of a port nobody listens on: every call is a connection error."""
    return CrowNestClient("cn_local_x", "http://127.0.0.1:9", max_attempts=1)


def header_text(header: RunHeader) -> str:
    region = Region(0, 0, header.size.width, header.size.height)
    return "\n".join(strip.text for strip in header.render_lines(region))


async def header_once_loaded(client: CrowNestClient, run_id: str) -> str:
    """What the detail screen's header says once it is done saying "Loading run…"."""
    async with DetailHost(client, run_id).run_test(size=(120, 30)) as pilot:
        header = detail(pilot).query_one(RunHeader)
        await wait_until(pilot, lambda: "Loading run" not in header_text(header), 10)
        await pilot.pause()
        return header_text(header)


@pytest.mark.parametrize(
    ("key", "status", "said"),
    [
        (None, exitcodes.NOT_FOUND, "[not_found]"),
        ("cn_local_wrong", exitcodes.NOT_ALLOWED, "[invalid_api_key]"),
    ],
)
def test_open_of_a_run_that_is_not_there_exits_before_the_app_starts(
    backend: LocalBackendProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str | None,
    status: int,
    said: str,
) -> None:
    monkeypatch.setenv("CROWNEST_API_KEY", key or backend.token)
    assert run(["open", "wsr_nope", "--api-url", backend.url]) == status
    err = capsys.readouterr().err
    assert err.startswith("crownest-tui: error: open wsr_nope: ") and err.count("\n") == 1
    assert said in err


async def test_the_detail_screen_says_the_run_was_not_found(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        text = await header_once_loaded(client, "wsr_nope")
    assert "wsr_nope was not found: " in text and "[not_found]" in text
    assert "Escape goes to the runs list." in text


async def test_the_detail_screen_says_why_it_cannot_load_yet() -> None:
    async with client_of_nowhere() as client:
        text = await header_once_loaded(client, "wsr_abc")
    assert "Cannot load wsr_abc yet (retrying): Connection problem" in text
    assert "127.0.0.1:9" in text  # which server it tried (point 13)
