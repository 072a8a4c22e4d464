"""Named profiles: one settings file, several CrowNest APIs (like k9s contexts).

A profile's unset keys fall back to ``[api]``/``[ui]``/``[keys]``; flags and the
environment still win over it (see ``api.credentials`` for the precedence). The
credential comes from the environment variable or the owner-only file a profile
names, never from ``config.toml`` itself.

:class:`ProfileSwitcher` is what the app is given: it turns a profile name into a
ready client and the view options, so the UI never resolves URLs or keys itself.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from . import debuglog
from .api.client import CrowNestClient
from .api.credentials import (
    ENV_API_KEY,
    ENV_BEARER_TOKEN,
    ConfigError,
    Connection,
    resolve_connection,
)
from .config import ProfileSettings, Settings, known_profiles
from .core.defaults import DEMO_SOURCE, LOCAL_SOURCE, SOURCE_NOTE
from .core.filters import RunFilters

_SHOWABLE_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
T = TypeVar("T")


def _pick(own: T | None, default: T) -> T:
    return default if own is None else own


@dataclass(frozen=True)
class ProfileView:
    """How the dashboard looks at a profile's API (after any flags)."""

    name: str | None
    filters: RunFilters = field(default_factory=RunFilters)
    refresh_interval: float = 5.0
    read_only: bool = False
    page_size: int = 100
    theme: str = "crownest"
    keymap: dict[str, str] = field(default_factory=dict)
    bell: bool = False
    concurrency: int | None = None


def select_profile(settings: Settings, requested: str | None) -> str | None:
    """``--profile NAME``, else ``default_profile``, else none; raises ConfigError
    naming the known profiles when ``requested`` is not one of them."""
    if requested is None:
        return settings.default_profile
    if requested not in settings.profiles:
        raise ConfigError(f"unknown profile {requested!r} (known: {known_profiles(settings)})")
    return requested


def _profile(settings: Settings, name: str | None) -> ProfileSettings:
    if name is None:
        return ProfileSettings.model_construct()  # the defaults: valid as they are
    if name not in settings.profiles:
        raise ConfigError(f"unknown profile {name!r} (known: {known_profiles(settings)})")
    return settings.profiles[name]


def profile_view(settings: Settings, name: str | None) -> ProfileView:
    """The profile's options, its unset keys taken from ``[ui]`` and ``[keys]``."""
    profile, ui = _profile(settings, name), settings.ui

    return ProfileView(
        name=name,
        filters=RunFilters.build(profile.project, profile.status, profile.metadata),
        refresh_interval=_pick(profile.refresh, ui.refresh),
        read_only=_pick(profile.read_only, ui.read_only),
        page_size=_pick(profile.page_size, ui.page_size),
        theme=_pick(profile.theme, ui.theme),
        keymap={**settings.keys, **profile.keys},
        bell=_pick(profile.bell, ui.bell),
        concurrency=_pick(profile.concurrency, ui.concurrency),
    )


def flags_over(profile: RunFilters, flags: RunFilters) -> RunFilters:
    """The profile's filters with each one given on the command line replacing it."""
    return RunFilters.build(
        flags.project_id or profile.project_id,
        flags.status or profile.status,
        flags.metadata or profile.metadata,
    )


def profile_credential(
    settings: Settings, name: str | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The credential the profile points at (its env var or key file), or None when
    it names neither; raises ConfigError (without the value) when it cannot be used."""
    env = os.environ if environ is None else environ
    profile = _profile(settings, name)
    if profile.api_key_env:
        value = env.get(profile.api_key_env, "").strip()
        if not value:
            var = profile.api_key_env
            # A credential pasted in by mistake must not be echoed back.
            what = var if _SHOWABLE_ENV_NAME.match(var) else "the variable named by api_key_env"
            raise ConfigError(f"profile {name!r}: api_key_env: {what} is not set (or empty)")
        return value
    if profile.api_key_file:
        return read_key_file(Path(profile.api_key_file).expanduser(), f"profile {name!r}")
    return None


def read_key_file(path: Path, who: str) -> str:
    """The credential in ``path``, which must be a regular file only its owner can
    read (like ssh refuses an open private key); raises ConfigError."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"{who}: api_key_file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{who}: api_key_file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and mode & 0o077:
        raise ConfigError(
            f"{who}: permissions {mode:04o} for api_key_file {path} are too open "
            f"(group or others can access it); run: chmod 600 {path}"
        )
    try:
        value = path.read_bytes().decode("utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{who}: cannot read api_key_file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{who}: api_key_file {path} is not UTF-8 text") from None
    if not value or len(value.splitlines()) != 1:
        raise ConfigError(f"{who}: api_key_file {path} must hold the credential on one line")
    return value


def profile_connection(
    settings: Settings,
    name: str | None,
    *,
    api_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """URL and credential for the profile: ``--api-url`` and the environment first,
    then the profile, then ``[api]``, then the official CLI's login."""
    env = os.environ if environ is None else environ
    profile = _profile(settings, name)
    # The environment wins over the profile: only read its key when it is needed.
    env_has_key = any(env.get(var, "").strip() for var in (ENV_BEARER_TOKEN, ENV_API_KEY))
    key = None if env_has_key else profile_credential(settings, name, env)
    field = "api_key_env" if profile.api_key_env else "api_key_file"
    return resolve_connection(
        base_url=api_url,
        environ=env,
        profile_key=key,
        profile_url=profile.api_url or settings.api.url,
        profile_key_source=f"profile {name} ({field})" if name is not None else "profile",
    )


def api_origin(url: str) -> str:
    """``scheme://host[:port]`` of an API URL (no path; it never carries user info)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def api_label(connection: Connection) -> str:
    """Where the app talks to, in a word: ``demo``, ``local`` or the API origin; a
    local backend that runs commands without a sandbox says so (``local · unsandboxed``)."""
    source, _, note = connection.base_url_source.partition(SOURCE_NOTE)
    name = {DEMO_SOURCE: "demo", LOCAL_SOURCE: "local"}.get(source)
    if name is None:
        return api_origin(connection.base_url)
    return f"{name} · {note}" if note else name


class ProfileSwitcher:
    """Opens profiles for the app and remembers theme choices in the settings file.

    ``api_url`` and ``read_only`` are the command-line flags, which win over every
    profile; ``local`` is the connection to a ``--demo``/``--local`` backend, which
    then serves every profile.
    """

    def __init__(
        self,
        settings: Settings,
        path: Path,
        *,
        api_url: str | None = None,
        read_only: bool = False,
        local: Connection | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.path = path
        self.api_url = api_url
        self.read_only = read_only
        self.local = local
        self.environ = environ

    @property
    def names(self) -> list[str]:
        """Every profile in the settings file, sorted."""
        return sorted(self.settings.profiles)

    def connection(self, name: str | None) -> Connection:
        """The profile's connection (raises ConfigError for an unusable key file…)."""
        if self.local is not None:
            return self.local
        connection = profile_connection(
            self.settings, name, api_url=self.api_url, environ=self.environ
        )
        debuglog.protect(connection)  # a --debug log masks this credential too
        return connection

    def view(self, name: str | None) -> ProfileView:
        """The profile's view options; ``--read-only`` still holds."""
        view = profile_view(self.settings, name)
        if self.read_only and not view.read_only:
            view = replace(view, read_only=True)
        return view

    def open(self, name: str | None) -> tuple[CrowNestClient, ProfileView]:
        """A new client for the profile and its options; raises ConfigError."""
        view = self.view(name)
        return CrowNestClient(connection=self.connection(name)), view

    def save_theme(self, name: str | None, theme: str) -> None:
        """Make ``theme`` the profile's (``[ui]``'s with no profile), in the file and
        here; raises ConfigError when the file cannot be rewritten."""
        from .config_edit import save_theme  # tomlkit: only when a theme is saved

        save_theme(self.path, name, theme)
        if name is None:
            ui = self.settings.ui.model_copy(update={"theme": theme})
            self.settings = self.settings.model_copy(update={"ui": ui})
        else:
            profile = self.settings.profiles[name].model_copy(update={"theme": theme})
            profiles = {**self.settings.profiles, name: profile}
            self.settings = self.settings.model_copy(update={"profiles": profiles})
