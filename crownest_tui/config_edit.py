"""Write one choice back into ``config.toml`` without disturbing the rest of it.

``tomlkit`` keeps the user's comments, order and formatting (``tomllib`` can only
read); the new text replaces the file atomically (temp file + rename in the same
directory, with the old file's mode), so a crash never leaves half a config.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from .api.credentials import ConfigError


def save_theme(path: Path, profile: str | None, theme: str) -> None:
    """Set ``profiles.<profile>.theme`` (or ``ui.theme``) to ``theme``; raises
    ConfigError with one line when the file cannot be read, parsed or written."""
    target = path.resolve()  # through a symlink, so the link itself stays
    try:
        text = target.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot save the theme: cannot read {path}: {_why(exc)}") from None
    try:
        document = tomlkit.parse(text)
        table = _table(document, ["profiles", profile] if profile else ["ui"])
        table["theme"] = theme
        new_text = tomlkit.dumps(document)
    except (TOMLKitError, TypeError, KeyError) as exc:
        raise ConfigError(f"cannot save the theme: {path} cannot be edited: {exc}") from None
    try:
        write_atomically(target, new_text)
    except OSError as exc:
        raise ConfigError(f"cannot save the theme to {path}: {_why(exc)}") from None


def _table(document: Any, keys: list[str]) -> Any:
    """The (super-)table at ``keys``, created when missing."""
    table = document
    for key in keys:
        if key not in table:
            table[key] = tomlkit.table()
        table = table[key]
        if not hasattr(table, "__setitem__"):
            raise TypeError(f"{'.'.join(keys)} is not a table")
    return table


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a temp file beside it, flushed, then renamed."""
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600 if mode is None else mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _why(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
