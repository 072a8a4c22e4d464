"""Stand-ins for sys.stdout/sys.stderr that keep the exact bytes written."""

from __future__ import annotations

import io

import pytest


class Terminal(io.BytesIO):
    """A byte buffer that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Captured:
    """Replaces ``sys.stdout`` and ``sys.stderr`` with text wrappers over byte buffers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, tty: bool = False) -> None:
        self.out_bytes: io.BytesIO = Terminal() if tty else io.BytesIO()
        self.err_bytes: io.BytesIO = Terminal() if tty else io.BytesIO()
        for name, raw in (("stdout", self.out_bytes), ("stderr", self.err_bytes)):
            monkeypatch.setattr(f"sys.{name}", io.TextIOWrapper(raw, "utf-8", write_through=True))

    @property
    def out(self) -> bytes:
        return self.out_bytes.getvalue()

    @property
    def err(self) -> bytes:
        return self.err_bytes.getvalue()
