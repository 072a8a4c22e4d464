"""The event hub's writer thread: it writes what is emitted, and yields to the runs."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from crownest_tui.local.hub import WRITER_NICENESS, EventHub
from crownest_tui.local.store import Store


def _niceness(native_id: int) -> int:
    stat = Path(f"/proc/self/task/{native_id}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness")
async def test_the_writer_thread_is_nicer_than_the_server_and_writes_everything(
    tmp_path: Path,
) -> None:
    """A noisy run's batches wait for a core the run does not need (the server's own
    thread keeps its priority); every emitted event still reaches the disk."""
    store = Store(tmp_path / "db.sqlite")
    hub = EventHub(store)
    try:
        hub.emit_many("wsr_1", "stdout", [f"line {k}\n" for k in range(1000)])
        hub.emit("wsr_1", "terminal", workspaceRun={})
        await hub.drain()
        writers = [t for t in threading.enumerate() if t.name.startswith("event-writer")]
        assert len(writers) == 1 and writers[0].native_id is not None
        ours = _niceness(threading.get_native_id())
        assert _niceness(writers[0].native_id) == min(ours + WRITER_NICENESS, 19) > ours
        assert store.last_seq("wsr_1") == 1001
        assert [seq for seq, _ in store.event_bodies("wsr_1", 998, 10)] == [999, 1000, 1001]
    finally:
        hub.close()
        store.close()
