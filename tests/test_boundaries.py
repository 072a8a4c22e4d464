"""Layer boundaries: the API client, the local backend, the text helpers and the
script commands never import the UI."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import importlib, pkgutil, sys
package = importlib.import_module({package!r})
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if ".demo.project" not in module.name:
        importlib.import_module(module.name)
ui = ("textual", "crownest_tui.ui")
bad = sorted(m for m in sys.modules if m.split(".")[0] == "textual" or m.startswith(ui))
print(bad)
sys.exit(1 if bad else 0)
"""


@pytest.mark.parametrize(
    "package",
    ["crownest_tui.api", "crownest_tui.local", "crownest_tui.text", "crownest_tui.commands"],
)
def test_layer_never_imports_the_ui(package: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(package=package)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
