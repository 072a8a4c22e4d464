"""The watch list model: adding, observing, ending, and the end line it announces."""

from __future__ import annotations

from crownest_tui.core.watchlist import Watchlist, end_text, run_ended
from tests.ui.fakes import fixed_runs


def test_the_watchlist_model() -> None:
    running, other = fixed_runs()[:2]
    done = fixed_runs()[3]
    watchlist = Watchlist()
    seen: list[frozenset[str]] = []
    ends: list[tuple[str, bool]] = []
    watchlist.subscribe(seen.append)
    watchlist.on_end(lambda e: ends.append((e.run.id, e.already)))
    watchlist.add(running.id, running)
    watchlist.add(done.id)  # unknown yet: its first copy decides
    assert seen[-1] == {running.id, done.id}
    assert watchlist.observe(other) is None  # not watched: ignored
    assert watchlist.observe(running) is None
    ending = watchlist.observe(done)
    assert ending is not None and ending.already and done.id not in watchlist
    ended = running.model_copy(update={"status": "succeeded", "duration_ms": 134_000})
    assert watchlist.observe(ended) is not None
    assert ends == [(done.id, True), (running.id, False)]
    assert seen[-1] == frozenset()
    assert end_text(ended).startswith(f"{running.id} succeeded in 2m 14s · python3 run_tests")
    # A status this client does not know, with a finish time, is an end too.
    odd = running.model_copy(update={"status": "archived", "finished_at": ended.created_at})
    assert run_ended(odd) and not run_ended(running.model_copy(update={"status": "archived"}))
    hostile = running.model_copy(update={"command": "\x1b]0;pwned\x07rm -rf /\n" + "x" * 80})
    text = end_text(hostile.model_copy(update={"status": "failed", "exit_code": 2}))
    assert "\x1b" not in text and "\n" not in text and text.endswith("…")
    assert "(exit 2)" in text
