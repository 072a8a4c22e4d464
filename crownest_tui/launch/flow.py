"""Create → upload → start, safe to retry at every step.

Each step carries its own ``Idempotency-Key``, made once per launch (:class:`LaunchKeys`)
and sent again on every retry of that step, by the client's own retries and by the
step retries here (which also wait out ``idempotency_request_in_progress``). So however
often the network drops an answer, the server sees one create, one upload, one start.

Uploads go direct for small archives and through a staged transfer (create transfer,
PUT bytes, finalize) for larger ones or when asked. The staged PUT has no key of its
own: a retry of a PUT that did land gets ``upload_conflict``, which here means "already
there", and finalize then proves it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from ..api.client import CrowNestClient, new_idempotency_key
from ..api.errors import CrowNestError
from ..api.http import is_retryable
from ..api.models import CreateRunRequest, WorkspaceRun
from ..api.retry import Backoff
from .pack import PackedArchive

#: Archives up to this size go in one direct PUT; bigger ones through a staged transfer.
DIRECT_UPLOAD_MAX_BYTES = 1024 * 1024
#: Retries of a whole step, on top of the client's own retries of each request.
STEP_ATTEMPTS = 4
STEP_BACKOFF = Backoff(base=0.5, cap=4.0)
IN_PROGRESS = "idempotency_request_in_progress"
UPLOAD_CONFLICT = "upload_conflict"
T = TypeVar("T")


class Step(StrEnum):
    CREATE = "create"
    UPLOAD = "upload"
    FINALIZE = "finalize"
    START = "start"

    @property
    def doing(self) -> str:
        """The step under way, in words: ``creating the run…``."""
        return _DOING[self]


_DOING = {
    Step.CREATE: "creating the run…",
    Step.UPLOAD: "uploading…",
    Step.FINALIZE: "finalizing the upload…",
    Step.START: "starting…",
}


@dataclass(frozen=True, slots=True)
class LaunchKeys:
    """One idempotency key per step; keep it to retry a whole launch safely."""

    create: str = field(default_factory=new_idempotency_key)
    upload: str = field(default_factory=new_idempotency_key)
    transfer: str = field(default_factory=new_idempotency_key)
    finalize: str = field(default_factory=new_idempotency_key)
    start: str = field(default_factory=new_idempotency_key)


@dataclass(frozen=True, slots=True)
class LaunchProgress:
    """A step began (``done == 0``), finished (``done == total``) or is being retried.

    Between the two, the upload step reports the bytes sent so far (``total`` is the
    archive's size); ``done`` only reaches ``total`` once the server has the archive.
    """

    step: Step
    done: int = 0
    total: int = 1
    run_id: str | None = None
    retry: str | None = None  # why the step is tried again


ProgressCallback = Callable[[LaunchProgress], None]


class LaunchError(Exception):
    """A step failed for good; ``run_id`` is set when a run was already created."""

    def __init__(self, step: Step, error: CrowNestError, run_id: str | None) -> None:
        self.step = step
        self.error = error
        self.run_id = run_id
        where = f" (run {run_id} was created and stays awaiting its archive)" if run_id else ""
        super().__init__(f"{step.value} failed: {error.message}{where}")


class _Steps:
    def __init__(
        self, on_progress: ProgressCallback | None, attempts: int, backoff: Backoff
    ) -> None:
        self.on_progress = on_progress
        self.attempts = attempts
        self.backoff = backoff
        self.run_id: str | None = None

    def report(self, step: Step, done: int = 0, total: int = 1, retry: str | None = None) -> None:
        if self.on_progress is not None:
            self.on_progress(LaunchProgress(step, done, total, self.run_id, retry))

    def upload_sent(self, sent: int, total: int) -> None:
        """Bytes on their way: reported between the step's begin and end reports."""
        if 0 < sent < total:
            self.report(Step.UPLOAD, sent, total)

    async def call(self, step: Step, action: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(self.attempts):
            try:
                return await action()
            except CrowNestError as err:
                again = is_retryable(err) or err.code == IN_PROGRESS
                if not again or attempt + 1 >= self.attempts:
                    raise LaunchError(step, err, self.run_id) from err
                self.report(step, retry=err.message)
                await asyncio.sleep(self.backoff.delay(attempt, err.retry_after))
        raise AssertionError("unreachable")


async def _archive_landed(client: CrowNestClient, run_id: str, sha256: str) -> bool:
    """After ``upload_conflict``: did our own earlier try deliver this archive?"""
    run = await client.get_run(run_id)
    return run.archive is not None and run.archive.sha256 == sha256


async def _upload_direct(
    client: CrowNestClient, steps: _Steps, run_id: str, archive: PackedArchive, key: str
) -> None:
    async def put() -> None:
        try:
            await client.upload_archive(
                run_id,
                archive.data,
                sha256=archive.sha256,
                idempotency_key=key,
                on_progress=steps.upload_sent,
            )
        except CrowNestError as err:
            if err.code != UPLOAD_CONFLICT or not await _archive_landed(
                client, run_id, archive.sha256
            ):
                raise

    await steps.call(Step.UPLOAD, put)


async def _upload_staged(
    client: CrowNestClient, steps: _Steps, run_id: str, archive: PackedArchive, keys: LaunchKeys
) -> None:
    transfer = await steps.call(
        Step.UPLOAD,
        lambda: client.create_archive_transfer(
            run_id, sha256=archive.sha256, size_bytes=archive.size, idempotency_key=keys.transfer
        ),
    )

    async def put() -> None:
        try:
            await client.upload_to_transfer(transfer, archive.data, on_progress=steps.upload_sent)
        except CrowNestError as err:
            if err.code != UPLOAD_CONFLICT:  # conflict: an earlier try landed
                raise

    await steps.call(Step.UPLOAD, put)
    steps.report(Step.UPLOAD, archive.size, archive.size)
    steps.report(Step.FINALIZE)

    async def finalize() -> None:
        try:
            await client.finalize_archive(
                run_id,
                upload_id=transfer.id,
                sha256=archive.sha256,
                size_bytes=archive.size,
                idempotency_key=keys.finalize,
            )
        except CrowNestError as err:
            if err.code != UPLOAD_CONFLICT or not await _archive_landed(
                client, run_id, archive.sha256
            ):
                raise

    await steps.call(Step.FINALIZE, finalize)
    steps.report(Step.FINALIZE, 1, 1)


async def launch(
    client: CrowNestClient,
    request: CreateRunRequest,
    archive: PackedArchive,
    *,
    on_progress: ProgressCallback | None = None,
    staged: bool | None = None,
    keys: LaunchKeys | None = None,
    step_attempts: int = STEP_ATTEMPTS,
    step_backoff: Backoff | None = None,
) -> WorkspaceRun:
    """Create the run, upload ``archive``, start it; return the run as ``start`` answered.

    ``staged``: None picks by size, True/False force the staged/direct upload. Pass the
    same ``keys`` to retry a failed launch without risking a second run. Each step is
    tried ``step_attempts`` times (waiting per ``step_backoff``) when its error may pass.
    """
    resuming = keys is not None
    keys = keys or LaunchKeys()
    steps = _Steps(on_progress, step_attempts, step_backoff or STEP_BACKOFF)
    steps.report(Step.CREATE)
    run = await steps.call(
        Step.CREATE, lambda: client.create_run(request, idempotency_key=keys.create)
    )
    steps.run_id = run.id
    steps.report(Step.CREATE, 1, 1)
    steps.report(Step.UPLOAD, 0, archive.size)
    use_staged = archive.size > DIRECT_UPLOAD_MAX_BYTES if staged is None else staged
    # A replayed create answers with the run as it was then; a resumed launch asks how
    # far it got, so an archive that already landed is not sent again.
    if resuming and await steps.call(
        Step.UPLOAD, lambda: _archive_landed(client, run.id, archive.sha256)
    ):
        steps.report(Step.UPLOAD, archive.size, archive.size)
    elif use_staged:
        await _upload_staged(client, steps, run.id, archive, keys)
    else:
        await _upload_direct(client, steps, run.id, archive, keys.upload)
        steps.report(Step.UPLOAD, archive.size, archive.size)
    steps.report(Step.START)
    started = await steps.call(
        Step.START, lambda: client.start_run(run.id, idempotency_key=keys.start)
    )
    steps.report(Step.START, 1, 1)
    return started
