"""``--seed-demo``: three projects and about forty runs, all really executed.

The archive is packed at seed time from ``demo/project`` (python3 and POSIX sh only).
Finished runs are produced first, two at a time (this machine may have two cores);
then the live ones start and keep going: a long coloured test suite with warnings on
stderr, a noisy build printing thousands of lines per second, and a job that hangs
silently until someone cancels it. Metadata is fixed but varied, so filters have
something to find.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from ..api.models import ArtifactRequest, CreateRunRequest, is_terminal
from .backend import Backend
from .contract import ALL_SCOPES, new_id

log = logging.getLogger("crownest_tui.local")
DEMO_DIR = Path(__file__).parent / "demo" / "project"
PROJECTS = ("storefront-web", "payments-api", "data-pipeline")
BRANCHES = ("main", "feature/checkout-v2", "fix/flaky-search", "release/1.4", "main")
CIS = ("github-actions", "buildkite", "local")
OWNERS = ("alice", "bob", "chen", "dara")
TRIGGERS = ("push", "pull_request", "schedule", "manual")


@dataclass(frozen=True)
class DemoRun:
    command: str
    timeout_ms: int | None = None
    artifacts: tuple[str, ...] = ()
    cancel_after: float | None = None  # seconds after start
    archive: str = "good"  # good | garbage | none
    start: bool = True
    template: str = "python-node"
    extra: dict[str, str] = field(default_factory=dict)


FINISHED: tuple[DemoRun, ...] = (
    *(DemoRun(f"python3 run_tests.py --count {20 + 7 * i} --seed {i}") for i in range(6)),
    DemoRun("sh ci.sh check", template="python"),
    DemoRun("python3 build.py --lines 2000", template="base"),
    DemoRun("python3 build.py --lines 800", template="base"),
    DemoRun("python3 lint.py", template="python"),
    DemoRun(
        "python3 report.py",
        artifacts=("reports/junit.xml", "coverage.txt"),
        extra={"kind": "report"},
    ),
    DemoRun("python3 report.py && python3 run_tests.py --count 12", artifacts=("coverage.txt",)),
    *(DemoRun(f"python3 run_tests.py --count 30 --seed {9 + i}") for i in range(4)),
    DemoRun("python3 run_tests.py --count 60 --fail-every 17"),
    DemoRun("python3 run_tests.py --count 45 --fail-every 9 --seed 3"),
    DemoRun("python3 lint.py --strict", template="python"),
    DemoRun("sh ci.sh deploy", template="base"),
    DemoRun("sh ci.sh crash", template="base"),
    DemoRun("python3 build.py --lines 1500 --fail-at 1234", template="base"),
    DemoRun("sh ci.sh nonsense", template="base"),
    DemoRun("exit 1"),
    DemoRun("python3 stuck.py", cancel_after=0.4),
    DemoRun("python3 run_tests.py --count 100000 --delay 0.01", cancel_after=0.6),
    DemoRun("python3 build.py --lines 100000000 --rate 2000", cancel_after=0.5),
    DemoRun("python3 stuck.py", timeout_ms=800),
    DemoRun("python3 run_tests.py --count 100000 --delay 0.02", timeout_ms=1200),
    DemoRun("sleep 60", timeout_ms=600),
    DemoRun(
        "python3 report.py",
        artifacts=("coverage.txt", "../../etc/passwd", "reports/missing.xml"),
        extra={"kind": "report"},
    ),
    DemoRun("python3 run_tests.py", archive="garbage"),
    DemoRun("python3 run_tests.py --count 10", archive="good", start=False),
    DemoRun("sh ci.sh check", archive="none"),
)
LIVE: tuple[DemoRun, ...] = (
    DemoRun("python3 stuck.py", extra={"kind": "stuck"}),
    DemoRun(
        "python3 build.py --lines 5000000 --rate 3000", template="base", extra={"kind": "build"}
    ),
    DemoRun(
        "python3 run_tests.py --count 6000 --delay 0.15 --fail-every 97",
        extra={"kind": "tests"},
    ),
)


def demo_archive() -> bytes:
    """The demo project as a .tar.gz (made fresh, deterministic content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(DEMO_DIR.iterdir()):
            if path.name != "__init__.py" and path.suffix in (".py", ".sh"):
                tar.add(path, arcname=path.name)
        version = b"demo-1.4.2\n"
        info = tarfile.TarInfo("VERSION")
        info.size = len(version)
        tar.addfile(info, io.BytesIO(version))
    return buffer.getvalue()


def _metadata(index: int, spec: DemoRun) -> tuple[dict[str, str], dict[str, str]]:
    commit = hashlib.sha1(f"demo-{index}".encode()).hexdigest()
    branch = BRANCHES[index % len(BRANCHES)]
    metadata = {
        "branch": branch,
        "ci": CIS[index % len(CIS)],
        "owner": OWNERS[index % len(OWNERS)],
        "trigger": TRIGGERS[(index // 2) % len(TRIGGERS)],
        **spec.extra,
    }
    source = {"repo": "github.com/acme/shop", "commit": commit, "ref": f"refs/heads/{branch}"}
    return metadata, source


class Seeder:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.archive = demo_archive()
        self.projects: list[str] = []
        self.slots = asyncio.Semaphore(2)

    def _upload(self, run_id: str, data: bytes) -> None:
        temp = self.backend.paths.upload(new_id("seed"))
        temp.write_bytes(data)
        self.backend.hub.emit(
            run_id, "archive_progress", receivedBytes=len(data), sizeBytes=len(data)
        )
        digest = hashlib.sha256(data).hexdigest()
        self.backend.accept_archive(run_id, temp, digest, len(data))

    def create(self, index: int, spec: DemoRun) -> str:
        metadata, source = _metadata(index, spec)
        req = CreateRunRequest(
            command=spec.command,
            project_id=self.projects[index % len(self.projects)],
            template=spec.template,
            timeout_ms=spec.timeout_ms,
            metadata=metadata,
            source_metadata=source,
            artifacts=[ArtifactRequest(path=p) for p in spec.artifacts] or None,
        )
        run_id = self.backend.create_run(req).id
        if spec.archive == "good":
            self._upload(run_id, self.archive)
        elif spec.archive == "garbage":
            self._upload(run_id, b"this is not a tar.gz archive\n" * 20)
        return run_id

    async def finished(self, index: int, spec: DemoRun) -> None:
        async with self.slots:
            run_id = self.create(index, spec)
            if spec.archive == "none" or not spec.start:
                return
            self.backend.start(run_id, ALL_SCOPES)
            if spec.cancel_after is not None:
                await asyncio.sleep(spec.cancel_after)
                if not is_terminal(self.backend.run(run_id).status):
                    await self.backend.cancel(run_id)
            await self.backend.wait_terminal(run_id)

    async def run(self) -> None:
        for name in PROJECTS:
            self.projects.append(self.backend.create_project(name).id)
        await asyncio.gather(*(self.finished(i, spec) for i, spec in enumerate(FINISHED)))
        for offset, spec in enumerate(LIVE):
            run_id = self.create(len(FINISHED) + offset, spec)
            self.backend.start(run_id, ALL_SCOPES)


async def seed_demo(backend: Backend) -> None:
    """Fill an empty state dir with demo data (a state dir with projects is left alone)."""
    if backend.store.oldest_project_id() is not None:
        log.info("demo seed skipped: the state dir already has data")
        return
    try:
        await Seeder(backend).run()
        log.info("demo seed done")
    except Exception:
        log.exception("demo seed failed")
