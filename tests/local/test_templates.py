"""Templates built from the host's toolchains: their tools, environment, shims and pip.

Runs go through the real backend, sandboxed and unsandboxed (``mode``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from crownest_tui.local.contract import TEMPLATES
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.templates import TEMPLATE_TOOLS, TOOLS, Host, Templates

from .support import NO_NAMESPACES, all_events, failing_bwrap, output_of, run_to_end, runtime_of

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX hosts only")

ENV_SCRIPT = (
    "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'exe': sys.executable}))"
)


def test_every_template_of_the_contract_has_its_tools() -> None:
    assert set(TEMPLATE_TOOLS) == set(TEMPLATES)
    assert all(name in TOOLS for names in TEMPLATE_TOOLS.values() for name in names)


@pytest.mark.parametrize("template", ["python-node", "python", "node", "base"])
async def test_a_run_gets_its_templates_environment_and_nothing_of_ours(
    template: str, mode_http: httpx.AsyncClient
) -> None:
    final = await run_to_end(
        mode_http, "/usr/bin/env python3 env.py", {"env.py": ENV_SCRIPT}, template=template
    )
    events = await all_events(mode_http, final["id"])
    assert final["status"] == "succeeded", output_of(events, "stderr")
    seen = json.loads(output_of(events))
    env, exe = seen["env"], seen["exe"]
    assert exe != sys.executable and not exe.startswith(sys.prefix)  # the system's python
    assert not any(part.startswith(sys.prefix) for part in env["PATH"].split(os.pathsep))
    assert env["CROWNEST_RUN_ID"] == final["id"]
    assert env.keys() <= set(final["envKeys"]) | {"PWD", "OLDPWD", "SHLVL", "_"}
    python = "python3" in TEMPLATE_TOOLS[template]
    assert (env.get("PYTHONUNBUFFERED") == "1") is python
    assert ("NPM_CONFIG_PREFIX" in env) is ("node" in TEMPLATE_TOOLS[template])
    assert "VIRTUAL_ENV" not in env and "PYTEST_CURRENT_TEST" not in env


def _wheel(name: str) -> bytes:
    """A minimal pure-Python wheel of package ``name`` 1.0 (built here: no network)."""
    files: dict[str, str | bytes] = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{name}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for path, content in files.items():
            data = content if isinstance(content, bytes) else content.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
            wheel.writestr(path, data)
        record.append(f"{name}-1.0.dist-info/RECORD,,")
        wheel.writestr(f"{name}-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return buffer.getvalue()


def _our_packages() -> list[str]:
    found: list[str] = []
    for folder in {Path(p) for p in sys.path if p.startswith(sys.prefix) and Path(p).is_dir()}:
        found += sorted(entry.name for entry in folder.iterdir())
    return sorted(found)


async def test_pip_install_inside_a_run_stays_in_the_run(
    mode_http: httpx.AsyncClient, mode_backend: LocalBackendProcess
) -> None:
    before = _our_packages()
    wheel = "crownest_probe-1.0-py3-none-any.whl"
    command = (
        f"python3 -m pip install --no-index --no-cache-dir ./{wheel} && "
        "python3 -c 'import crownest_probe; print(crownest_probe.__file__)'"
    )
    final = await run_to_end(
        mode_http, command, {wheel: _wheel("crownest_probe")}, template="python", keepSandbox=True
    )
    events = await all_events(mode_http, final["id"])
    out, err = output_of(events), output_of(events, "stderr")
    where = out.splitlines()[-1] if out else ""  # after pip's own lines
    if runtime_of(mode_backend)["sandbox"]["enabled"]:
        assert final["status"] == "succeeded", err
        assert where.startswith("/home/crownest/.local/lib/python3")  # the run's own $HOME
    elif final["status"] == "succeeded":  # a host that lets a user install packages
        home = mode_backend.state_dir / "sandboxes" / final["id"] / "home"
        assert where.startswith(str(home)), out
    else:  # a PEP 668 host: its own rule applies to an unsandboxed run
        assert "externally-managed-environment" in err, err
    assert _our_packages() == before
    ours = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import crownest_probe", stderr=asyncio.subprocess.DEVNULL
    )
    assert await ours.wait() != 0  # our venv cannot import it


async def test_the_python_alias_and_pip_commands(mode_http: httpx.AsyncClient) -> None:
    final = await run_to_end(mode_http, "python -V && pip3 --version", template="python")
    events = await all_events(mode_http, final["id"])
    assert final["status"] == "succeeded", output_of(events, "stderr")
    assert output_of(events).startswith("Python 3.")


def test_a_tool_the_host_lacks_fails_with_its_reason(tmp_path: Path) -> None:
    host = Host(commands={"sh": "/bin/sh", "python3": "/usr/bin/python3"}, aliases={})
    templates = Templates(tmp_path, host)
    assert [tool.name for tool in templates.missing("python-node")] == [
        "coreutils",
        "pip",
        "node",
        "npm",
        "pnpm",
    ]
    done = subprocess.run(
        [str(templates.bin_dir("python-node") / "node"), "--version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 127
    assert done.stderr == (
        "python-node: node is not installed on this machine (apt install nodejs)\n"
    )
    shims = templates.bin_dir("python-node")
    assert not (shims / "python3").exists() and not (shims / "python").exists()  # provided
    assert not (templates.bin_dir("base") / "node").exists()  # not base's tool


def test_local_templates_prints_what_each_template_provides() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crownest_tui", "local", "templates"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(("runs are sandboxed with bubblewrap", "runs are NOT sandboxed: "))
    assert [line.split()[0] for line in lines[1:]] == list(TEMPLATE_TOOLS)
    base = lines[-1]
    assert base.startswith("base ") and "sh" in base and "coreutils" in base


def test_an_unsandboxed_backend_says_so_once(unsandboxed_backend: LocalBackendProcess) -> None:
    sandbox = runtime_of(unsandboxed_backend)["sandbox"]
    assert sandbox == {
        "enabled": False,
        "tool": None,
        "reason": "the backend was started with --no-sandbox",
        "network": True,
    }
    log = (unsandboxed_backend.state_dir / "server.log").read_text()
    assert log.count("runs are NOT sandboxed: the backend was started with --no-sandbox") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux's")
def test_a_host_where_bwrap_fails_runs_unsandboxed_and_says_why(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crownest_tui", "local", "templates"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": failing_bwrap(tmp_path / "bin")},
    )
    assert done.returncode == 0, done.stderr
    headline = done.stdout.splitlines()[0]
    message = NO_NAMESPACES
    assert headline == f"runs are NOT sandboxed: bwrap cannot create a sandbox here ({message})"
