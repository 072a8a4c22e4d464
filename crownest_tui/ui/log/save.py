"""Write the transcript to a plain-text file, as it is shown: no escape sequences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crownest_tui.ui.log.spool import BLOCK, ENCODING, ERRORS
from crownest_tui.ui.log.transcript import SEPARATOR, Line, Transcript

from ...core.save_folder import SaveFolder, SaveTarget
from ...text.sanitize import plain_text

BLOCKS_PER_READ = 256


def write_transcript(
    transcript: Transcript, path: Path, lines: int, partials: Sequence[Line] = ()
) -> int:
    """Write complete lines ``0 .. lines - 1`` then ``partials``; return lines written.

    Each line is written as shown (escapes removed, ``\\r`` resolved, tabs expanded)
    followed by ``\\n``. Safe to call from a thread while the transcript grows: only
    the first ``lines`` lines are read.
    """
    spool = transcript.spool
    blocks = -(-lines // BLOCK)
    written = 0
    with path.open("w", encoding="utf-8", errors="replace", newline="\n") as out:
        for first in range(0, blocks, BLOCKS_PER_READ):
            last = min(first + BLOCKS_PER_READ, blocks)
            records = spool.read_blocks(first, last).decode(ENCODING, ERRORS).split("\n")
            records = records[: min(len(records) - 1, lines - written)]
            out.write(
                "".join(plain_text(record.partition(SEPARATOR)[2]) + "\n" for record in records)
            )
            written += len(records)
        for line in partials:
            out.write(plain_text(line.raw) + "\n")
    return written + len(partials)


@dataclass(frozen=True)
class SavedLog:
    """A transcript written to ``path``: ``lines`` lines, in ``target``'s folder."""

    path: Path
    lines: int
    target: SaveTarget


def save_log(
    transcript: Transcript,
    folder: SaveFolder,
    name: str,
    lines: int,
    partials: Sequence[Line] = (),
    now: datetime | None = None,
) -> SavedLog:
    """Write a new ``<name>-<local time>.log`` in the folder ``folder`` picks (see
    :mod:`crownest_tui.core.save_folder`); raises OSError. Thread-safe as above."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder.target()
    path = target.folder / f"{name}-{stamp}.log"
    return SavedLog(path, write_transcript(transcript, path, lines, partials), target)
