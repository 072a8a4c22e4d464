"""``--debug``: a timestamped diagnostic log in a private file, for developers.

Everything under the ``crownest_tui`` logger hierarchy (each HTTP request, the event
stream's connects, reconnects, stalls and gaps, see :mod:`crownest_tui.api.trace`),
asyncio's own warnings, and an unhandled error that ended the dashboard go to one
file, created with mode 0600. Nothing is logged unless the command line asks.

The credential never reaches the file: the API layer formats no header, and a
redaction filter on the handler is the second line of defence. It replaces every
credential announced to :data:`crownest_tui.api.trace.secret_listeners` while the log
is on (each client's, and each the command line resolves: as is, URL-encoded,
base64) and whatever follows ``Bearer``, ``Basic`` or ``Authorization:`` with ``***``,
in messages and tracebacks alike.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from . import __version__
from .api import trace
from .api.credentials import ConfigError, Connection, Secret
from .core.paths import log_dir

LOGGERS = ("crownest_tui", "asyncio")
MASK = "***"
FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_AUTH_PATTERNS = (
    # "Bearer <token>", "Basic <base64>" (header values, repr of a request, …)
    re.compile(r"(?i)\b(bearer(?:\s+|%20|\+))[^\s\"',;}\]]+"),
    re.compile(r"(?i)\b(basic(?:\s+|%20|\+))[A-Za-z0-9+/_-]{6,}=*"),
    # "Authorization: …" / "'authorization': '…'" / "authorization=…"
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?!\*\*\*)[^\s\"',;}\]]+"),
    # credentials in a query string
    re.compile(r"(?i)\b((?:api[_-]?key|access[_-]?token|token)=)[^&\s\"']+"),
)


def default_path() -> Path:
    """``<user log dir>/debug.log`` (``~/.local/state/crownest-tui/log`` on Linux)."""
    return log_dir() / "debug.log"


def encoded_forms(secret: str) -> set[str]:
    """The secret as it could appear in text: as is, URL-encoded, base64 (all flavours)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    raw = secret.encode()
    for prefix in (b"", b":", b"Bearer "):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(prefix + raw).decode()
            forms.update({text, text.rstrip("=")})
    return {form for form in forms if len(form) >= 4}


class RedactFilter(logging.Filter):
    """Renders each record and masks secrets and authorization values in it."""

    def __init__(self) -> None:
        super().__init__()
        self._forms: list[str] = []

    def add_secret(self, secret: str) -> None:
        forms = encoded_forms(secret) | set(self._forms)
        # The longest first, so a form containing another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        for pattern in _AUTH_PATTERNS:
            text = pattern.sub(lambda m: f"{m.group(1)}{MASK}", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad format string must not lose the record
            message = f"{record.msg!r} (unformattable: {type(exc).__name__})"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class PrivateFileHandler(logging.FileHandler):
    """Appends to a file only its owner can read (0600, created so; links refused)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        super().__init__(path, mode="a", encoding="utf-8", errors="backslashreplace")

    def _open(self) -> Any:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an older file may have been created looser
        except OSError:
            os.close(fd)
            raise
        return os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")


class DebugLog:
    """One ``--debug`` session: the handler on our loggers, until :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.redactor = RedactFilter()
        self.handler = PrivateFileHandler(path)
        self.handler.addFilter(self.redactor)
        formatter = logging.Formatter(FORMAT, DATE_FORMAT)
        formatter.converter = time.gmtime
        self.handler.setFormatter(formatter)
        self._levels: dict[str, int] = {}
        for name in LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG if name == "crownest_tui" else logging.WARNING)
            logger.addHandler(self.handler)

    def close(self) -> None:
        for name, level in self._levels.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self.handler)
            logger.setLevel(level)
        self.handler.close()


_active: list[DebugLog] = []
log = logging.getLogger("crownest_tui.cli")


def target(debug: bool, debug_file: str | None) -> Path | None:
    """Where ``--debug`` / ``--debug-file FILE`` log to (None: no log)."""
    if debug_file:
        return Path(debug_file).expanduser()
    return default_path() if debug else None


@contextlib.contextmanager
def session(path: Path | None, command: str) -> Iterator[DebugLog | None]:
    """Log to ``path`` for the ``with`` (nothing at all when ``path`` is None).

    A file that cannot be opened (no permission, a symbolic link) is a
    :class:`ConfigError`: one line on stderr, exit status 2.
    """
    if path is None:
        yield None
        return
    try:
        debug = DebugLog(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ELOOP:
            reason = "it is a symbolic link"
        raise ConfigError(f"cannot write the debug log {path}: {reason}") from None
    _active.append(debug)
    trace.secret_listeners.append(debug.redactor.add_secret)
    log.info(
        "crownest-tui %s %s, Python %s, pid %d",
        __version__,
        command,
        sys.version.split()[0],
        os.getpid(),
    )
    try:
        yield debug
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt | SystemExit):
            log.error("%s ended with an unhandled error", command, exc_info=exc)
        raise
    finally:
        log.info("%s: debug log closed", command)
        _active.remove(debug)
        trace.secret_listeners.remove(debug.redactor.add_secret)
        debug.close()


def protect(connection: Connection | Secret | str | None) -> None:
    """Mask this credential in every active debug log (no-op when none is active)."""
    secret = connection.credential if isinstance(connection, Connection) else connection
    trace.note_secret(secret)
    if isinstance(connection, Connection):
        log.info(
            "API %s://%s:%d (from %s), credential from %s",
            *connection.origin,
            connection.base_url_source,
            connection.credential_source or "nowhere",
        )


def app_finished(app: Any) -> None:
    """Log how the dashboard ended, with the unhandled error that ended it, if any."""
    if not _active:
        return
    # Textual keeps the first unhandled error (a failed worker's, wrapped in
    # WorkerFailed) on the app, and has no public way to ask for it (textual 8.2.8).
    # What it prints on exit (``app.error_console``) is no substitute: it is wrapped
    # to the terminal's width, and a credential cut in two escapes the redaction.
    error = getattr(app, "_exception", None)
    original = getattr(error, "error", None) or error
    if isinstance(original, BaseException):
        log.error(
            "the dashboard stopped on an unhandled error (%s)",
            type(error).__name__,
            exc_info=original,
        )
    log.info("the dashboard exited with status %s", getattr(app, "return_code", None))
