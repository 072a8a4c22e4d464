"""`make screenshots` renders the README's pictures from the real app on a demo backend."""

from __future__ import annotations

import asyncio

from tests import screenshots


def test_scenes_render_the_demo_runs_they_name() -> None:
    shots = asyncio.run(screenshots.render(["runs-list", "cancel-confirmation"]))
    assert set(shots) == {"runs-list", "cancel-confirmation"}
    listing, confirm = shots["runs-list"], shots["cancel-confirmation"]
    assert listing.startswith("<svg") and "crownest-tui:&#160;Runs&#160;list" in listing
    for status in ("running", "succeeded", "failed", "canceled"):
        assert status in listing
    assert "Cancel&#160;this&#160;run?" in confirm
    assert "stuck.py" in confirm
