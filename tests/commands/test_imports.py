"""The command-line and launch layers never import Textual (they start fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import importlib, pkgutil, sys
package = importlib.import_module({package!r})
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
banned = {banned!r}
bad = sorted(m for m in sys.modules if m.split(".")[0] == "textual" or m.startswith(banned))
print(bad)
sys.exit(1 if bad else 0)
"""


@pytest.mark.parametrize(
    ("package", "banned"),
    [
        ("crownest_tui.launch", ("crownest_tui.ui",)),
        ("crownest_tui.commands", ("textual",)),
    ],
)
def test_no_textual(package: str, banned: tuple[str, ...]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(package=package, banned=banned)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
