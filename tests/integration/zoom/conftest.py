"""Clients for the Zoom sandbox of ``tests/conftest.py``, and the bundled catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.series import Catalog
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.zoom import RetryPolicy, ZoomClient
from tests.conftest import BUNDLED_CATALOG

FAST_RETRIES = RetryPolicy(
    attempts=3, backoff=0.001, backoff_max=0.01, rate_limit_retries=2, jitter=0.0
)
TIMEOUT = httpx.Timeout(2.0)


@pytest.fixture
def zoom(zoom_sandbox: ZoomSandbox) -> ZoomSandbox:
    """The shared Zoom sandbox (``tests/conftest.py``), fresh for this test."""
    return zoom_sandbox


def make_client(zoom: ZoomSandbox, **kwargs: object) -> ZoomClient:
    config = zoom.config
    options: dict[str, object] = {
        "account_id": config.account_id,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "api_url": zoom.api_url,
        "oauth_url": zoom.oauth_url,
        "retry": FAST_RETRIES,
        "timeout": TIMEOUT,
        **kwargs,
    }
    return ZoomClient(**options)  # type: ignore[arg-type]


@pytest.fixture
async def client(zoom: ZoomSandbox) -> AsyncIterator[ZoomClient]:
    async with make_client(zoom) as made:
        yield made


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
