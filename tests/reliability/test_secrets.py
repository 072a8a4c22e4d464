"""The credential never shows (issue 6, "Secrets").

Not on screen, in screenshots, in saved transcripts, in notifications, in the repr or
str of the client, its connection or its errors; not in the local backend's log; not on
the CLI's stdout or stderr, with the right key or a wrong one.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import httpx
import pytest
from textual import work
from textual.app import App
from textual.pilot import Pilot

from crownest_tui import __version__, cli, debuglog
from crownest_tui.api import CrowNestClient, CrowNestError
from crownest_tui.api.retry import Backoff
from crownest_tui.core.filters import RunFilters
from crownest_tui.core.paths import downloads_dir
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.evidence_view import EvidenceView
from crownest_tui.ui.widgets.log_view import LogView
from tests.api.test_unary_stall import ScriptedFaults
from tests.conftest import BackendFactory
from tests.faultproxy import FaultProxy
from tests.local.support import client_for, run_to_end

WRONG = "cn_wrong_" + "z" * 24


async def wait_until(pilot: Pilot[None], check: Any, within: float = 20) -> None:
    for _ in range(int(within / 0.02)):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def notifications(app: CrowNestApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


def saved_logs(directory: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in directory.glob("*.log")]


def assert_hidden(token: str, *texts: str) -> None:
    for text in texts:
        assert token not in text
        assert token[-12:] not in text, "not even a tail of the credential"


async def real_run(backend: LocalBackendProcess, suite: str) -> str:
    async with client_for(backend) as http:
        run = await run_to_end(http, "echo hello; env; echo done >&2", metadata={"suite": suite})
    return str(run["id"])


async def test_dashboard_never_shows_the_credential(
    backend: LocalBackendProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = backend.token
    suite = uuid.uuid4().hex[:12]
    run_id = await real_run(backend, suite)
    monkeypatch.chdir(tmp_path)
    downloads = downloads_dir()  # ctrl+s saves the transcript there (an isolated home)
    shots: list[str] = []
    client = CrowNestClient(api_key=token, base_url=backend.url)
    async with client:
        app = CrowNestApp(
            client, refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
        )
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(pilot, lambda: run_id in app.export_screenshot())
            shots.append(app.export_screenshot())
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
            screen = app.screen
            assert isinstance(screen, RunDetailScreen)
            log = screen.query_one("#log-view", LogView)
            await wait_until(pilot, lambda: "done" in app.export_screenshot())
            shots.append(app.export_screenshot())
            await pilot.press("question_mark")
            await pilot.pause()
            shots.append(app.export_screenshot())
            await pilot.press("escape")
            await pilot.press("3")
            await wait_until(pilot, lambda: screen.query_one(EvidenceView).evidence is not None)
            shots.append(app.export_screenshot())
            await pilot.press("j")
            shots.append(app.export_screenshot())
            await pilot.press("4")
            shots.append(app.export_screenshot())
            await pilot.press("1")
            log.focus()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: bool(saved_logs(downloads)))
            shots.append(app.export_screenshot())
            said = notifications(app)
        saved = saved_logs(downloads)
        assert saved and "hello" in saved[0]
        assert any("saved" in text for text in said)
        assert_hidden(token, *shots, *saved, *said)
        assert_hidden(token, repr(client), str(client), repr(client.connection))
        secret = client.credential
        assert_hidden(token, str(client.connection), repr(secret), str(secret), f"{secret}")


async def test_a_wrong_key_is_not_shown_either(backend: LocalBackendProcess) -> None:
    client = CrowNestClient(api_key=WRONG, base_url=backend.url)
    async with client:
        with pytest.raises(CrowNestError) as info:
            await client.list_runs()
        assert info.value.is_auth_error
        app = CrowNestApp(client, refresh_interval=0)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: bool(notifications(app)) or "401" in screenshot(app))
            await pilot.pause(0.2)
            shot = app.export_screenshot()
            said = notifications(app)
    assert_hidden(WRONG, shot, *said, str(info.value), repr(info.value), repr(client))
    assert_hidden(backend.token, shot, *said, str(info.value))


def screenshot(app: CrowNestApp) -> str:
    return app.export_screenshot()


async def test_the_backend_log_never_holds_a_credential(make_backend: BackendFactory) -> None:
    server = make_backend()
    token = server.token
    async with client_for(server) as http:
        await run_to_end(http, "echo fine")
        await run_to_end(http, "exit 3")
        assert (await http.get("/v1/workspace-runs/wsr_nope")).status_code == 404
    headers = [
        {"Authorization": f"Bearer {WRONG}"},
        {"Authorization": f"Basic {WRONG}"},
        {"Authorization": WRONG},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"X-Api-Key": token},
    ]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as raw:
        for header in headers:
            answer = await raw.get("/v1/workspace-runs", headers=header)
            assert answer.status_code == 401
            assert_hidden(token, answer.text)
            assert WRONG not in answer.text
        answer = await raw.post(
            "/v1/workspace-runs",
            content=b"{not json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code in (400, 422)
    server.stop()
    log = (server.state_dir / "server.log").read_text(errors="replace")
    assert log.strip(), "the backend logged something"
    assert_hidden(token, log)
    assert WRONG not in log


async def test_a_run_does_not_inherit_the_backend_credential(
    backend: LocalBackendProcess,
) -> None:
    async with client_for(backend) as http:
        run = await run_to_end(http, "env; cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n'")
        events = (await http.get(f"/v1/workspace-runs/{run['id']}/events")).json()["data"]
    output = "".join(e.get("data", "") for e in events)
    assert "PATH=" in output
    assert_hidden(backend.token, output)


# -- the CLI (sync: cli.run starts its own event loop) ----------------------------------


@pytest.fixture(scope="module")
def finished_run(backend: LocalBackendProcess) -> str:
    async def make() -> str:
        async with client_for(backend) as http:
            run = await run_to_end(http, "echo cli-output; exit 2")
        return str(run["id"])

    return asyncio.run(make())


@pytest.mark.parametrize("key_kind", ["right", "wrong"])
@pytest.mark.parametrize("command", ["runs", "logs", "evidence", "runs-json"])
def test_the_cli_never_prints_the_key(
    backend: LocalBackendProcess,
    finished_run: str,
    command: str,
    key_kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    key = backend.token if key_kind == "right" else WRONG
    monkeypatch.setenv("CROWNEST_API_KEY", key)
    argv = {
        "runs": ["runs", "--limit", "5"],
        "runs-json": ["runs", "--json", "--limit", "5"],
        "logs": ["logs", finished_run, "--json"],
        "evidence": ["evidence", finished_run, "--json"],
    }[command]
    code = cli.run([*argv, "--api-url", backend.url])
    out, err = capfd.readouterr()
    if key_kind == "right":
        assert code == 0, err
        assert out.strip()
    else:
        assert code != 0
        assert err.strip(), "a wrong key is explained"
    assert_hidden(key, out, err)
    assert_hidden(backend.token, out, err)


# -- the --debug log (issue 6, "debug log") ------------------------------------------

LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR)\s+crownest_tui[\w.]*: "
)


def secret_forms(token: str) -> list[str]:
    """The token as it might slip into text: raw, a tail, URL-encoded, base64."""
    raw = token.encode()
    forms = [token, token[-12:], quote(token, safe=""), quote_plus(token)]
    for prefix in (b"", b":", b"Bearer "):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(prefix + raw).decode().rstrip("="))
    return forms


def read_debug_log(path: Path, *tokens: str, headers_named: bool = False) -> str:
    """The log's text, after checking it is private and holds no credential at all
    (nor, unless a test logs them on purpose, the words of an auth header)."""
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    for token in tokens:
        for form in secret_forms(token):
            assert form not in text, "the credential leaked into the debug log"
    if not headers_named:
        assert "Bearer " not in text and "Authorization" not in text
    return text


def assert_timestamped(text: str) -> None:
    """Every record starts with an ISO timestamp (UTC, ms), its level and logger."""
    records = [line for line in text.splitlines() if line[:4].isdigit()]
    assert len(records) >= 3
    for line in records:
        assert LOG_LINE.match(line), line


@pytest.mark.parametrize("command", ["runs", "logs", "logs-follow", "wrong-key"])
def test_cli_debug_log_records_requests_and_never_the_key(
    backend: LocalBackendProcess,
    finished_run: str,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    key = WRONG if command == "wrong-key" else backend.token
    monkeypatch.setenv("CROWNEST_API_KEY", key)
    log_path = tmp_path / "logs" / "debug.log"
    argv = {
        "runs": ["runs", "--limit", "3"],
        "wrong-key": ["runs", "--limit", "3"],
        "logs": ["logs", finished_run],
        "logs-follow": ["logs", finished_run, "--follow"],
    }[command]
    code = cli.run([*argv, "--api-url", backend.url, "--debug-file", str(log_path)])
    out, err = capfd.readouterr()
    assert_hidden(key, out, err)
    if command.startswith("logs"):
        assert "cli-output" in out
    text = read_debug_log(log_path, key, backend.token)
    assert_timestamped(text)
    assert f"crownest_tui.cli: crownest-tui {__version__} {argv[0]}" in text
    assert f"API http://127.0.0.1:{urlsplit(backend.url).port} (from --api-url)" in text
    assert "credential from CROWNEST_API_KEY" in text
    assert text.rstrip().endswith(f"{argv[0]}: debug log closed")
    if command == "runs":
        assert code == 0
        assert re.search(r"DEBUG .*: GET /v1/workspace-runs\?limit=3 -> 200 in \d+ ms", text)
    elif command == "wrong-key":
        assert code == 77
        assert re.search(r"GET /v1/workspace-runs\?limit=3 -> 401 \w+ after \d+ ms", text)
        assert "giving up" in text
    elif command == "logs":
        assert code == 0
        assert f"GET /v1/workspace-runs/{finished_run}/events?limit=500 -> 200" in text
    else:
        assert code == 2, "the run's own exit status"
        assert f"{finished_run}: connecting (stream=true)" in text
        assert f"{finished_run}: live (HTTP 200)" in text
        assert re.search(rf"{finished_run}: ended at seq \d+ \(terminal event\)", text)


def test_plain_debug_writes_to_the_user_log_dir(
    backend: LocalBackendProcess, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    path = debuglog.default_path()
    assert path.is_relative_to(isolated_environment), "under the (test's) XDG state dir"
    assert not path.exists()
    assert cli.run(["runs", "--limit", "1", "--api-url", backend.url, "--debug"]) == 0
    assert cli.run(["runs", "--limit", "2", "--api-url", backend.url, "--debug"]) == 0
    text = read_debug_log(path, backend.token)
    assert "?limit=1 -> 200" in text and "?limit=2 -> 200" in text, "appended"
    handlers = logging.getLogger("crownest_tui").handlers
    assert not [h for h in handlers if isinstance(h, debuglog.PrivateFileHandler)], "removed"


def test_the_help_says_where_the_debug_log_goes(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["open", "--help"], ["logs", "--help"]):
        with pytest.raises(SystemExit):
            cli.run(argv)
        words = capsys.readouterr().out.split()
        assert "--debug" in words and "--debug-file" in words
        # argparse wraps long words at hyphens: compare without any whitespace
        assert str(debuglog.default_path()) in "".join(words)


async def test_dashboard_debug_log_through_faults_and_a_wrong_key(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    """A Pilot session of the real app through the fault proxy: its first connections
    get a 503 and a 429 (Retry-After: 0), both retried; the detail screen follows a
    run's stream to its end; then a second app with a wrong key gets a 401."""
    token = backend.token
    suite = uuid.uuid4().hex[:12]
    run_id = await real_run(backend, suite)
    log_path = tmp_path / "debug.log"
    plan = ScriptedFaults(script=["http_503", "http_429"])
    port = urlsplit(backend.url).port
    assert port is not None
    quick = Backoff(base=0.01, cap=0.02)
    filters = RunFilters.build(metadata={"suite": suite})
    with debuglog.session(log_path, "pilot"):
        async with FaultProxy(port, plan) as proxy:
            client = CrowNestClient(api_key=token, base_url=proxy.url, backoff=quick)
            async with client:
                app = CrowNestApp(client, refresh_interval=0, filters=filters)
                async with app.run_test(size=(140, 45)) as pilot:
                    await wait_until(pilot, lambda: run_id in app.export_screenshot())
                    await pilot.press("enter")
                    await wait_until(pilot, lambda: "done" in app.export_screenshot())
                    await wait_until(pilot, lambda: "ended" in app.export_screenshot())
            assert proxy.faults["http_503"] == proxy.faults["http_429"] == 1
            wrong = CrowNestClient(api_key=WRONG, base_url=proxy.url, backoff=quick)
            async with wrong:
                app = CrowNestApp(wrong, refresh_interval=0)
                async with app.run_test(size=(120, 40)) as pilot:
                    await wait_until(pilot, lambda: "401" in app.export_screenshot())
    text = read_debug_log(log_path, token, WRONG)
    assert_timestamped(text)
    assert re.search(r"WARNING .*GET /v1/\S+ -> 503 \w+ after \d+ ms \(attempt 1/5\)", text)
    assert re.search(r"-> 429 \w+ after \d+ ms .*retrying in 0\.00 s \(Retry-After 0 s\)", text)
    assert re.search(r"DEBUG .*GET /v1/workspace-runs\?\S*metadata\.suite=" + suite, text)
    assert f"{run_id}: live (HTTP 200)" in text
    assert re.search(rf"{run_id}: ended at seq \d+", text)
    assert re.search(r"GET /v1/workspace-runs\S* -> 401 \w+ after .*giving up", text)
    assert "pilot: debug log closed" in text


def test_the_redaction_filter_masks_what_slips_through(tmp_path: Path) -> None:
    """The second line of defence: a secret in a message, an argument, a header dump,
    a URL or a traceback is masked (the API layer itself never logs one)."""
    token = "cn_live_" + "s3cr3t" * 5
    path = tmp_path / "debug.log"
    logger = logging.getLogger("crownest_tui.test")
    level = logging.getLogger("crownest_tui").level
    with debuglog.session(path, "test"):
        debuglog.protect(token)
        logger.info("raw %s and %r", token, {"authorization": f"Bearer {token}"})
        logger.info("headers: Authorization: Bearer abc.def-ghi and Basic dXNlcjpwYXNz")
        logger.info("url https://h/x?api_key=%s&token=%s", quote(token), token)
        logger.info("b64 %s", base64.b64encode(f"Bearer {token}".encode()).decode())
        # a client made while the log is on (after a profile switch, say) registers its key
        later = "cn_live_" + "l4t3r" * 6
        asyncio.run(CrowNestClient(api_key=later, base_url="http://127.0.0.1:9").aclose())
        logger.info("later %s", later)
        try:
            raise RuntimeError(f"request failed with key {token}")
        except RuntimeError:
            logger.exception("boom")
    text = read_debug_log(path, token, later, headers_named=True)
    assert "abc.def-ghi" not in text and "dXNlcjpwYXNz" not in text
    assert text.count("***") >= 8
    assert "RuntimeError: request failed with key ***" in text
    assert logging.getLogger("crownest_tui").level == level, "restored after the session"


class _Exploding(App[None]):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def on_mount(self) -> None:
        self.explode()

    @work
    async def explode(self) -> None:
        raise ValueError(f"worker broke holding {self.token}")


async def test_an_unhandled_worker_error_is_logged(tmp_path: Path) -> None:
    token = "cn_live_" + "w0rk3r" * 5
    path = tmp_path / "debug.log"
    with debuglog.session(path, "pilot"):
        debuglog.protect(token)
        app = _Exploding(token)
        with pytest.raises(Exception, match="worker broke"):
            async with app.run_test() as pilot:
                await pilot.pause(0.5)
        debuglog.app_finished(app)
    text = read_debug_log(path, token)
    assert "ERROR   crownest_tui.cli: the dashboard stopped on an unhandled error" in text
    assert "ValueError: worker broke holding ***" in text
    assert "Traceback (most recent call last)" in text
    assert "the dashboard exited with status 1" in text


def test_a_debug_file_that_cannot_be_written_is_one_clear_line(
    backend: LocalBackendProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A symbolic link is refused (it could point anywhere); an older, looser file is
    tightened to 0600 before anything is written to it."""
    monkeypatch.setenv("CROWNEST_API_KEY", backend.token)
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.log"
    link.symlink_to(target)
    argv = ["runs", "--limit", "1", "--api-url", backend.url, "--debug-file"]
    assert cli.run([*argv, str(link)]) == 2
    _, err = capfd.readouterr()
    assert err.strip() == (
        f"crownest-tui: error: cannot write the debug log {link}: it is a symbolic link"
    )
    assert target.read_text() == "keep me\n"
    loose = tmp_path / "old.log"
    loose.write_text("an older session\n")
    loose.chmod(0o644)
    assert cli.run([*argv, str(loose)]) == 0
    text = read_debug_log(loose, backend.token)
    assert text.startswith("an older session\n") and "?limit=1 -> 200" in text
