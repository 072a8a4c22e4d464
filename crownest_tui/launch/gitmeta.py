"""Source metadata of a launch folder, from git when it is in a work tree.

Keys (all optional): ``repo`` (remote URL of ``origin``, else of the first remote,
with any credentials removed), ``branch`` (absent on a detached HEAD), ``commit`` and
``dirty`` (``"true"`` when tracked files changed or untracked, not-ignored files exist).
Remote URLs often carry tokens (``https://x-access-token:ghp_…@github.com/…``); those
must never reach the API, so user info, query and fragment are always dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .git import git, git_text

#: The API's limit on one metadata value.
MAX_VALUE_CHARS = 512
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^/:]+):(?P<path>(?!//).*)$")


def strip_credentials(url: str) -> str:
    """``url`` without user, password, query or fragment (scp-like ``git@host:`` kept)."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        try:
            port = parts.port
        except ValueError:
            port = None
        netloc = f"{host}:{port}" if port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    match = _SCP_LIKE.match(url)
    if match:
        user = match["user"]
        # `git@host:path` names an account kind, not a secret; any other user may be one.
        prefix = "git@" if user == "git" else ""
        return f"{prefix}{match['host']}:{match['path']}"
    return url


def _remote_url(folder: Path) -> str | None:
    names = (git_text(folder, "remote") or "").split()
    if not names:
        return None
    name = "origin" if "origin" in names else names[0]
    url = git_text(folder, "remote", "get-url", name)
    return strip_credentials(url) if url else None


def source_metadata(folder: Path) -> dict[str, str]:
    """Whatever git can tell about ``folder`` (empty outside a work tree)."""
    if git_text(folder, "rev-parse", "--is-inside-work-tree") != "true":
        return {}
    found: dict[str, str | None] = {
        "repo": _remote_url(folder),
        "branch": git_text(folder, "symbolic-ref", "--short", "-q", "HEAD"),
        "commit": git_text(folder, "rev-parse", "--verify", "-q", "HEAD"),
    }
    status = git(folder, "status", "--porcelain", "--untracked-files=normal")
    if status is not None:
        found["dirty"] = "true" if status.strip() else "false"
    return {key: value[:MAX_VALUE_CHARS] for key, value in found.items() if value}
