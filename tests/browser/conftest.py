"""A headless Chromium (Debian's, never a downloaded build) for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from .support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A fresh browser with a temporary profile (Playwright makes one per launch)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (.ci/system-deps installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
