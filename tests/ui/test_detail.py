"""The run detail screen against the local backend: live log, evidence, cancel."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from textual.app import App
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from crownest_tui.api import Backoff, CrowNestClient, StreamOptions, StreamState
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.format import absolute_time
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.messages import OpenRun
from crownest_tui.ui.screens.confirm_cancel import ConfirmCancelScreen
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.artifacts_table import ArtifactsTable
from crownest_tui.ui.widgets.connection_bar import ConnectionBar
from crownest_tui.ui.widgets.evidence_view import EvidenceView
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.run_header import RunHeader
from tests.faultproxy import FaultPlan, FaultProxy
from tests.local.support import make_archive
from tests.ui.conftest import RecordingApp
from tests.ui.log_helpers import screen_text, wait_until

FAST = StreamOptions(stall_timeout=1.0, backoff=Backoff(base=0.01, cap=0.05, first=0.0))


class DetailHost(App[None]):
    """Just the detail screen over a real client (remembering its notifications)."""

    def __init__(self, client: CrowNestClient, run_id: str, **options: Any) -> None:
        super().__init__()
        self.client = client
        self.run_id = run_id
        self.options = options
        self.notes: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(RunDetailScreen(self.client, self.run_id, **self.options))

    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None:
        self.notes.append((title, message))
        super().notify(message, title=title, **kwargs)

    def action_help(self) -> None:
        pass


async def start_run(
    client: CrowNestClient, command: str, files: dict[str, str] | None = None, **fields: Any
) -> str:
    run = await client.create_run(command=command, **fields)
    await client.upload_archive(run.id, make_archive(files or {"README": "hi\n"}))
    return (await client.start_run(run.id)).id


def detail(pilot: Pilot[None]) -> RunDetailScreen:
    return next(s for s in pilot.app.screen_stack if isinstance(s, RunDetailScreen))


def stream_ended(screen: RunDetailScreen) -> bool:
    """The screen has shown the end of the stream (and every batch before it)."""
    return screen.stream_status.state is StreamState.ENDED


def transcript(view: LogView, stream: str | None = None) -> list[str]:
    """Every line the view holds (complete and partial), escapes removed."""
    t = view.transcript
    lines = [t.line(i) for i in range(t.committed)] + t.partials()
    return [plain_text(line.raw) for line in lines if stream is None or line.stream == stream]


def client_of(backend: LocalBackendProcess, url: str | None = None) -> CrowNestClient:
    return CrowNestClient(
        backend.token,
        url or backend.url,
        stream_options=FAST,
        max_attempts=50,
        backoff=FAST.backoff,
    )


SCRIPT = """
import sys
for i in range(300):
    out = sys.stderr if i % 5 == 0 else sys.stdout
    out.write(f"line {i} \\x1b[32mgreen\\x1b[0m \\x1b]0;pwned\\x07 ✓\\n")
    out.flush()
sys.stdout.write("no newline at the end")
"""


def expected(stream: str) -> list[str]:
    lines = [f"line {i} green  ✓" for i in range(300) if (i % 5 == 0) == (stream == "stderr")]
    return lines + (["no newline at the end"] if stream == "stdout" else [])


async def test_live_log_evidence_and_details(backend: LocalBackendProcess, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    async with client_of(backend) as client:
        run_id = await start_run(
            client,
            "python3 gen.py; mkdir -p out; echo data > out/a.txt",
            {"gen.py": SCRIPT},
            artifacts=[{"path": "out/a.txt"}, {"path": "missing.txt"}],
        )
        app = DetailHost(client, run_id, save_directory=downloads)
        async with app.run_test(size=(140, 45)) as pilot:
            screen = detail(pilot)
            await wait_until(pilot, lambda: screen.query_one(EvidenceView).evidence is not None)
            await wait_until(pilot, lambda: stream_ended(screen))
            log = screen.query_one("#log-view", LogView)
            assert transcript(log, "stdout") == expected("stdout")
            assert transcript(log, "stderr") == expected("stderr")
            evidence = screen.query_one(EvidenceView).evidence
            assert evidence is not None and evidence.exit_code == 0
            assert screen.state.run is not None and screen.state.run.status == "succeeded"
            assert [s.status for s in screen.state.timeline][-1] == "succeeded"
            events = screen.query_one("#events-view", LogView)
            assert any("terminal" in line for line in transcript(events))
            await pilot.press("4")
            assert screen.query_one(TabbedContent).active == "details"
            table = screen.query_one(ArtifactsTable)
            await wait_until(pilot, lambda: table.row_count == 2)
            (row,) = screen.state.artifacts.values()
            await wait_until(pilot, lambda: row.size_bytes == 5)
            assert row.path == "out/a.txt"
            assert row.retention_expires_at is not None
            kept = absolute_time(row.retention_expires_at)
            await wait_until(pilot, lambda: table.get_row(row.artifact_id)[3] == kept)
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("d")
            await wait_until(pilot, lambda: any(downloads.iterdir()))
            saved = next(downloads.iterdir())
            assert saved.read_bytes() == b"data\n"
            await pilot.press("3", "j")
            assert screen.query_one(EvidenceView).raw


async def test_cancel_from_the_detail_screen(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "echo started; sleep 60")
        async with DetailHost(client, run_id).run_test(size=(120, 40)) as pilot:
            screen = detail(pilot)
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.status == "running"
            )
            await pilot.press("c")
            assert isinstance(pilot.app.screen, ConfirmCancelScreen)
            await pilot.press("n")
            assert isinstance(pilot.app.screen, RunDetailScreen)
            await pilot.press("c", "y")
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.is_terminal
            )
            assert screen.state.run is not None and screen.state.run.status == "canceled"
            await wait_until(pilot, lambda: screen.query_one(EvidenceView).evidence is not None)
            evidence = screen.query_one(EvidenceView).evidence
            assert evidence is not None and evidence.failure_class == "canceled"
            await pilot.press("c")  # terminal now: explains, no modal
            assert isinstance(pilot.app.screen, RunDetailScreen)


async def test_read_only_hides_cancel(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "sleep 30")
        async with DetailHost(client, run_id, read_only=True).run_test() as pilot:
            screen = detail(pilot)
            await pilot.press("c")
            assert pilot.app.screen is screen
            assert not screen.check_action("cancel_run", ())
        await client.cancel_run(run_id)


async def test_a_failed_run_shows_its_exit_code_and_reason(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "echo bad >&2; exit 3")
        async with DetailHost(client, run_id).run_test() as pilot:
            screen = detail(pilot)
            view = screen.query_one(EvidenceView)
            await wait_until(pilot, lambda: view.evidence is not None and stream_ended(screen))
            assert view.evidence is not None
            assert view.evidence.exit_code == 3 and view.evidence.failure_reason == "command_exit"
            assert transcript(screen.query_one("#log-view", LogView), "stderr") == ["bad"]


async def test_open_with_after_seq_shows_only_what_follows(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "for i in 1 2 3; do echo $i; sleep 0.05; done")
        events = [e async for e in client.stream_events(run_id)]
        second = next(e.seq for e in events if getattr(e, "data", "") == "2\n")
        async with DetailHost(client, run_id, after_seq=second).run_test() as pilot:
            screen = detail(pilot)
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.is_terminal
            )
            await wait_until(
                pilot, lambda: transcript(screen.query_one("#log-view", LogView)) == ["3"]
            )


async def test_reconnecting_state_is_shown_and_recovers(backend: LocalBackendProcess) -> None:
    port = int(backend.url.rsplit(":", 1)[1])
    async with client_of(backend) as direct:
        run_id = await start_run(direct, "for i in $(seq 1 50); do echo $i; sleep 0.1; done")
        async with (
            FaultProxy(port, FaultPlan.calm()) as proxy,
            client_of(backend, proxy.url) as client,
            DetailHost(client, run_id).run_test() as pilot,
        ):
            screen = detail(pilot)
            bar = screen.query_one(ConnectionBar)
            await wait_until(pilot, lambda: "live" in str(bar.render()))
            proxy.plan = FaultPlan(canned={"http_503": 1.0})
            assert proxy.drop_connections() >= 1
            await wait_until(pilot, lambda: "reconnecting" in str(bar.render()))
            proxy.plan = FaultPlan.calm()
            await wait_until(pilot, lambda: stream_ended(screen))
            lines = transcript(screen.query_one("#log-view", LogView))
            assert lines == [str(i) for i in range(1, 51)]
            assert "0 lost" in str(bar.render())


async def test_log_is_exact_through_random_disconnects(backend: LocalBackendProcess) -> None:
    """A noisy run tailed through a proxy that cuts at random: every byte, once."""
    script = (
        "import sys, time\n"
        "for i in range(4000):\n"
        "    s = sys.stderr if i % 3 == 0 else sys.stdout\n"
        "    s.write(f'{i} \\x1b[1;31mred\\x1b[0m\\ttab ünï\\n' if i % 7 else f'{i} part')\n"
        "    if i % 400 == 0: s.flush(); time.sleep(0.05)\n"
    )
    port = int(backend.url.rsplit(":", 1)[1])
    plan = FaultPlan(cut=1.0, cut_bytes=(0, 30_000))  # every connection is cut somewhere
    async with client_of(backend) as direct:
        run_id = await start_run(direct, "python3 gen.py", {"gen.py": script})
        truth: dict[str, str] = {"stdout": "", "stderr": ""}
        async for event in direct.stream_events(run_id):
            if event.type in truth:
                truth[event.type] += event.data  # type: ignore[union-attr]
        async with (
            FaultProxy(port, plan, seed=random.randrange(1000)) as proxy,
            client_of(backend, proxy.url) as client,
            DetailHost(client, run_id).run_test() as pilot,
        ):
            screen = detail(pilot)
            await wait_until(pilot, lambda: stream_ended(screen))
            log = screen.query_one("#log-view", LogView)
            for stream, text in truth.items():
                want = [plain_text(line) for line in text.split("\n")]
                if want and want[-1] == "":
                    want.pop()
                assert transcript(log, stream) == want, stream
            status = screen.stream.status  # type: ignore[union-attr]
            assert status.events_lost == 0
            assert sum(proxy.faults.values()) > proxy.faults["pass"]


def footer_actions(screen: RunDetailScreen) -> set[str]:
    """The actions the footer shows now."""
    return {b.binding.action for b in screen.active_bindings.values() if b.binding.show}


async def test_escape_closes_the_search_before_it_leaves_the_screen(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "for i in $(seq 1 40); do echo line $i; done; echo FAILED")
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen = detail(pilot)
            await wait_until(pilot, lambda: stream_ended(screen))
            log = screen.query_one("#log-view", LogView)
            await pilot.press("slash", *"FAILED")
            bar = [row for row in screen_text(pilot.app) if "FAILED" in row]
            assert bar and "1 match" in bar[-1]  # the query shows while typed, in the bar
            await pilot.press("enter")
            assert log.lines.current_match == 40 and log.lines.has_focus
            await pilot.press("escape")
            assert pilot.app.screen is screen and not log.search_bar.is_open
            await pilot.press("escape")
            assert pilot.app.screen is not screen


async def test_the_log_gets_two_thirds_of_an_80x24_terminal(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "for i in $(seq 1 100); do echo $i; done; exit 3")
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen = detail(pilot)
            await wait_until(pilot, lambda: stream_ended(screen))
            await pilot.pause()
            log = screen.query_one("#log-view", LogView)
            header = screen.query_one(RunHeader)
            assert log.lines.size.height >= 24 * 2 // 3, log.lines.size
            assert header.size.height == 2
            rows = screen_text(pilot.app)
            top = header.region.y  # below the context line
            assert "FAILED" in rows[top] and "exit 3" in rows[top + 1], rows[: top + 2]
            await pilot.press("i")
            await pilot.pause()
            assert header.expanded and header.size.height > 8
            text = "\n".join(screen_text(pilot.app))
            assert "Created" in text and "Sandbox" in text
            await pilot.press("i")
            await pilot.pause()
            assert header.size.height == 2 and log.lines.size.height >= 16


async def test_cancel_leaves_the_footer_once_the_run_has_ended(
    backend: LocalBackendProcess,
) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "sleep 30")
        app = DetailHost(client, run_id)
        async with app.run_test(size=(200, 40)) as pilot:
            screen = detail(pilot)
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.status == "running"
            )
            assert "cancel_run" in footer_actions(screen)
            await client.cancel_run(run_id)
            await wait_until(pilot, lambda: stream_ended(screen) and screen._ended)
            await pilot.pause()
            assert "cancel_run" not in footer_actions(screen)
            assert "c Cancel" not in screen_text(pilot.app)[-1]
            await pilot.press("c")  # still says why
            assert pilot.app.screen is screen
            assert any(title == "Nothing to cancel" for title, _ in app.notes)


async def test_saves_go_to_downloads_never_into_the_folder_being_launched(
    backend: LocalBackendProcess, isolated_environment: Path
) -> None:
    """``ctrl+s`` and ``d`` under ``launch DIR``: ``[ui] save_dir`` is inside DIR,
    so both go to ~/Downloads, and the toast gives the whole path."""
    project = isolated_environment / "project"
    (project / "logs").mkdir(parents=True)
    downloads = isolated_environment / "Downloads"
    async with client_of(backend) as client:
        run_id = await start_run(
            client, "echo data > a.txt; echo done", artifacts=[{"path": "a.txt"}]
        )
        app = RecordingApp(client, save_dir=project / "logs", launched=project)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            app.post_message(OpenRun(run_id))
            await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
            screen = app.screen
            assert isinstance(screen, RunDetailScreen)
            await wait_until(pilot, lambda: stream_ended(screen))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.said("saved to"))
            (saved,) = downloads.glob(f"{run_id}-*.log")
            assert saved.read_text() == "done\n"
            note = "save_dir ~/project/logs is inside the folder being launched"
            assert app.said(f"1 line saved to ~/Downloads/{saved.name} ({note})")
            await pilot.press("4")
            table = screen.query_one(ArtifactsTable)
            await wait_until(pilot, lambda: table.row_count == 1)
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("d")
            await wait_until(pilot, lambda: (downloads / "a.txt").exists())
            assert (downloads / "a.txt").read_bytes() == b"data\n"
            assert app.said("Saved to ~/Downloads/a.txt")
            assert list(project.rglob("*")) == [project / "logs"]  # nothing written there
            toast = "".join(row.strip(" ▌") for row in screen_text(app))
            assert "~/Downloads/a.txt" in toast.replace(" ", "")


async def test_raw_json_keeps_its_lines_and_scrolls_both_ways(
    backend: LocalBackendProcess,
) -> None:
    long_value = "echo " + "x" * 150
    async with client_of(backend) as client:
        run_id = await start_run(client, long_value)
        async with DetailHost(client, run_id).run_test(size=(80, 24)) as pilot:
            screen = detail(pilot)
            view = screen.query_one(EvidenceView)
            await wait_until(pilot, lambda: view.evidence is not None)
            await pilot.press("3", "j")
            await pilot.pause()
            rows = screen_text(pilot.app)
            (command,) = [row for row in rows if '"command"' in row]
            assert command.startswith('   "command": "echo xxx') and command.rstrip().endswith("x")
            assert not any(row.startswith(" xxx") for row in rows)  # not wrapped
            scroll = screen.query_one("#evidence-scroll", VerticalScroll)
            assert scroll.has_focus
            await pilot.press("right", "right")
            assert scroll.scroll_x > 0
            await pilot.press("end")
            await pilot.pause()
            assert scroll.scroll_y > 0
            assert "}" in [row.strip() for row in screen_text(pilot.app)[-4:]]  # the end
