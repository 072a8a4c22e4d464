"""Upload progress on screen (issue 12, point 20), over a link slowed by the fault
proxy: the new-run form shows packing and uploading with bytes, rate and time left
until the run starts; the detail screen of a run receiving its archive shows the
same from its ``archive_progress`` events, then the bar goes away."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from crownest_tui.api import CreateRunRequest
from crownest_tui.launch import pack_directory
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.progress import TransferMeter
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.new_run import NewRunScreen
from crownest_tui.ui.widgets.transfer_bar import TransferBar
from crownest_tui.ui.widgets.upload_bar import UploadBar
from tests.faultproxy import FaultProxy
from tests.launch.support import MIB, client_for, random_folder
from tests.ui.log_helpers import screen_text, wait_until

from .conftest import RecordingApp, new_suite, settle, suite_runs
from .test_detail import DetailHost
from .test_new_run import fill

#: ``uploading ███▌   45%  1.4 MiB of 3.0 MiB, 1.0 MiB/s, 2.1s left``
LIVE_UPLOAD = re.compile(
    r"^uploading █*[▏▎▍▌▋▊▉]? *\d+%  [\d.]+ (B|KiB|MiB) of 3\.0 MiB, "
    r"[\d.]+ (KiB|MiB)/s, [\d.]+s left$"
)
PACKING = re.compile(
    r"^packing [█▏▎▍▌▋▊▉ ]* *\d+%  [\d.]+ (B|KiB|MiB) of 3\.0 MiB.*  \(\d/2 entries\)$"
)
RECEIVING = re.compile(
    r"^receiving █*[▏▎▍▌▋▊▉]? *\d+%  [\d.]+ (B|KiB|MiB) of 3\.0 MiB, "
    r"[\d.]+ (KiB|MiB)/s, [\d.]+s left$"
)


def record_lines(bar: TransferBar) -> list[str]:
    """Every line ``bar`` is given, as it reads when given (its methods, wrapped)."""
    lines: list[str] = []
    show, say = bar.show, bar.say

    def showing(verb: str, meter: TransferMeter, extra: str = "") -> None:
        show(verb, meter, extra)
        lines.append(bar.text)

    def saying(text: str) -> None:
        say(text)
        lines.append(bar.text)

    bar.show, bar.say = showing, saying  # type: ignore[method-assign]
    return lines


def drawn(app: App[None], bar: TransferBar) -> str:
    """What the screen shows where ``bar`` is."""
    region = bar.content_region
    return screen_text(app)[region.y][region.x : region.right].strip()


def dashboard(backend: LocalBackendProcess, url: str | None = None) -> RecordingApp:
    """The app over a run of its own, its client going through ``url`` if given."""
    filters = suite_runs(backend, 1)
    return RecordingApp(client_for(backend, url), refresh_interval=0, filters=filters)


async def open_form(pilot: Pilot[None], **values: str) -> NewRunScreen:
    """``n`` once the list has loaded, and these values typed into the form."""
    await settle(pilot)
    await pilot.press("n")
    form = pilot.app.screen
    assert isinstance(form, NewRunScreen)
    await fill(form, **values)
    return form


async def test_the_form_shows_the_upload_with_bytes_rate_and_time_left(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    folder = random_folder(tmp_path / "w", 3 * MIB)
    app = dashboard(backend, slow.url)
    async with app.run_test(size=(80, 24)) as pilot:  # the whole form fits, bar included
        metadata = f"suite={new_suite()}"
        form = await open_form(pilot, folder=str(folder), command="cat main.py", metadata=metadata)
        bar = form.query_one(TransferBar)
        assert not bar.display  # nothing to show yet
        frames = record_lines(bar)
        await pilot.press("ctrl+s")
        rows: list[str] = []
        for _ in range(3000):
            if app.screen is not form:
                break
            if LIVE_UPLOAD.match(bar.text) and bar.region.height == 1:
                rows.append(drawn(app, bar))
            await pilot.pause(0.01)
        assert app.screen is not form, frames[-1]
        shown = list(dict.fromkeys(frames))
        assert shown[0] == f"packing {folder}…", shown
        packing = [f for f in shown if PACKING.match(f)]
        assert packing and packing[-1].startswith("packing ████"), shown  # to the end
        assert "packed 2 files, 3.0 MiB" in shown
        assert shown.index("packed 2 files, 3.0 MiB") > shown.index(packing[-1])
        assert len([f for f in shown if LIVE_UPLOAD.match(f)]) >= 3, shown
        assert rows and all(LIVE_UPLOAD.match(row) for row in rows), rows  # drawn whole
        uploaded = r"uploaded 3\.0 MiB in [\d.]+s \([\d.]+ [KM]iB/s\)"
        assert any(re.fullmatch(uploaded, f) for f in shown), shown
        assert "starting…" in frames
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        assert not any(isinstance(s, NewRunScreen) for s in app.screen_stack)  # bar gone
        assert app.said("started")


async def test_escape_while_uploading_stops_the_launch_and_says_so(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    folder = random_folder(tmp_path / "w", 3 * MIB)
    app = dashboard(backend, slow.url)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, folder=str(folder), command="true")
        await pilot.press("ctrl+s")
        bar = form.query_one(TransferBar)
        await wait_until(pilot, lambda: LIVE_UPLOAD.match(bar.text) is not None)
        launching = form.launching
        assert launching is not None and launching.run_id is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is not form)
        assert app.said(f"The launch of {launching.run_id} was stopped")
        assert not isinstance(app.screen, RunDetailScreen)
        async with client_for(backend) as client:
            left = await client.get_run(launching.run_id)
        assert left.status == "awaiting_archive"


async def test_a_failed_launch_is_told_on_the_form_which_stays(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    folder = random_folder(tmp_path / "w", 1024)
    app = dashboard(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        project = "prj_doesnotexist0000"
        form = await open_form(pilot, folder=str(folder), command="true", project=project)
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error")
        await wait_until(pilot, lambda: "Launch failed at create" in str(error.render()))
        assert form.launching is None and not form.has_class("-launching")
        assert app.screen is form and not form.query_one(TransferBar).display
        assert not form.query_one("#command", Input).disabled  # the values stay, editable


async def test_the_detail_screen_shows_the_archive_arriving(
    backend: LocalBackendProcess, slow: FaultProxy, tmp_path: Path
) -> None:
    archive = pack_directory(random_folder(tmp_path / "w", 3 * MIB))
    async with client_for(backend) as client, client_for(backend, slow.url) as uploader:
        run = await client.create_run(CreateRunRequest(command="true"))
        async with DetailHost(client, run.id).run_test(size=(80, 24)) as pilot:
            screen = next(s for s in pilot.app.screen_stack if isinstance(s, RunDetailScreen))
            bar = screen.query_one("#receiving", UploadBar)
            await wait_until(pilot, lambda: screen.state.run is not None and bar.display)
            await pilot.pause()
            assert bar.text == "archive: waiting for the upload…"
            assert "archive: waiting for the upload…" in screen_text(pilot.app)[bar.region.y]
            upload = pilot.app.run_worker(
                uploader.upload_archive(run.id, archive.data, sha256=archive.sha256)
            )
            frames: list[str] = []
            rows: list[str] = []
            for _ in range(3000):
                if upload.is_finished and not bar.display:
                    break
                if bar.display:
                    frames.append(bar.text)
                    if RECEIVING.match(bar.text):
                        rows.append(drawn(pilot.app, bar))
                await pilot.pause(0.01)
            assert not bar.display  # gone once the archive is there
            live = sorted({f for f in frames if RECEIVING.match(f)})
            assert len(live) >= 3, sorted(set(frames))
            # Whole at 80: every row drawn is a line the bar was given, never a cut one
            # (a row read between a new text and its repaint still shows the one before).
            assert any(RECEIVING.match(row) for row in rows), rows
            assert set(rows) <= set(frames), sorted(set(rows) - set(frames))
            await pilot.press("4")
            details = screen.query_one("#upload", UploadBar)
            await wait_until(pilot, lambda: details.text.startswith("received 3.0 MiB in "))
            assert re.fullmatch(r"received 3\.0 MiB in [\d.]+s \([\d.]+ [KM]iB/s\)", details.text)
