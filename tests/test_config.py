"""The settings file and its profiles: good, partial and broken files, through the
real command line (one line on stderr, exit 2) and against the real local backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crownest_tui.api.credentials import ConfigError
from crownest_tui.cli import run
from crownest_tui.config import ProfileSettings, Settings, load_settings
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.profiles import profile_connection, profile_view, select_profile

from .ui.conftest import suite_runs

FULL = """\
# my CrowNest settings
default_profile = "work"

[api]
url = "https://api.example.test"

[ui]
refresh = 7
read_only = true
theme = "crownest-light"
page_size = 42
bell = true
save_dir = "~/crownest-saves"

[keys]
"runs.refresh" = "f5"
"runs.cancel" = "C"

[profiles.work]
api_url = "{url}"
api_key_env = "WORK_CROWNEST_KEY"
project = "prj_work"
status = "active"
metadata = {{ team = "infra", ci = "yes" }}
refresh = 0
read_only = false
theme = "crownest"
page_size = 10
bell = false

[profiles.work.keys]
"runs.cancel" = "K"

[profiles.home]
api_key_file = "{key_file}"
"""


def _write(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(path))
    return path


def _key_file(tmp_path: Path, secret: str, mode: int = 0o600) -> Path:
    path = tmp_path / "home.key"
    path.write_text(secret + "\n")
    path.chmod(mode)
    return path


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("crownest-tui: error: "), err
    assert err.count("\n") == 1, err
    return err


# -- good files ----------------------------------------------------------------------


def test_full_file_with_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = _key_file(tmp_path, "cn_test_home")
    url = "http://127.0.0.1:9"
    _write(tmp_path, FULL.format(url=url, key_file=key_file), monkeypatch)
    settings = load_settings()
    assert select_profile(settings, None) == "work"
    assert select_profile(settings, "home") == "home"

    work = profile_view(settings, "work")
    assert work.filters == RunFilters.build("prj_work", "active", {"team": "infra", "ci": "yes"})
    assert (work.refresh_interval, work.read_only, work.page_size) == (0, False, 10)
    assert (work.theme, work.bell) == ("crownest", False)
    assert work.keymap == {"runs.refresh": "f5", "runs.cancel": "K"}  # profile over [keys]

    home = profile_view(settings, "home")  # nothing of its own: [ui] and [keys] fill in
    assert home.filters == RunFilters()
    assert (home.refresh_interval, home.read_only, home.page_size) == (7, True, 42)
    assert (home.theme, home.bell) == ("crownest-light", True)
    assert home.keymap == {"runs.refresh": "f5", "runs.cancel": "C"}
    assert settings.ui.save_dir == Path.home() / "crownest-saves"  # ~ expanded

    monkeypatch.setenv("WORK_CROWNEST_KEY", "cn_test_work")
    connection = profile_connection(settings, "work")
    assert connection.base_url == url and connection.credential is not None
    assert connection.credential.reveal() == "cn_test_work"
    assert connection.credential_source == "profile work (api_key_env)"
    home_connection = profile_connection(settings, "home")
    assert home_connection.base_url == "https://api.example.test"  # [api] fills in
    assert home_connection.credential is not None
    assert home_connection.credential.reveal() == "cn_test_home"
    assert "cn_test" not in repr(home_connection)


def test_partial_file_gets_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "[ui]\nbell = true\n[profiles.ci]\nrefresh = 30\n", monkeypatch)
    settings = load_settings()
    assert settings.default_profile is None and select_profile(settings, None) is None
    view = profile_view(settings, "ci")
    assert (view.refresh_interval, view.bell, view.page_size, view.theme) == (
        30,
        True,
        Settings().ui.page_size,
        "crownest",
    )
    assert profile_connection(settings, "ci").base_url == "https://api.crownest.dev"
    assert settings.ui.save_dir is None  # the downloads folder


def test_profile_from_the_cli_reaches_the_backend(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: LocalBackendProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``runs --profile`` takes the profile's URL and its key file's credential."""
    filters = suite_runs(backend, 3)
    suite = dict(filters.metadata)["suite"]
    key_file = _key_file(tmp_path, backend.token)
    _write(
        tmp_path,
        f'[profiles.local]\napi_url = "{backend.url}"\napi_key_file = "{key_file}"\n',
        monkeypatch,
    )
    assert run(["runs", "--profile", "local", "--metadata", f"suite={suite}", "--json"]) == 0
    out, err = capsys.readouterr()
    runs = [json.loads(line) for line in out.splitlines()]
    assert len(runs) == 3 and {r["metadata"]["suite"] for r in runs} == {suite}
    assert backend.token not in out + err

    # Flags and the environment still win: a wrong key in the environment is used.
    monkeypatch.setenv("CROWNEST_API_KEY", "cn_test_wrong")
    assert run(["runs", "--profile", "local", "--json"]) == 77  # 401: not allowed
    monkeypatch.delenv("CROWNEST_API_KEY")
    assert run(["runs", "--profile", "local", "--api-url", "http://127.0.0.1:9"]) == 69


def test_env_credential_wins_so_an_unset_profile_variable_is_not_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, '[profiles.w]\napi_key_env = "UNSET_KEY"\n', monkeypatch)
    monkeypatch.setenv("CROWNEST_BEARER_TOKEN", "cn_test_env")
    connection = profile_connection(load_settings(), "w")
    assert connection.credential_source == "CROWNEST_BEARER_TOKEN"


# -- broken files: one clear line, exit 2 ----------------------------------------------

BROKEN: list[tuple[str, str, str]] = [
    ("not-toml", "[ui\nrefresh = 5\n", "is not valid TOML"),
    ("wrong-type", "[ui]\nrefresh = 'often'\n", "ui.refresh: input should be a valid number"),
    ("wrong-type-profile", "[profiles.w]\nbell = 'loud'\n", "profiles.w.bell:"),
    ("unknown-key", "[ui]\ncolour = 'red'\n", "ui.colour: unknown setting (known: refresh"),
    ("unknown-profile-key", "[profiles.w]\nurl = 'x'\n", "profiles.w.url: unknown setting"),
    ("unknown-section", "[colours]\nred = 1\n", "colours: unknown setting"),
    ("bad-status", "[profiles.w]\nstatus = 'sleepy'\n", "profiles.w.status: unknown status"),
    ("bad-project", "[profiles.w]\nproject = 'web'\n", "profiles.w.project: 'web' is not"),
    ("bad-env-name", "[profiles.w]\napi_key_env = 'my key'\n", "must be the name of an env"),
    (
        "default-missing",
        'default_profile = "work"\n[profiles.home]\n',
        "default_profile 'work' is not a profile (known: home)",
    ),
    (
        "api-key-in-profile",
        '[profiles.w]\napi_key = "cn_live_secret"\n',
        "profiles.w.api_key: the credential is never read from config.toml",
    ),
    ("api-key-in-api", '[api]\nkey = "cn_live_secret"\n', "api.key: the credential is never"),
    (
        "both-key-sources",
        '[profiles.w]\napi_key_env = "K"\napi_key_file = "/k"\n',
        "set api_key_env or api_key_file, not both",
    ),
    ("bad-name", '[profiles."a b"]\n', "a profile name is up to 40"),
    ("relative-save-dir", "[ui]\nsave_dir = 'logs'\n", "ui.save_dir: must be an absolute"),
    ("bad-error-pattern", "[errors]\npatterns = ['(oops']\n", "errors.patterns: '(oops' is not a"),
    ("empty-error-pattern", "[errors]\npatterns = ['.*']\n", "every line would match"),
    ("unknown-errors-key", "[errors]\npattern = ['x']\n", "known: patterns, builtin"),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_file_is_one_line(
    text: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _write(tmp_path, text, monkeypatch)
    for argv in ([], ["runs"]):
        assert run(argv) == 2
        err = _one_error_line(capsys)
        assert expected in err and str(path) in err
        assert "cn_live_secret" not in err


def test_unreadable_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests run as root, for whom chmod 000 changes nothing: a directory and a
    # non-UTF-8 file are unreadable as a config for anyone.
    folder = tmp_path / "config.toml"
    folder.mkdir()
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(folder))
    assert run(["runs"]) == 2
    assert "cannot read config" in _one_error_line(capsys)

    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[ui]\ntheme = '\xe9t\xe9'\n")
    monkeypatch.setenv("CROWNEST_TUI_CONFIG", str(latin))
    assert run(["runs"]) == 2
    assert "is not UTF-8 text" in _one_error_line(capsys)


def test_unknown_profile_lists_the_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "[profiles.work]\n[profiles.home]\n", monkeypatch)
    for argv in (["--profile", "play"], ["runs", "--profile", "play"]):
        assert run(argv) == 2
        err = _one_error_line(capsys)
        assert "unknown profile 'play' (known: home, work)" in err
    _write(tmp_path, "", monkeypatch)
    assert run(["open", "wsr_1", "--profile", "play"]) == 2
    assert "(known: none are defined)" in _one_error_line(capsys)


def test_key_file_too_open_is_refused_like_ssh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = _key_file(tmp_path, "cn_test_open", mode=0o644)
    _write(tmp_path, f'[profiles.home]\napi_key_file = "{key_file}"\n', monkeypatch)
    assert run(["runs", "--profile", "home"]) == 2
    err = _one_error_line(capsys)
    assert "permissions 0644" in err and f"chmod 600 {key_file}" in err
    assert "cn_test_open" not in err
    key_file.chmod(0o640)
    assert run(["--profile", "home"]) == 2
    assert "permissions 0640" in _one_error_line(capsys)


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "No such file"), (b"", "on one line"), (b"a\nb\n", "on one line"), (b"\xff", "UTF-8")],
)
def test_unusable_key_file_is_one_line(
    content: bytes | None,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = tmp_path / "k.key"
    if content is not None:
        key_file.write_bytes(content)
        key_file.chmod(0o600)
    _write(
        tmp_path, f'default_profile = "k"\n[profiles.k]\napi_key_file = "{key_file}"\n', monkeypatch
    )
    assert run(["runs"]) == 2
    assert expected in _one_error_line(capsys)


def test_key_env_named_but_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WORK_KEY", raising=False)
    _write(tmp_path, 'default_profile = "w"\n[profiles.w]\napi_key_env = "WORK_KEY"\n', monkeypatch)
    assert run(["runs"]) == 2
    assert "profile 'w': api_key_env: WORK_KEY is not set" in _one_error_line(capsys)
    # A credential pasted in by mistake is not echoed back.
    _write(tmp_path, '[profiles.w]\napi_key_env = "cn_live_abc123"\n', monkeypatch)
    assert run(["runs", "--profile", "w"]) == 2
    err = _one_error_line(capsys)
    assert "the variable named by api_key_env is not set" in err
    assert "cn_live_abc123" not in err


def test_error_patterns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[errors]\npatterns = [\"^BUILD FAILED\", '\\bOOPS\\b']\nbuiltin = false\n")
    errors = load_settings(path).errors
    assert errors.patterns == ["^BUILD FAILED", r"\bOOPS\b"] and not errors.builtin
    assert load_settings(tmp_path / "missing.toml").errors.builtin


def test_load_settings_raises_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("default_profile = 3\n")
    with pytest.raises(ConfigError, match="default_profile"):
        load_settings(path)
    assert load_settings(tmp_path / "missing.toml") == Settings()


def test_the_defaults_without_a_file_are_the_validated_defaults(tmp_path: Path) -> None:
    """A start-up without a config file takes the defaults as they are (no validator is
    built): they must be exactly what validating an empty file gives, section by
    section, and a profile's too."""
    unvalidated = load_settings(tmp_path / "missing.toml")
    validated = Settings.model_validate({})
    assert unvalidated == validated
    for section in ("api", "ui", "errors", "keys", "profiles", "default_profile"):
        assert getattr(unvalidated, section) == getattr(validated, section)
    assert ProfileSettings.model_construct() == ProfileSettings.model_validate({})
    assert profile_view(unvalidated, None) == profile_view(validated, None)
