"""One settings model, from our own TOML file, overridden by flags.

The file lives at ``<platformdirs user_config_dir>/crownest-tui/config.toml``;
``CROWNEST_TUI_CONFIG`` names another file. Every key is optional::

    default_profile = "work"   # used when --profile is not given

    [api]
    url = "https://api.crownest.dev"   # below --api-url and CROWNEST_API_URL

    [ui]
    refresh = 5          # seconds between auto-refreshes, 0 = manual
    read_only = false    # hide every cancel action
    theme = "crownest"
    page_size = 100      # runs per API page
    bell = false         # ring the terminal bell when a followed run ends
    concurrency = 25     # sandboxes your plan runs at once (2, 25, 100 or 250): Insights
    save_dir = "~/logs"  # where ctrl+s and d write (default: the downloads folder)
    quiet_after = "5m"   # "Quiet for 5m" when a running run prints nothing that long; 0 = never

    [keys]               # remap any binding by its id (see `?` in the app)
    "runs.refresh" = "f5"

    [errors]             # what counts as an error line in a run's log (e / E)
    patterns = ["^BUILD FAILED", "\\bOOPS\\b"]   # regexes added to the built-in table
    builtin = true       # false: only these patterns

    [profiles.work]      # a named profile: overrides [api], [ui] and [keys]
    api_url = "https://api.crownest.dev"
    api_key_env = "WORK_CROWNEST_KEY"     # or api_key_file = "~/.config/crownest-tui/work.key"
    project = "prj_…"
    status = "active"
    metadata = { team = "infra" }
    theme = "crownest-light"

    [profiles.work.keys]
    "runs.cancel" = "C"

The credential itself is never read from this file: a profile names the
environment variable or the owner-only file that holds it (see ``profiles``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .api.credentials import ConfigError
from .api.ids import check_id
from .core.error_lines import PatternError, check_patterns
from .core.filters import check_status
from .core.parse import parse_duration
from .core.paths import config_dir
from .core.quiet import DEFAULT_QUIET_AFTER

ENV_CONFIG = "CROWNEST_TUI_CONFIG"
#: Keys that would hold the credential itself: refused with a pointer to the safe ways.
SECRET_KEYS = frozenset({"api_key", "key", "token", "bearer_token", "credential", "apiKey"})
SECRET_HINT = (
    "the credential is never read from config.toml; in a profile, set "
    'api_key_env = "VAR" (an environment variable holding it) or '
    'api_key_file = "PATH" (a file only you can read, chmod 600)'
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")


class _Section(BaseModel):
    """Base of the settings models: unknown keys refused; validators built when a file
    is first read (not at every start-up: with no file, the defaults are taken
    as they are, see :func:`default_settings`)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ApiSettings(_Section):
    """``[api]``: where the API is (below the flag and the environment)."""

    url: str | None = None


class UiSettings(_Section):
    """``[ui]``: how the dashboard behaves."""

    refresh: float = Field(default=5.0, ge=0, le=3600)
    read_only: bool = False
    theme: str = "crownest"
    page_size: int = Field(default=100, ge=1, le=500)
    bell: bool = False
    concurrency: int | None = Field(default=None, ge=1, le=100_000)
    """Sandboxes the plan runs at once (the plan limits are 2, 25, 100 and 250):
    Insights shows the runs holding one against it."""
    save_dir: Path | None = None
    """Where saved logs and downloaded artifacts go; default: the downloads folder.
    Never used while it is inside a folder being launched."""
    quiet_after: float = Field(default=DEFAULT_QUIET_AFTER, ge=0)
    """Seconds (or a duration, ``"5m"``) a running run may print nothing before it is
    shown as quiet (and a watched one is announced); 0 turns it off."""

    @field_validator("quiet_after", mode="before")
    @classmethod
    def _quiet_after(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower()
            return 0.0 if text in ("0", "off", "never") else parse_duration(text)
        return value

    @field_validator("save_dir")
    @classmethod
    def _save_dir(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        folder = value.expanduser()
        if not folder.is_absolute():
            raise ValueError("must be an absolute folder (or start with ~/)")
        return folder


class ErrorSettings(_Section):
    """``[errors]``: which log lines are error lines (marked, reached with ``e``/``E``)."""

    patterns: list[str] = Field(default_factory=list)
    """Regular expressions (one line at a time; ``^``/``$`` at its ends) added to the
    built-in table of core.error_lines. Patterns starting with plain text are fastest."""
    builtin: bool = True
    """Use the built-in table too."""

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        try:
            return check_patterns(value)
        except PatternError as error:
            raise ValueError(str(error)) from None


class ProfileSettings(_Section):
    """``[profiles.NAME]``: one API and how to look at it; unset keys fall back to
    ``[api]``/``[ui]``/``[keys]``."""

    api_url: str | None = None
    api_key_env: str | None = None
    """The name of the environment variable holding the credential."""
    api_key_file: str | None = None
    """A file holding only the credential; it must not be readable by group or others."""
    project: str | None = None
    status: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    refresh: float | None = Field(default=None, ge=0, le=3600)
    read_only: bool | None = None
    theme: str | None = None
    page_size: int | None = Field(default=None, ge=1, le=500)
    bell: bool | None = None
    concurrency: int | None = Field(default=None, ge=1, le=100_000)
    keys: dict[str, str] = Field(default_factory=dict)

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be the name of an environment variable, e.g. WORK_CROWNEST_KEY")
        return value

    @field_validator("project")
    @classmethod
    def _project(cls, value: str | None) -> str | None:
        return None if value is None else check_id(value, "prj")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return None if value is None else check_status(value)


class Settings(_Section):
    """Everything configurable, with documented sections (see the module docstring)."""

    default_profile: str | None = None
    api: ApiSettings = Field(default_factory=ApiSettings.model_construct)
    ui: UiSettings = Field(default_factory=UiSettings.model_construct)
    keys: dict[str, str] = Field(default_factory=dict)
    """``[keys]``: binding id -> key(s), e.g. ``"runs.refresh" = "f5,r"``."""
    errors: ErrorSettings = Field(default_factory=ErrorSettings.model_construct)
    profiles: dict[str, ProfileSettings] = Field(default_factory=dict)


def default_settings() -> Settings:
    """The settings without a file: every default, taken as it is (each is valid, as a
    test checks), so a start-up without a config file builds no validator."""
    return Settings.model_construct()


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$CROWNEST_TUI_CONFIG``, else the platform's user config dir."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    return config_dir() / "config.toml"


def known_profiles(settings: Settings) -> str:
    """``"home, work"`` or a phrase saying there are none (for error messages)."""
    names = sorted(settings.profiles)
    return ", ".join(names) if names else "none are defined"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (a missing file means defaults); raises ConfigError."""
    path = path or config_path(environ)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return default_settings()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {path} is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    return parse_settings(data, str(path))


def parse_settings(data: dict[str, Any], where: str) -> Settings:
    """Validate the parsed TOML; every problem is one line naming the key."""
    _refuse_secrets(data, where)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(str(p) for p in first["loc"])
        raise ConfigError(f"config {where}: {'.'.join(loc)}: {_explain(first, loc)}") from None
    for name, profile in settings.profiles.items():
        if not _PROFILE_NAME.match(name):
            raise ConfigError(
                f"config {where}: profiles.{name!r}: a profile name is up to 40 letters, "
                "digits, '.', '_' or '-'"
            )
        if profile.api_key_env and profile.api_key_file:
            raise ConfigError(
                f"config {where}: profiles.{name}: set api_key_env or api_key_file, not both"
            )
    default = settings.default_profile
    if default is not None and default not in settings.profiles:
        raise ConfigError(
            f"config {where}: default_profile {default!r} is not a profile "
            f"(known: {known_profiles(settings)})"
        )
    return settings


def _refuse_secrets(data: dict[str, Any], where: str) -> None:
    """An ``api_key`` (or the like) anywhere we look: refuse, and say what to do."""
    tables: list[tuple[str, Any]] = [("", data), ("api.", data.get("api")), ("ui.", data.get("ui"))]
    profiles = data.get("profiles")
    if isinstance(profiles, dict):
        tables += [(f"profiles.{name}.", table) for name, table in profiles.items()]
    for prefix, table in tables:
        if isinstance(table, dict):
            for key in table:
                if key in SECRET_KEYS:
                    raise ConfigError(f"config {where}: {prefix}{key}: {SECRET_HINT}")


def _explain(error: Any, loc: tuple[str, ...]) -> str:
    """Pydantic's message, made friendlier for unknown keys and value errors."""
    if error["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        return f"unknown setting (known: {', '.join(known)})" if known else "unknown setting"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _known_keys(loc: tuple[str, ...]) -> list[str]:
    """The keys the table at ``loc`` accepts (``profiles.NAME`` skips the name)."""
    model: type[BaseModel] = Settings
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if model is Settings and part == "profiles":
            if not parts:
                return []
            parts.pop(0)
            model = ProfileSettings
            continue
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)
