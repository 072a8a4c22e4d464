"""Launch a run from the "new run" form: pack (in a thread), create, upload, start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..api.client import CrowNestClient
from ..api.models import WorkspaceRun
from ..launch.flow import LaunchProgress, launch
from ..launch.pack import pack_directory
from .new_run_form import NewRunForm

Say = Callable[[str], None]


async def launch_from_form(client: CrowNestClient, form: NewRunForm, say: Say) -> WorkspaceRun:
    """Raises FormError, PackError (incl. ArchiveTooLarge) or LaunchError."""
    request = await asyncio.to_thread(form.to_request)
    say(f"Packing {form.folder}…")
    archive = await asyncio.to_thread(pack_directory, form.folder_path())

    def progress(step: LaunchProgress) -> None:
        if step.done == 0:
            say(f"{step.step.value.capitalize()}…" + (f" ({step.retry})" if step.retry else ""))

    return await launch(client, request, archive, on_progress=progress)
