"""Values the client and the local backend share, from the CrowNest API contract."""

from __future__ import annotations

from typing import Final

#: The sandbox template a launch asks for when none is given.
DEFAULT_TEMPLATE: Final = "python-node"
#: The API's archive limit (direct and staged uploads alike).
MAX_ARCHIVE_BYTES: Final = 8 * 1024 * 1024
#: ``Connection.base_url_source`` of the local backends that ``--local``/``--demo`` use
#: (the context line shows "local" or "demo" for them instead of a loopback URL).
LOCAL_SOURCE: Final = "local backend"
DEMO_SOURCE: Final = "demo backend"
#: Noted in the source of a local backend that runs commands without a sandbox (the
#: context line then says "local · unsandboxed").
UNSANDBOXED: Final = "unsandboxed"
SOURCE_NOTE: Final = ", "


def local_source(source: str, *, sandboxed: bool) -> str:
    """``base_url_source`` of a local backend (``source``), noting an unsandboxed one."""
    return source if sandboxed else f"{source}{SOURCE_NOTE}{UNSANDBOXED}"
