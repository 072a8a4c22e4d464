"""Launch a run from the "new run" form: pack (in a thread), create, upload, start.

The form watches it as the CLI's ``launch`` does on a terminal: a bar with bytes,
rate and time left while packing and while uploading, a line for each other step.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..api.client import CrowNestClient
from ..api.models import WorkspaceRun
from ..launch.flow import LaunchProgress, Step, launch
from ..launch.pack import PackedArchive, PackProgress, pack_directory
from ..launch.remembered import remember
from ..text.progress import TransferMeter, summary
from .new_run_form import NewRunForm

#: Packing reports (from its thread) reach the screen at most this often.
PACK_REPORT_SECONDS = 0.05


class LaunchView(Protocol):
    """Where a launch shows how far it is (a :class:`~.widgets.transfer_bar.TransferBar`)."""

    def show(self, verb: str, meter: TransferMeter, extra: str = "") -> None: ...
    def say(self, text: str) -> None: ...


@dataclass(frozen=True)
class Launched:
    """The form as typed, and the run it started."""

    form: NewRunForm
    run: WorkspaceRun


class FormLaunch:
    """One launch of the form's values, told to ``view``; ``run_id`` once created."""

    def __init__(
        self,
        client: CrowNestClient,
        form: NewRunForm,
        view: LaunchView,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.form = form
        self.view = view
        self.clock = clock
        self.run_id: str | None = None
        self._upload: TransferMeter | None = None

    async def run(self) -> Launched:
        """Raises FormError, PackError (incl. ArchiveTooLarge) or LaunchError."""
        request = await asyncio.to_thread(self.form.to_request)
        folder = self.form.folder_path()
        archive = await self._pack(folder)
        self.view.say(f"packed {archive.contents}")
        run = await launch(self.client, request, archive, on_progress=self._launch_progress)
        remember(run.id, folder, artifacts=request.artifacts or ())
        return Launched(self.form, run)

    async def _pack(self, folder: Path) -> PackedArchive:
        loop = asyncio.get_running_loop()
        meter = TransferMeter(None)
        reported_at = -PACK_REPORT_SECONDS

        def show(progress: PackProgress) -> None:  # on the event loop
            nonlocal meter
            if meter.total != progress.bytes_total:
                meter = TransferMeter(progress.bytes_total)
            meter.update(progress.bytes_done, self.clock())
            self.view.show("packing", meter, f"  ({progress.entries_text})")

        def reported(progress: PackProgress) -> None:  # in the packing thread
            nonlocal reported_at
            now = self.clock()
            last = progress.entries_done == progress.entries_total
            if last or now - reported_at >= PACK_REPORT_SECONDS:
                reported_at = now
                loop.call_soon_threadsafe(show, progress)

        self.view.say(f"packing {folder}…")
        return await asyncio.to_thread(pack_directory, folder, on_progress=reported)

    def _launch_progress(self, progress: LaunchProgress) -> None:
        self.run_id = progress.run_id or self.run_id
        if progress.retry is not None:
            self.view.say(f"{progress.step.value}: retrying ({progress.retry})")
        elif progress.step is Step.UPLOAD:
            if progress.done == 0 or self._upload is None:
                self._upload = TransferMeter(progress.total)
            self._upload.update(progress.done, self.clock())
            if progress.done >= progress.total:
                self.view.say(f"uploaded {summary(self._upload)}")
            else:
                self.view.show("uploading", self._upload)
        elif progress.done < progress.total:
            self.view.say(progress.step.doing)
