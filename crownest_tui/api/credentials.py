"""Where the API URL and the credential come from, and how the credential is kept.

Precedence (the contract's "our choice"): flag > environment > our own config or
profile > the official CrowNest CLI's ``config.json`` > default. The credential is
held in a :class:`Secret` whose ``repr``/``str`` never show it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.crownest.dev"
ENV_API_URL = "CROWNEST_API_URL"
ENV_BEARER_TOKEN = "CROWNEST_BEARER_TOKEN"
ENV_API_KEY = "CROWNEST_API_KEY"
ENV_CLI_CONFIG = "CROWNEST_CONFIG_PATH"


class Secret:
    """A credential that cannot leak through ``repr``, ``str``, f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value: call only where it is sent to the API origin."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


class ConfigError(ValueError):
    """A configuration value or file that cannot be used (one clear line)."""


@dataclass(frozen=True)
class Connection:
    """The resolved API origin and credential, with where each came from."""

    base_url: str
    credential: Secret | None
    credential_source: str | None = None
    base_url_source: str = "default"
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def origin(self) -> tuple[str, str, int]:
        return url_origin(self.base_url)


def url_origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def normalise_base_url(url: str) -> str:
    """Check that ``url`` is an http(s) origin (with an optional path); strip the slash."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"API URL must start with http:// or https:// and name a host: {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("API URL must not carry a query, a fragment or user info")
    return url.rstrip("/")


def official_cli_config_path(environ: Mapping[str, str]) -> Path:
    """Where the official CLI keeps its login (``$CROWNEST_CONFIG_PATH`` first)."""
    if environ.get(ENV_CLI_CONFIG):
        return Path(environ[ENV_CLI_CONFIG]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(base).expanduser() / "crownest" / "config.json"


def read_official_cli_config(path: Path) -> dict[str, str]:
    """The string fields of the official CLI's config; raises ConfigError if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the CrowNest CLI config {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(f"the CrowNest CLI config {path} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the CrowNest CLI config {path} is not a JSON object")
    return {k: v for k, v in data.items() if isinstance(v, str) and v.strip()}


def resolve_connection(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    profile_key: str | None = None,
    profile_url: str | None = None,
    profile_key_source: str = "profile",
    use_cli_config: bool = True,
) -> Connection:
    """Resolve URL and credential field by field, in the documented precedence
    (``profile_key_source`` says where a profile's key came from, for messages)."""
    env = os.environ if environ is None else environ
    warnings: list[str] = []
    cli: dict[str, str] = {}
    cli_path = official_cli_config_path(env)
    if use_cli_config:
        try:
            cli = read_official_cli_config(cli_path)
        except ConfigError as exc:
            warnings.append(f"{exc} (ignored)")

    key_candidates: list[tuple[str | None, str]] = [
        (api_key, "--api-key"),
        (env.get(ENV_BEARER_TOKEN), ENV_BEARER_TOKEN),
        (env.get(ENV_API_KEY), ENV_API_KEY),
        (profile_key, profile_key_source),
        (cli.get("credential"), f"CrowNest CLI login ({cli_path})"),
        (cli.get("apiKey"), f"CrowNest CLI login ({cli_path})"),
    ]
    credential, credential_source = None, None
    for value, source in key_candidates:
        if value and value.strip():
            credential, credential_source = Secret(value.strip()), source
            break

    url_candidates: list[tuple[str | None, str]] = [
        (base_url, "--api-url"),
        (env.get(ENV_API_URL), ENV_API_URL),
        (profile_url, "profile"),
        (cli.get("apiUrl"), f"CrowNest CLI config ({cli_path})"),
        (DEFAULT_BASE_URL, "default"),
    ]
    for value, source in url_candidates:
        if value and value.strip():
            return Connection(
                base_url=normalise_base_url(value),
                credential=credential,
                credential_source=credential_source,
                base_url_source=source,
                warnings=tuple(warnings),
            )
    raise AssertionError("unreachable: the default URL is always set")
