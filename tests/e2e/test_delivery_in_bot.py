"""Delivery inside the running bot: the alarm at the next due time, and ``wake_delivery``."""

from __future__ import annotations

import datetime as dt

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.store.outbox import enqueue
from tests.e2e.harness import WAIT, BotHarness


def queue(bot: BotHarness, chat_id: int, text: str, *, due: dt.datetime) -> None:
    with bot.database.write() as db:
        enqueue(
            db,
            kind="test",
            chat_id=chat_id,
            payload={"method": "sendMessage", "params": {"text": text}},
            due_at=due,
            dedupe_key=f"test:{chat_id}:{text}",
        )


async def test_a_queued_row_goes_out_when_the_bot_is_woken(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await client.create_user("Siti", started=True)
    queue(bot, siti.id, "Pengingat H-1", due=bot.clock.now())
    assert bot.application is not None

    bot.application.bot_data.wake_delivery()

    [message] = await client.wait_for_messages(siti.id, 1, timeout=WAIT)
    assert message.text == "Pengingat H-1"


async def test_a_row_due_later_waits_for_its_time(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await client.create_user("Siti", started=True)
    queue(bot, siti.id, "Nanti", due=bot.clock.now() + dt.timedelta(hours=1))
    queue(bot, siti.id, "Sekarang", due=bot.clock.now())
    assert bot.application is not None
    bot.application.bot_data.wake_delivery()
    [first] = await client.wait_for_messages(siti.id, 1, timeout=WAIT)

    bot.clock.advance(dt.timedelta(hours=1))
    bot.application.bot_data.wake_delivery()
    both = await client.wait_for_messages(siti.id, 2, timeout=WAIT)

    assert [message.text for message in both] == ["Sekarang", "Nanti"]
    assert first.text == "Sekarang"


async def test_rows_queued_before_a_restart_go_out_after_it(
    harness: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await client.create_user("Siti", started=True)
    queue(harness, siti.id, "Setelah mulai ulang", due=harness.clock.now())

    await harness.start()  # nobody wakes it: the alarm is derived from the database
    try:
        [message] = await client.wait_for_messages(siti.id, 1, timeout=WAIT)
    finally:
        await harness.stop()
    assert message.text == "Setelah mulai ulang"
