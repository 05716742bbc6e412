"""What the delivery tests share: a worker on a SQLite file against a Telegram sandbox."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from telegram import Bot

from gedsi_bot.config import Settings
from gedsi_bot.delivery.limits import Limits
from gedsi_bot.delivery.service import delivery_bot
from gedsi_bot.delivery.worker import DeliveryWorker, PassReport, WorkerOptions
from gedsi_bot.sandbox.telegram import SandboxClient, TelegramSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.tables import OutboxRow, ParticipantRow
from tests.registration_factories import bundled_catalog

FAST = Limits(per_second=300.0, chat_per_second=20.0, chat_burst=2, group_per_minute=400.0)


def settings_for(sandbox: TelegramSandbox, tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": sandbox.token,
        "telegram_api_url": sandbox.url,
        "database_url": f"sqlite:///{tmp_path / 'gedsi.db'}",
        "data_dir": tmp_path,
        "admin_ids": frozenset(),
        **changes,
    }
    return Settings(**values)


@dataclass
class Rig:
    """A worker, its database and bot; ``close`` frees them."""

    database: Database
    services: ServiceContext
    settings: Settings
    bot: Bot
    worker: DeliveryWorker

    async def close(self) -> None:
        await self.bot.shutdown()


async def make_rig(
    database: Database,
    settings: Settings,
    *,
    options: WorkerOptions | None = None,
    bot: Bot | None = None,
) -> Rig:
    services = ServiceContext.open(database, bundled_catalog())
    options = options or WorkerOptions(window=16, backoff=0.05, limits=FAST)
    bot = bot or delivery_bot(settings)
    await bot.initialize()
    worker = DeliveryWorker(services=services, bot=bot, settings=settings, options=options)
    return Rig(database, services, settings, bot, worker)


def text_payload(text: str) -> dict[str, Any]:
    return {"method": "sendMessage", "params": {"text": text}}


def queue_for(
    database: Database,
    chat_ids: Sequence[int],
    payload: dict[str, Any],
    *,
    kind: str = "announcement",
    prefix: str = "announcement:1:x",
) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.write() as db:
        for chat_id in chat_ids:
            enqueue(
                db,
                kind=kind,
                chat_id=chat_id,
                payload=payload,
                due_at=now,
                dedupe_key=f"{prefix}:{chat_id}",
            )


def subscribe(database: Database, user_ids: Sequence[int]) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.write() as db:
        for user_id in user_ids:
            db.add(
                ParticipantRow(
                    telegram_user_id=user_id, chat_id=user_id, subscribed=True, subscribed_at=now
                )
            )


def counts(database: Database) -> dict[str, int]:
    with database.read() as db:
        rows = db.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
    return dict(rows)  # type: ignore[arg-type]


async def drain(
    worker: DeliveryWorker,
    done: Callable[[], bool],
    *,
    within: float = 60.0,
    pause: float = 0.05,
) -> PassReport:
    """Run passes until ``done()``; every outcome of every pass."""
    report = PassReport()
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"delivery did not finish: {dict(report.outcomes)}")
        passed = await worker.deliver_due_messages()
        report.outcomes.update(passed.outcomes)
        if passed.handled == 0:
            await asyncio.sleep(pause)  # nothing due yet: a retry waits for its time
    return report


def received(users: SandboxClient, chat_id: int) -> list[str]:
    return [message.text for message in users.messages(chat_id)]
