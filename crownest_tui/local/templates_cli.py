"""``crownest-tui local templates``: what each run template provides on this machine."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .runtime import Runtime
from .templates import TEMPLATE_TOOLS, describe


def print_templates() -> int:
    """Print how runs are executed and one line per template (with the tools' versions)."""
    with tempfile.TemporaryDirectory(prefix="crownest-templates-") as scratch:
        root = Path(scratch)
        runtime = Runtime(root / "state")
        (root / "home").mkdir()
        lines = describe(runtime.templates, root / "home")
    print(runtime.headline())
    width = max(map(len, TEMPLATE_TOOLS))
    for slug, tools in lines.items():
        print(f"{slug:<{width}}  {', '.join(tools)}")
    return 0
