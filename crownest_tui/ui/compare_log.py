"""A run's whole log for a compare: spooled to disk, with the keys the diff needs.

The compare screen reads both runs' stored events (replay pages), joins each
stream's chunks into lines (numbered in the order they complete, as the log view
does), appends them to a :class:`~crownest_tui.ui.log.spool.Spool` and computes their
keys per batch, so a 1M-line log costs its keys (16 bytes a line) and the spool's
index in memory, never its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..api import CrowNestClient
from ..api.client import MAX_PAGE_LIMIT
from ..api.events import RunEvent, StderrEvent, StdoutEvent
from ..api.models import WorkspaceRun
from ..core.compare import LogKeys
from .log.spool import ENCODING, ERRORS, Spool


class ComparedLog:
    """The complete lines of one run's stdout and stderr, and their keys."""

    def __init__(self, run: WorkspaceRun) -> None:
        self.run = run
        self.spool = Spool()
        self.keys = LogKeys.empty()
        self.stderr = bytearray()  # 1 where the line came from stderr
        self._pending: dict[bool, list[str]] = {False: [], True: []}

    def __len__(self) -> int:
        return self.spool.line_count

    def close(self) -> None:
        self.spool.close()

    def feed(self, events: Iterable[RunEvent]) -> None:
        """Add the output of ``events`` (other kinds are skipped)."""
        lines: list[str] = []
        flags = bytearray()
        for event in events:
            if isinstance(event, StdoutEvent | StderrEvent):
                is_err = isinstance(event, StderrEvent)
                pending = self._pending[is_err]
                head, *rest = event.data.split("\n")
                pending.append(head)
                if rest:
                    lines.append("".join(pending))
                    *whole, tail = rest
                    lines.extend(whole)
                    pending[:] = [tail] if tail else []
                    flags.extend(b"\x01" * (len(whole) + 1) if is_err else bytes(len(whole) + 1))
        self._add(lines, flags)

    def finish(self) -> None:
        """The run has ended: its unterminated last lines count as lines."""
        lines, flags = [], bytearray()
        for is_err, pending in self._pending.items():
            if pending and "".join(pending):
                lines.append("".join(pending))
                flags.append(1 if is_err else 0)
            pending.clear()
        self._add(lines, flags)

    def _add(self, lines: list[str], flags: bytearray) -> None:
        if not lines:
            return
        data = "".join(f"{line}\n" for line in lines).encode(ENCODING, ERRORS)
        self.spool.append(data, len(lines))
        self.keys.add(data)
        self.stderr.extend(flags)

    def text(self, lines: Sequence[int]) -> list[str]:
        """The raw (untrusted) text of these line numbers, in ascending order."""
        return self.spool.records(lines)


async def load_log(
    client: CrowNestClient, run: WorkspaceRun, on_page: Callable[[int], None] | None = None
) -> ComparedLog:
    """Every stored line of ``run`` (``on_page`` hears the line count after each page)."""
    log = ComparedLog(run)
    after: int | None = None
    try:
        while True:
            page = await client.replay_events(run.id, after_seq=after, limit=MAX_PAGE_LIMIT)
            log.feed(page.events)
            if on_page is not None:
                on_page(len(log))
            if not page.has_more or not page.events:
                break
            after = page.events[-1].seq
        log.finish()
    except BaseException:
        log.close()
        raise
    return log
