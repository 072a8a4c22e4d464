"""The detail screen's own widgets on their own: the folding header and raw JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rich.style import Style
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from crownest_tui.api import EvidenceBundle, WorkspaceRun
from crownest_tui.ui.widgets.evidence_view import EvidenceView
from crownest_tui.ui.widgets.run_header import RunHeader
from tests.api.test_models import EVIDENCE, RUN
from tests.ui.log_helpers import screen_text

NOW = datetime(2026, 11, 28, 9, 20, tzinfo=UTC)
HOSTILE = "make [b]test[/b] [/x] [link=https://evil.example]x[/link] \x1b]0;owned\x07 done"


class HeaderApp(App[None]):
    def __init__(self, run: WorkspaceRun) -> None:
        super().__init__()
        self.run_shown = run

    def compose(self) -> ComposeResult:
        yield RunHeader(lambda: NOW, project_names={"prj_web": "storefront-web"})

    def on_mount(self) -> None:
        self.query_one(RunHeader).run = self.run_shown


class EvidenceApp(App[None]):
    def __init__(self, bundle: EvidenceBundle) -> None:
        super().__init__()
        self.bundle = bundle

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield EvidenceView(lambda: NOW)

    def on_mount(self) -> None:
        view = self.query_one(EvidenceView)
        view.evidence = self.bundle
        view.raw = True
        self.query_one(VerticalScroll).focus()


def bundle(**changes: object) -> EvidenceBundle:
    return EvidenceBundle.model_validate({**EVIDENCE, **changes})


# -- the header: two rows folded, everything with i -------------------------------------


async def test_the_folded_header_is_two_rows_with_what_matters() -> None:
    run = WorkspaceRun.model_validate({**RUN, "command": "pnpm test -- --ci\nsecond line"})
    app = HeaderApp(run)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.query_one(RunHeader)
        assert header.size.height == 2
        title, summary = screen_text(app)[:2]
        assert "FAILED" in title and "wsr_01JD4Z9Q" in title
        assert "pnpm test -- --ci second line" in title  # one line, whatever it holds
        for part in ("1m 01s", "exit 2", "command_exit", "storefront-web", "python-node"):
            assert part in summary, summary
        assert summary.rstrip().endswith("i: more")


async def test_a_long_command_and_project_are_cut_not_wrapped() -> None:
    run = WorkspaceRun.model_validate(
        {**RUN, "command": "x " * 200, "projectId": "prj_" + "a" * 40, "failureReason": None}
    )
    async with HeaderApp(run).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert pilot.app.query_one(RunHeader).size.height == 2
        rows = screen_text(pilot.app)
        assert rows[0].rstrip().endswith("…")
        assert "i: more" in rows[1]  # the hint is never cut


async def test_expanded_shows_every_field() -> None:
    async with HeaderApp(WorkspaceRun.model_validate(RUN)).run_test(size=(120, 40)) as pilot:
        header = pilot.app.query_one(RunHeader)
        header.expanded = True
        await pilot.pause()
        text = "\n".join(screen_text(pilot.app))
        for label in ("Created", "Started", "Sandbox", "Archive", "Env keys", "Source"):
            assert label in text
        assert "i: fewer fields" in text
        header.expanded = False
        await pilot.pause()
        assert header.size.height == 2


async def test_the_full_sha_expands_the_header() -> None:
    async with HeaderApp(WorkspaceRun.model_validate(RUN)).run_test(size=(160, 40)) as pilot:
        header = pilot.app.query_one(RunHeader)
        header.full_sha = True
        await pilot.pause()
        assert header.expanded and "ab" * 32 in "\n".join(screen_text(pilot.app))


# -- raw JSON: indented, coloured, scrollable, never markup --------------------------------


async def test_raw_json_is_indented_one_key_a_line() -> None:
    evidence = bundle(command=HOSTILE)
    async with EvidenceApp(evidence).run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        rows = [row.rstrip() for row in screen_text(pilot.app)]
        wire = json.dumps(evidence.to_wire(), indent=2, sort_keys=True, ensure_ascii=False)
        expected = [line for line in wire.split("\n") if "command" not in line]
        shown = [row[1:] for row in rows]  # the view's padding
        for line in expected:
            assert line in shown, line
        (command,) = [row for row in rows if '"command"' in row]
        assert '"command": "make [b]test[/b] [/x] [link=https://evil.example]x[/link]' in command
        assert "\\u001b]0;owned\\u0007 done" in command  # JSON's escapes, shown as text


async def test_raw_json_is_coloured() -> None:
    async with EvidenceApp(bundle()).run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        strips = pilot.app.screen._compositor.render_strips()
        row = next(strip for strip in strips if '"exitCode": 2' in strip.text)
        colours = {
            segment.text.strip(): (segment.style or Style()).color
            for segment in row
            if segment.text.strip()
        }
        key = next(c for text, c in colours.items() if "exitCode" in text)
        number = next(c for text, c in colours.items() if text.startswith("2"))
        assert key is not None and number is not None and key != number


async def test_raw_json_scrolls() -> None:
    many = {f"key{n:02d}": "value" for n in range(60)}
    async with EvidenceApp(bundle(metadata=many)).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not any(row.startswith(" }") for row in screen_text(pilot.app))
        await pilot.press("end")
        await pilot.pause()
        scroll = pilot.app.query_one(VerticalScroll)
        assert scroll.scroll_y > 0
        assert screen_text(pilot.app)[-1].startswith(" }")
