"""What the import-linter contracts (pyproject.toml, `make lint`) cannot see: that no
third-party library pulls Textual in at run time under the layers below the UI."""

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
bad = sorted(m for m in sys.modules if m.split(".")[0] == "textual")
print(bad)
sys.exit(1 if bad else 0)
"""


@pytest.mark.parametrize(
    "package",
    [
        "crownest_tui.api",
        "crownest_tui.core",
        "crownest_tui.local",
        "crownest_tui.launch",
        "crownest_tui.text",
        "crownest_tui.commands",
    ],
)
def test_layer_never_loads_textual(package: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(package=package)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
