"""Humane text for runs: status glyph + word + colour class, durations, times, sizes
and counts.

Every function takes ``now`` explicitly so screens can be rendered with a frozen
clock (snapshot tests) and nothing here reads the wall clock itself. Sizes are always
IEC (``KiB``, ``MiB``: powers of 1024, as the API's limits are), and a count always
agrees with its noun (``1 file``, ``2 files``): use these two everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import humanize

from ..api.models import RunStatus, WorkspaceRun, is_terminal
from .sanitize import plain_text

if TYPE_CHECKING:
    from ..api.stream import StreamStatus

#: status -> (glyph, colour class); unknown statuses fall back to "?" / status-unknown.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    RunStatus.AWAITING_ARCHIVE: ("…", "status-waiting"),
    RunStatus.ARCHIVE_UPLOADED: ("↑", "status-waiting"),
    RunStatus.STARTING: ("◔", "status-active"),
    RunStatus.EXTRACTING: ("◑", "status-active"),
    RunStatus.RUNNING: ("▶", "status-active"),
    RunStatus.COLLECTING: ("◕", "status-active"),
    RunStatus.SUCCEEDED: ("✔", "status-succeeded"),
    RunStatus.FAILED: ("✘", "status-failed"),
    RunStatus.CANCELED: ("■", "status-canceled"),
}
UNKNOWN_STATUS_CLASS = "status-unknown"
#: Every colour class a status can have (styles/app.tcss sets each one's colour).
STATUS_CLASSES = frozenset({cls for _, cls in STATUS_STYLE.values()} | {UNKNOWN_STATUS_CLASS})


def status_glyph(status: str) -> str:
    """A one-character glyph readable without colour."""
    return STATUS_STYLE.get(status, ("?", UNKNOWN_STATUS_CLASS))[0]


def status_class(status: str) -> str:
    """The CSS class naming this status's colour."""
    return STATUS_STYLE.get(status, ("?", UNKNOWN_STATUS_CLASS))[1]


def status_label(status: str) -> str:
    """Glyph and word, e.g. ``"✔ succeeded"`` (unknown statuses shown as sent, inert)."""
    return f"{status_glyph(status)} {safe_line(status)}"


def format_duration(seconds: float) -> str:
    """Compact duration: ``0.4s``, ``12s``, ``3m 05s``, ``2h 10m``."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def run_duration(run: WorkspaceRun, now: datetime) -> str:
    """Finished runs: their duration; active runs: time since start (ticks); else ``—``."""
    if run.duration_ms is not None and is_terminal(run.status):
        return format_duration(run.duration_ms / 1000)
    if run.started_at is not None:
        end = run.finished_at if run.finished_at is not None else now
        return format_duration((end - run.started_at).total_seconds())
    return "—"


_IEC_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def format_size(size: float) -> str:
    """A byte size in IEC units: ``0 B``, ``512 B``, ``2.0 KiB``, ``8.0 MiB``.

    Whole bytes below 1 KiB, one decimal above (``1023.9 KiB`` rounds up to the next
    unit rather than showing ``1024.0 KiB``).
    """
    value = max(0.0, float(size))
    if round(value) < 1024:
        return f"{value:.0f} B"
    for unit in _IEC_UNITS:
        value /= 1024
        if round(value, 1) < 1024 or unit == _IEC_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def format_rate(bytes_per_second: float) -> str:
    """A transfer rate, e.g. ``256.0 KiB/s``."""
    return f"{format_size(bytes_per_second)}/s"


def plural_of(noun: str) -> str:
    """The regular English plural: file → files, match → matches, entry → entries."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if len(noun) > 1 and noun[-1] == "y" and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def format_count(count: int, noun: str, plural: str | None = None) -> str:
    """``1 file``, ``0 files``, ``1,204 files`` (pass ``plural`` for irregular nouns)."""
    word = noun if count == 1 else (plural or plural_of(noun))
    return f"{count:,} {word}"


def stream_summary(status: StreamStatus) -> str:
    """What the stream went through: ``2 reconnects, 0 lost, 1 back-filled``."""
    parts = [format_count(status.reconnects, "reconnect"), f"{status.events_lost:,} lost"]
    if status.gaps_filled:
        parts.append(f"{status.gaps_filled:,} back-filled")
    if status.duplicates_dropped:
        parts.append(f"{format_count(status.duplicates_dropped, 'duplicate')} dropped")
    if status.bad_payloads:
        parts.append(f"{status.bad_payloads:,} unreadable")
    return ", ".join(parts)


def relative_time(moment: datetime, now: datetime) -> str:
    """``"3 minutes ago"`` (humanize), never in the future."""
    return str(humanize.naturaltime(max(timedelta(0), now - moment)))


def _age_unit(seconds: int) -> tuple[str, int]:
    """The unit :func:`compact_age` shows an age of ``seconds`` in, and its size."""
    for unit, size, below in (("s", 1, 60), ("m", 60, 3600), ("h", 3600, 48 * 3600)):
        if seconds < below:
            return unit, size
    return "d", 86400


def compact_age(moment: datetime, now: datetime) -> str:
    """Age in one unit, at most 4 cells for a decade (k9s-style): ``42s``, ``12m``,
    ``5h``, ``3d``; never in the future."""
    seconds = max(0, int((now - moment).total_seconds()))
    unit, size = _age_unit(seconds)
    return f"{seconds // size}{unit}"


def compact_age_changes_at(moment: datetime, now: datetime) -> datetime:
    """When :func:`compact_age` of ``moment`` next reads differently than at ``now``
    (the next whole unit: a second while under a minute, then a minute…)."""
    seconds = max(0, int((now - moment).total_seconds()))
    _, size = _age_unit(seconds)
    return moment + timedelta(seconds=(seconds // size + 1) * size)


def absolute_time(moment: datetime) -> str:
    """``2026-11-28 20:14:03 UTC`` in the moment's own zone."""
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


#: Ages under this many seconds read "just now": a list refreshed every few seconds
#: then keeps one text between refreshes instead of repainting it every second.
JUST_NOW = 10


def ago(seconds: float) -> str:
    """Short "updated … ago" phrase: ``just now`` (under 10 s), ``12 s ago``,
    ``2 min ago``, ``3 h ago``."""
    if seconds < JUST_NOW:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


_WHITESPACE = str.maketrans("\t\n\r\v\f", "     ")


def safe_line(text: str) -> str:
    """Untrusted text from the API as one inert line: no escape sequences or control
    characters (they would reach the real terminal), whitespace runs made one space."""
    return " ".join(plain_text(text.translate(_WHITESPACE)).split())


def metadata_chips(metadata: dict[str, str]) -> str:
    """``key=value`` pairs separated by spaces, in key order (made inert)."""
    return safe_line(" ".join(f"{k}={v}" for k, v in sorted(metadata.items())))


def truncate(text: str, width: int) -> str:
    """One inert line of at most ``width`` characters, with an ellipsis when cut."""
    line = safe_line(text)
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"
