"""Fixtures for end-to-end tests: the Telegram sandbox, the running bot, simulated people.

Reuse them for other audiences: ``bot`` runs every module of ``HANDLER_MODULES``; a test that
needs a different catalog or clock builds ``BotHarness`` itself (see ``harness.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.flood import FloodLimits
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.store import create_database_engine, upgrade
from tests.conftest import postgres_url
from tests.e2e.harness import BotHarness

# Telegram's limits, 20 times as generous: tests answer faster than any person types.
TEST_FLOOD = FloodLimits().scaled(20)


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    """A Telegram sandbox on a free loopback port, for this test only."""
    with TelegramSandbox(flood=TEST_FLOOD) as running:
        yield running


@pytest.fixture
async def client(sandbox: TelegramSandbox) -> AsyncIterator[AsyncSandboxClient]:
    """The simulation API: create users, act as them, read what they received."""
    async with sandbox.async_client() as simulation:
        yield simulation


@pytest.fixture
def harness(sandbox: TelegramSandbox, tmp_path: Path) -> Iterator[BotHarness]:
    """The bot's database, catalog and clock, not yet running."""
    prepared = BotHarness(sandbox, tmp_path / "gedsi.db")
    yield prepared
    prepared.database.dispose()


@pytest.fixture
async def bot(harness: BotHarness) -> AsyncIterator[BotHarness]:
    """The bot, running against the sandbox; stopped cleanly after the test."""
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A URL for a fresh schema of the test PostgreSQL (skipped without one)."""
    base = postgres_url()
    if base is None:
        pytest.skip("GEDSI_TEST_DATABASE_URL is not set")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_database_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    engine = create_database_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
