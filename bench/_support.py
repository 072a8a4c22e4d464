"""Pieces the bench scripts share: starting real runs, reading /proc, percentiles.

Not a benchmark itself (``make bench`` runs ``bench/*.py``; this one only defines).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.launch.pack import pack_directory
from tests.faultproxy import FaultProxy

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


async def start_script_run(
    client: CrowNestClient,
    script: str,
    *,
    name: str = "job.py",
    metadata: Mapping[str, str] | None = None,
) -> WorkspaceRun:
    """Create, upload and start a real run executing ``python3 <name>`` (``script``)."""
    with tempfile.TemporaryDirectory(prefix="crownest-bench-src-") as folder:
        source = Path(folder)
        (source / name).write_text(script)
        archive = pack_directory(source).data
    run = await client.create_run(command=f"python3 {name}", metadata=dict(metadata or {}))
    await client.upload_archive(run.id, archive)
    return await client.start_run(run.id)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (its own, not its children's)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of ``pid`` (default: this process) in MB (MiB, as ru_maxrss)."""
    statm = Path(f"/proc/{pid or os.getpid()}/statm").read_text().split()
    return int(statm[1]) * PAGE_SIZE / 2**20


def percentiles(samples: Sequence[float], unit: str = "ms", scale: float = 1000.0) -> str:
    """``p50 … p95 … p99 … max …`` of ``samples`` (seconds by default, shown in ms)."""
    if not samples:
        return "no samples"
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * scale

    return (
        f"p50 {statistics.median(ordered) * scale:.1f} {unit}, p95 {at(0.95):.1f} {unit}, "
        f"p99 {at(0.99):.1f} {unit}, max {ordered[-1] * scale:.1f} {unit} "
        f"({len(ordered):,} samples)"
    )


def fault_line(proxy: FaultProxy) -> str:
    """The faults a proxy injected, total first."""
    counts = proxy.fault_counts()
    return f"{sum(counts.values())} {counts}"
