"""One settings model, from our own TOML file, overridden by flags.

The file lives at ``<platformdirs user_config_dir>/crownest-tui/config.toml``;
``CROWNEST_TUI_CONFIG`` names another file. Every key is optional::

    [api]
    url = "https://api.crownest.dev"   # below --api-url and CROWNEST_API_URL

    [ui]
    refresh = 5          # seconds between auto-refreshes, 0 = manual
    read_only = false    # hide every cancel action
    theme = "textual-dark"
    page_size = 100      # runs per API page
    bell = false         # ring the terminal bell when a followed run ends

    [keys]               # remap any binding by its id (see `?` in the app)
    "runs.refresh" = "f5"
    "runs.cancel" = "C"

The credential is deliberately not read from this file (profiles come later); it
comes from the environment or the official CLI's login (see ``api.credentials``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .api.credentials import ConfigError

ENV_CONFIG = "CROWNEST_TUI_CONFIG"


class ApiSettings(BaseModel):
    """``[api]``: where the API is (below the flag and the environment)."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = None


class UiSettings(BaseModel):
    """``[ui]``: how the dashboard behaves."""

    model_config = ConfigDict(extra="forbid")
    refresh: float = Field(default=5.0, ge=0, le=3600)
    read_only: bool = False
    theme: str = "textual-dark"
    page_size: int = Field(default=100, ge=1, le=500)
    bell: bool = False


class Settings(BaseModel):
    """Everything configurable, with documented sections (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    api: ApiSettings = Field(default_factory=ApiSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    keys: dict[str, str] = Field(default_factory=dict)
    """``[keys]``: binding id -> key(s), e.g. ``"runs.refresh" = "f5,r"``."""


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$CROWNEST_TUI_CONFIG``, else the platform's user config dir."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    return Path(platformdirs.user_config_dir("crownest-tui")) / "config.toml"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (a missing file means defaults); raises ConfigError."""
    path = path or config_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"config {path}: {where}: {first['msg']}") from None
