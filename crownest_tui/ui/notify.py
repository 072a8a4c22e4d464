"""Desktop notifications through ``notify-send``, when it is on PATH.

The program is run without a shell, with its own argv, and never waited on by the
UI: :meth:`DesktopNotifier.send` is a coroutine the app runs as a worker. Failures
(missing program, non-zero exit, a hang) are ignored: the toast in the app is the
notification that counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil

from ..text.format import safe_line

TITLE = "CrowNest"
#: A notifier that hangs is killed after this long.
SEND_TIMEOUT = 10.0
MAX_BODY = 200


class DesktopNotifier:
    """Sends ``<program> --app-name=CrowNest CrowNest <body>``.

    ``program`` is a name looked up on PATH or a path (tests point it at a script
    that records its argv); ``None`` turns desktop notifications off.
    """

    def __init__(self, program: str | None = "notify-send") -> None:
        self.program = program

    def resolve(self) -> str | None:
        """The program's full path, or ``None`` when it is not there."""
        return None if self.program is None else shutil.which(self.program)

    def argv(self, body: str) -> list[str] | None:
        """The command line for ``body`` (made one inert line), or ``None``."""
        path = self.resolve()
        if path is None:
            return None
        text = safe_line(body)
        if len(text) > MAX_BODY:
            text = text[: MAX_BODY - 1] + "…"
        return [path, f"--app-name={TITLE}", "--", TITLE, text]

    async def send(self, body: str) -> bool:
        """Run the program; True when it ran and exited 0 (errors are swallowed)."""
        argv = self.argv(body)
        if argv is None:
            return False
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError:
            return False
        try:
            code = await asyncio.wait_for(process.wait(), SEND_TIMEOUT)
        except TimeoutError:
            _kill(process)
            return False
        except asyncio.CancelledError:
            _kill(process)  # the app is closing: leave no child behind
            raise
        return code == 0


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
