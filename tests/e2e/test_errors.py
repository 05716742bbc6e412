"""An unexpected failure is logged, told to the admins, and the person is reassured."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from gedsi_bot.bot import participants
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from tests.e2e.harness import BotHarness, Person

pytestmark = pytest.mark.slow

ADMIN_ID = 4242


async def broken(update: Update, context: Context) -> None:
    raise RuntimeError("Siti Aminah's data made this fail")


def broken_module(application: GedsiApplication) -> None:
    application.add_handler(CommandHandler("rusak", broken))


@pytest.fixture
async def fragile_bot(
    sandbox: TelegramSandbox, client: AsyncSandboxClient, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    await client.create_user("Admin", user_id=ADMIN_ID, started=True)
    harness = BotHarness(
        sandbox,
        tmp_path / "gedsi.db",
        handler_modules=(participants.register, broken_module),
        extra_settings={"admin_ids": frozenset({ADMIN_ID})},
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        harness.database.dispose()


async def test_failure_is_logged_without_personal_data_and_told_to_admins(
    fragile_bot: BotHarness, client: AsyncSandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    siti = await Person.create(client)
    reply = await siti.command("rusak")
    assert "terjadi gangguan" in reply.text

    [notice] = await client.wait_for_messages(ADMIN_ID, 1, timeout=10)
    assert "RuntimeError" in notice.text
    [logged] = [r for r in caplog.records if r.name == "gedsi_bot.bot.app"]
    assert "RuntimeError" in logged.getMessage()
    assert "in broken" in logged.getMessage()  # where it failed, for the IT officer
    assert "Siti Aminah" not in caplog.text
