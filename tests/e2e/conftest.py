"""Fixtures for end-to-end tests: the Telegram sandbox, the running bot, simulated people.

Reuse them for other audiences: ``bot`` runs every module of ``HANDLER_MODULES``; a test that
needs a different catalog or clock builds ``BotHarness`` itself (see ``harness.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.flood import FloodLimits
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
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
