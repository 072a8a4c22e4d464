"""Run a run again from a screen (``!`` in the list and the detail): plan it in a
worker, confirm it (the folder changed or not), launch it, then open the new run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from ...api.client import CrowNestClient
from ...api.errors import CrowNestError
from ...api.models import WorkspaceRun
from ...launch.flow import LaunchError
from ...launch.pack import PackError
from ...launch.rerun import RerunPlan, RerunUnavailable, plan_rerun, start_rerun
from ..messages import LaunchStarting, OpenRun
from .confirm_rerun import ConfirmRerunScreen

TITLE = "Run again"


class Rerun:
    """One rerun of ``run_id`` asked from ``screen``; ``started`` hears the new run."""

    def __init__(
        self,
        screen: Screen[Any],
        client: CrowNestClient,
        run_id: str,
        *,
        started: Callable[[WorkspaceRun], None] | None = None,
    ) -> None:
        self.screen = screen
        self.client = client
        self.run_id = run_id
        self.started = started

    def start(self) -> None:
        self.screen.notify(f"Preparing {self.run_id} to run again…", title=TITLE, timeout=3)
        self.screen.run_worker(
            self._plan(), group="rerun", description="plan a rerun", exit_on_error=False
        )

    def _say_failure(self, title: str, message: str) -> None:
        self.screen.notify(message, title=title, severity="warning", timeout=10, markup=False)

    async def _plan(self) -> None:
        try:
            plan = await plan_rerun(self.client, self.run_id)
        except RerunUnavailable as exc:
            self._say_failure("Cannot run it again", str(exc))
            return
        except PackError as exc:
            self._say_failure("Cannot pack the folder", str(exc))
            return
        except CrowNestError as error:
            self._say_failure(f"Cannot run it again: {error.title}", error.message)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.screen.run_worker(
                    self._launch(plan), group="rerun", description="rerun", exit_on_error=False
                )

        self.screen.app.push_screen(ConfirmRerunScreen(plan), confirmed)

    async def _launch(self, plan: RerunPlan) -> None:
        if plan.folder is not None:
            self.screen.post_message(LaunchStarting(plan.folder))
        try:
            run = await start_rerun(self.client, plan)
        except LaunchError as exc:
            self._say_failure(f"Rerun failed ({exc.step.value})", exc.error.message)
            return
        self.screen.notify(f"{run.id} started: {self.run_id} again", title=TITLE, markup=False)
        if self.started is not None:
            self.started(run)
        self.screen.post_message(OpenRun(run.id))
