"""Diagnostic logging of the API layer, with the stdlib :mod:`logging` module.

Two loggers: ``crownest_tui.api.http`` (every unary request: method, path and query,
status, duration, attempt, the wait before a retry) and ``crownest_tui.api.stream``
(connects, reconnects, stalls, gaps, the end). They are silent unless an application
attaches a handler (the command line's ``--debug`` does, see ``crownest_tui.debuglog``).

What is logged never includes a header: the credential travels only in
``Authorization``, which nothing here formats. A URL on the API origin is logged as its
path and query; on another origin (a staged upload URL, whose query may carry a
signature) without its query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from .credentials import Secret, url_origin

http_log = logging.getLogger("crownest_tui.api.http")
stream_log = logging.getLogger("crownest_tui.api.stream")

# A library stays quiet when nobody configured logging: without this, Python's
# last-resort handler would print warnings onto the dashboard's terminal.
logging.getLogger("crownest_tui").addHandler(logging.NullHandler())


#: The one registry of credentials to mask: called with each credential a client is
#: made with, and each one the command line resolves (the debug log's redaction filter
#: listens while it is active, so a key met later, after a profile switch say, is
#: masked too). Empty unless a debug log is on.
secret_listeners: list[Callable[[str], None]] = []


def note_secret(secret: Secret | str | None) -> None:
    """Hand ``secret`` to every listener (nothing happens when none listens)."""
    if secret is None:
        return
    value = secret.reveal() if isinstance(secret, Secret) else secret
    for listener in list(secret_listeners):
        listener(value)


def loggable_url(url: httpx.URL, api_origin: tuple[str, str, int]) -> str:
    """``/path?query`` for the API origin; ``scheme://host/path?…`` for any other."""
    if url_origin(str(url)) == api_origin:
        query = url.query.decode("ascii", "replace")
        return url.path + (f"?{query}" if query else "")
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}" + ("?…" if url.query else "")


def millis(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
