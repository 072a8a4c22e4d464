"""Where the URL and credential come from, and that the credential never shows."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from crownest_tui.api import ConfigError, CrowNestClient, Secret, resolve_connection
from crownest_tui.api.credentials import DEFAULT_BASE_URL, official_cli_config_path

KEY = "cn_live_s3cr3t-value"


def write_cli_config(path: Path, **values: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    return path


def test_defaults_without_anything() -> None:
    conn = resolve_connection(environ={"HOME": "/nonexistent"})
    assert conn.base_url == DEFAULT_BASE_URL and conn.credential is None


def test_bearer_token_beats_api_key_and_flag_beats_both() -> None:
    env = {"CROWNEST_BEARER_TOKEN": "bearer", "CROWNEST_API_KEY": "key", "HOME": "/x"}
    assert resolve_connection(environ=env).credential == Secret("bearer")
    assert resolve_connection(environ={"CROWNEST_API_KEY": "key", "HOME": "/x"}).credential == (
        Secret("key")
    )
    flagged = resolve_connection("flag", environ=env)
    assert flagged.credential == Secret("flag") and flagged.credential_source == "--api-key"


def test_precedence_flag_env_profile_cli_default(tmp_path: Path) -> None:
    cli = write_cli_config(tmp_path / "cli.json", apiUrl="https://cli.example", apiKey="cli-key")
    env = {"CROWNEST_CONFIG_PATH": str(cli)}
    assert resolve_connection(environ=env).base_url == "https://cli.example"
    assert resolve_connection(environ=env).credential == Secret("cli-key")
    with_profile = resolve_connection(
        environ=env, profile_key="profile-key", profile_url="https://profile.example/"
    )
    assert with_profile.base_url == "https://profile.example"
    assert with_profile.credential == Secret("profile-key")
    env["CROWNEST_API_URL"] = "http://127.0.0.1:9"
    assert resolve_connection(environ=env, profile_url="https://p").base_url == (
        "http://127.0.0.1:9"
    )
    assert (
        resolve_connection(base_url="https://flag.example", environ=env).base_url
        == "https://flag.example"
    )


def test_official_cli_config_location(tmp_path: Path) -> None:
    assert official_cli_config_path({"CROWNEST_CONFIG_PATH": "/a/b.json"}) == Path("/a/b.json")
    assert official_cli_config_path({"XDG_CONFIG_HOME": "/xdg"}) == Path(
        "/xdg/crownest/config.json"
    )
    assert official_cli_config_path({"HOME": "/home/u"}) == Path(
        "/home/u/.config/crownest/config.json"
    )
    write_cli_config(tmp_path / "crownest" / "config.json", credential="cred", apiKey="key")
    conn = resolve_connection(environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert conn.credential == Secret("cred")
    assert "CrowNest CLI login" in (conn.credential_source or "")


@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_a_broken_cli_config_is_a_warning_not_a_crash(tmp_path: Path, content: str) -> None:
    path = tmp_path / "cli.json"
    path.write_text(content)
    conn = resolve_connection(environ={"CROWNEST_CONFIG_PATH": str(path), "CROWNEST_API_KEY": "k"})
    assert conn.credential == Secret("k")
    assert len(conn.warnings) == 1 and str(path) in conn.warnings[0]


def test_an_unreadable_cli_config_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "dir-not-file.json"
    path.mkdir()
    conn = resolve_connection(environ={"CROWNEST_CONFIG_PATH": str(path)})
    assert conn.credential is None and "cannot read" in conn.warnings[0]


@pytest.mark.parametrize(
    "url", ["ftp://x", "not a url", "https://", "https://user:pw@host", "https://h/?q=1"]
)
def test_bad_api_urls_are_one_clear_error(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_connection(base_url=url, environ={})
    assert "\n" not in str(info.value)


def test_the_secret_never_shows() -> None:
    secret = Secret(KEY)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}"):
        assert KEY not in text
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    conn = resolve_connection(KEY, environ={})
    assert KEY not in repr(conn) and KEY not in str(conn)
    client = CrowNestClient(KEY, "http://127.0.0.1:9")
    assert KEY not in repr(client) and KEY not in repr(client.http.auth)
