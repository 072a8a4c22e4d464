"""Pieces the bench scripts share: their figures and goals (written to ``bench/out/``),
starting real runs, reading /proc, percentiles.

Not a benchmark itself (``make bench`` runs ``bench/*.py``; this one only defines).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crownest_tui.api import CrowNestClient
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.launch.pack import pack_directory
from tests.faultproxy import FaultProxy

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: Where each script writes ``NAME.json`` (ignored by git; ``bench/_report.py`` reads it).
OUT_DIR = Path(__file__).resolve().parent / "out"

Value = float | int | str | bool


@dataclass
class Figure:
    """One measured figure, and the goal it must meet if it has one."""

    name: str
    value: Value
    unit: str = ""
    goal: str = ""  # e.g. "<= 1.2", "yes"; empty: a figure without a goal
    met: bool | None = None


@dataclass
class Figures:
    """A bench script's figures and goals. :meth:`finish` writes them to
    ``bench/out/<script>.json`` and gives the script's exit status: 1 when a goal
    was missed."""

    bench: str
    figures: list[Figure] = field(default_factory=list)

    @classmethod
    def of(cls, script: str) -> Figures:
        """Figures of the script at path ``script`` (pass ``__file__``)."""
        return cls(Path(script).stem)

    def add(self, name: str, value: Value, unit: str = "") -> None:
        self.figures.append(Figure(name, value, unit))

    def at_most(self, name: str, value: float, limit: float, unit: str = "") -> bool:
        return self._goal(name, value, unit, f"<= {limit:,g}", value <= limit)

    def below(self, name: str, value: float, limit: float, unit: str = "") -> bool:
        return self._goal(name, value, unit, f"< {limit:,g}", value < limit)

    def at_least(self, name: str, value: float, limit: float, unit: str = "") -> bool:
        return self._goal(name, value, unit, f">= {limit:,g}", value >= limit)

    def holds(self, name: str, ok: bool) -> bool:
        """A goal that is a fact (the app never crashed, the transcript is exact)."""
        return self._goal(name, ok, "", "yes", ok)

    def _goal(self, name: str, value: Value, unit: str, goal: str, met: bool) -> bool:
        self.figures.append(Figure(name, value, unit, goal, met))
        return met

    @property
    def missed(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.met is False]

    def finish(self) -> int:
        """Write ``bench/out/<bench>.json``; 0 when every goal was met, else 1."""
        OUT_DIR.mkdir(exist_ok=True)
        path = OUT_DIR / f"{self.bench}.json"
        document = {
            "bench": self.bench,
            "argv": sys.argv[1:],
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "ok": not self.missed,
            "figures": [asdict(figure) for figure in self.figures],
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
        goals = sum(figure.met is not None for figure in self.figures)
        missed = ", ".join(figure.name for figure in self.missed)
        verdict = f"MISSED: {missed}" if missed else "all met"
        print(f"goals: {goals}, {verdict} (figures in {path.relative_to(OUT_DIR.parent.parent)})")
        return 1 if missed else 0


async def start_script_run(
    client: CrowNestClient,
    script: str,
    *,
    name: str = "job.py",
    metadata: Mapping[str, str] | None = None,
    command: str | None = None,
) -> WorkspaceRun:
    """Create, upload and start a real run of ``script`` saved as ``name``, executing
    ``command`` (default ``python3 <name>``)."""
    with tempfile.TemporaryDirectory(prefix="crownest-bench-src-") as folder:
        source = Path(folder)
        (source / name).write_text(script)
        archive = pack_directory(source).data
    run = await client.create_run(
        command=command or f"python3 {name}", metadata=dict(metadata or {})
    )
    await client.upload_archive(run.id, archive)
    return await client.start_run(run.id)


def _stat_seconds(pid: int, first: int) -> float:
    """Fields ``first`` and ``first + 1`` (CPU ticks) of ``/proc/PID/stat``, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[first]) + int(fields[first + 1])) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (its own, not its children's)."""
    return _stat_seconds(pid, 11)  # utime, stime


def children_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the children process ``pid`` has waited for."""
    return _stat_seconds(pid, 13)  # cutime, cstime


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of ``pid`` (default: this process) in MB (MiB, as ru_maxrss)."""
    statm = Path(f"/proc/{pid or os.getpid()}/statm").read_text().split()
    return int(statm[1]) * PAGE_SIZE / 2**20


def quantiles(samples: Sequence[float], scale: float = 1000.0) -> dict[str, float]:
    """``p50``, ``p95``, ``p99`` and ``max`` of ``samples`` (seconds, scaled to ms by
    default); empty without samples."""
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * scale

    return {
        "p50": statistics.median(ordered) * scale,
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * scale,
    }


def percentiles(samples: Sequence[float], unit: str = "ms", scale: float = 1000.0) -> str:
    """``p50 … p95 … p99 … max …`` of ``samples`` (seconds by default, shown in ms)."""
    if not samples:
        return "no samples"
    shown = ", ".join(
        f"{name} {value:.1f} {unit}" for name, value in quantiles(samples, scale).items()
    )
    return f"{shown} ({len(samples):,} samples)"


def fault_line(proxy: FaultProxy) -> str:
    """The faults a proxy injected, total first."""
    counts = proxy.fault_counts()
    return f"{sum(counts.values())} {counts}"
