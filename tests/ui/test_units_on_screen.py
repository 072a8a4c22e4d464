"""One way to write sizes (IEC) and counts on every screen (issue 12, point 18): the
detail screen of a finished run, read tab by tab, and the list's summary and notices,
have no ``Bytes``/``kB``/bare ``bytes`` and no ``1 runs``-style plural."""

from __future__ import annotations

import os
import re

from crownest_tui.api import StreamStatus
from crownest_tui.api.events import ArchiveProgressEvent
from crownest_tui.core.detail_state import event_summary
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.format import stream_summary
from crownest_tui.ui.log.badge import log_badge
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.evidence_view import EvidenceView
from crownest_tui.ui.widgets.summary_line import SummaryLine
from tests.ui.log_helpers import screen_text, wait_until

from .conftest import settle, suite_app
from .palette import run_command
from .test_detail import DetailHost, client_of, start_run, stream_ended

#: Anything that reads as a size: a number, then a byte unit of any convention.
SIZE = re.compile(r"\b(\d[\d,.]*) ?([KMGTP]?i?B|[kKMG]b|bytes?|Bytes)\b")
IEC = re.compile(r"(\d+(?:\.\d)?) (B|KiB|MiB|GiB)")
NOUNS = "run|file|line|match|reconnect|duplicate|entry|artifact|event|item"
WRONG_PLURAL = re.compile(rf"(?<![\d,.])1 (?:{NOUNS})e?s\b")


def sizes_and_plurals(text: str) -> list[str]:
    """Each size on screen (checked to be IEC) and nothing that miscounts."""
    assert not WRONG_PLURAL.search(text), WRONG_PLURAL.search(text)
    found = []
    for match in SIZE.finditer(text):
        assert IEC.fullmatch(match.group(0)), (match.group(0), text)
        found.append(match.group(0))
    return found


def test_the_texts_that_count() -> None:
    assert stream_summary(StreamStatus(reconnects=1, duplicates_dropped=1)) == (
        "1 reconnect, 0 lost, 1 duplicate dropped"
    )
    status = StreamStatus(reconnects=2, gaps_filled=3, duplicates_dropped=2, bad_payloads=1200)
    assert stream_summary(status) == (
        "2 reconnects, 0 lost, 3 back-filled, 2 duplicates dropped, 1,200 unreadable"
    )
    assert log_badge(False, 1, "all") == "+1 new line · f to follow"
    assert log_badge(False, 0, "all") == "paused · f to follow"
    assert log_badge(False, 0, "all", live=False) == "ended · f to the end"
    assert log_badge(False, 1234, "stderr") == (
        "stderr only · o to change · +1,234 new lines · f to follow"
    )
    event = ArchiveProgressEvent(seq=2, received_bytes=256 * 1024, size_bytes=8 * 1024 * 1024)
    assert event_summary(event) == "256.0 KiB of 8.0 MiB"
    assert event_summary(ArchiveProgressEvent(seq=3, received_bytes=12)) == "12 B"


async def test_the_detail_screen_writes_every_size_in_iec_units(
    backend: LocalBackendProcess,
) -> None:
    files = {"blob.bin": os.urandom(300 * 1024).hex()[: 300 * 1024]}  # ~150 KiB packed
    async with client_of(backend) as client:
        run_id = await start_run(
            client,
            "mkdir -p out; echo data > out/a.txt; echo done",
            files,
            artifacts=[{"path": "out/a.txt"}],
        )
        app = DetailHost(client, run_id)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = next(s for s in app.screen_stack if isinstance(s, RunDetailScreen))
            await wait_until(pilot, lambda: stream_ended(screen))
            await wait_until(pilot, lambda: screen.query_one(EvidenceView).evidence is not None)
            await wait_until(
                pilot, lambda: all(r.size_bytes for r in screen.state.artifacts.values())
            )
            seen: list[str] = []
            for keys in (("i",), ("2", "G"), ("3",), ("4",)):
                await pilot.press(*keys)
                await pilot.pause()
                seen += sizes_and_plurals("\n".join(screen_text(app)))
            assert "5 B" in seen  # the artifact
            assert any(size.endswith("KiB") for size in seen), seen  # archive, upload


async def test_the_list_counts_one_run_as_one(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 1, "running")  # a run that has not ended can be watched
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        summary = str(app.screen.query_one(SummaryLine).render())
        assert summary.startswith("1 run · "), summary
        sizes_and_plurals("\n".join(screen_text(app)))
        await pilot.press("w")
        await wait_until(pilot, lambda: app.said("Watching"))
        await run_command(pilot, "unwatch all", "Unwatch all")
        assert app.said("Stopped watching 1 run.")
