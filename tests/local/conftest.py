"""Fixtures of the backend tests (``backend`` and ``make_backend`` are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from crownest_tui.local.process import LocalBackendProcess

from .support import client_for


@pytest.fixture
async def http(backend: LocalBackendProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(backend) as client:
        yield client
