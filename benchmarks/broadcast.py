"""How close an announcement to N subscribers gets to Telegram's limit, and what it loses.

The Telegram sandbox runs in a process of its own with Telegram's flood limits scaled up
(default 10×: 300 messages/s overall, 10/s per chat). Two senders announce one message to N
subscribers (default 3000), one after the other, each to a fresh set of users:

- gedsi-bot: N outbox rows on SQLite, sent by the delivery worker configured to the limit;
- baseline: python-telegram-bot's ``AIORateLimiter`` set to the same limit, a plain loop
  creating one ``send_message`` task per subscriber.

Printed for each: messages/s and that as a fraction of the limit (first send to last), 429s the
sandbox answered, subscribers who got nothing (lost) and extra copies (duplicates).
Target for gedsi-bot: at least 95 % of the limit, nothing lost, no duplicates.

    python benchmarks/broadcast.py [--subscribers 3000] [--scale 10]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from telegram import Bot
from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from gedsi_bot.catalog import load_catalog
from gedsi_bot.config import Settings
from gedsi_bot.delivery.limits import Limits
from gedsi_bot.delivery.service import delivery_bot
from gedsi_bot.delivery.worker import DeliveryWorker, WorkerOptions
from gedsi_bot.sandbox.telegram import FloodLimits, TelegramSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import open_database
from gedsi_bot.store.outbox import enqueue

REPO = Path(__file__).resolve().parent.parent
TEXT = "Sesi baru Caring Gedsi: <b>Cegah KDRT</b>. Daftar lewat tombol di kanal."


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    sent: int
    refusals: int
    lost: int
    duplicates: int

    def line(self, limit: float) -> str:
        rate = self.sent / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<22} {rate:8.1f} msg/s  {rate / limit:6.1%} of {limit:.0f}/s  "
            f"429s {self.refusals:5d}  lost {self.lost:4d}  duplicates {self.duplicates:4d}  "
            f"({self.sent} in {self.seconds:.1f} s)"
        )


async def create_users(sandbox: TelegramSandbox, count: int) -> list[int]:
    async with sandbox.async_client(timeout=120) as users:
        created = await users.create_users(count, started=True)
    return [user.id for user in created]


async def tally(sandbox: TelegramSandbox, chat_ids: list[int]) -> tuple[int, int, int]:
    """(429s since the last reset, subscribers with nothing, extra copies)."""
    async with sandbox.async_client(timeout=120) as users:
        stats = await users.stats()
        copies = await asyncio.gather(*(users.messages(chat) for chat in chat_ids))
    lost = sum(1 for got in copies if not got)
    duplicates = sum(max(0, len(got) - 1) for got in copies)
    return stats.flood_refusals, lost, duplicates


async def reset_stats(sandbox: TelegramSandbox) -> None:
    async with sandbox.async_client() as users:
        await users.reset_stats()


async def measure(
    name: str, sandbox: TelegramSandbox, chat_ids: list[int], send: Callable[[], Awaitable[float]]
) -> Result:
    await reset_stats(sandbox)
    seconds = await send()
    refusals, lost, duplicates = await tally(sandbox, chat_ids)
    return Result(name, seconds, len(chat_ids) - lost, refusals, lost, duplicates)


async def gedsi_bot(sandbox: TelegramSandbox, chat_ids: list[int], limit: float) -> float:
    """The delivery worker on a SQLite outbox; seconds from the first pass to the last mark."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            telegram_bot_token=sandbox.token,
            telegram_api_url=sandbox.url,
            data_dir=Path(folder),
            database_url=f"sqlite:///{folder}/gedsi.db",
        )
        database = open_database(settings.resolved_database_url)
        services = ServiceContext.open(database, load_catalog(REPO / "themes.yaml"))
        now = dt.datetime.now(dt.UTC)
        with database.write() as db:
            for chat_id in chat_ids:
                enqueue(
                    db,
                    kind="announcement",
                    chat_id=chat_id,
                    payload={"method": "sendMessage", "params": {"text": TEXT}},
                    due_at=now,
                    dedupe_key=f"announcement:1:bench:{chat_id}",
                )
        options = WorkerOptions(limits=Limits(per_second=limit), window=64)
        async with delivery_bot(settings) as bot:
            worker = DeliveryWorker(services=services, bot=bot, settings=settings, options=options)
            started = time.perf_counter()
            while (await worker.deliver_due_messages()).handled:
                pass
            seconds = time.perf_counter() - started
        database.dispose()
    return seconds


async def ptb_rate_limiter(sandbox: TelegramSandbox, chat_ids: list[int], limit: float) -> float:
    """``AIORateLimiter`` at the same limit; one task per subscriber, as its docs suggest."""
    limiter = AIORateLimiter(overall_max_rate=limit, overall_time_period=1, max_retries=5)
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=60)
    bot = ExtBot(sandbox.token, base_url=sandbox.api_url, request=request, rate_limiter=limiter)
    async with bot:

        async def send(chat_id: int) -> None:
            try:
                await bot.send_message(chat_id, TEXT, parse_mode="HTML")
            except (RetryAfter, TelegramError, httpx.HTTPError):
                return  # counted as lost

        started = time.perf_counter()
        await asyncio.gather(*(send(chat_id) for chat_id in chat_ids))
        return time.perf_counter() - started


async def ceiling(sandbox: TelegramSandbox, count: int) -> float:
    """Messages/s this machine manages with no limits at all (plain concurrent sends)."""
    chat_ids = await create_users(sandbox, count)
    async with sandbox.async_client() as users:
        limits = await users.flood_limits()
        await users.set_flood_limits(enabled=False)
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=60)
    async with Bot(sandbox.token, base_url=sandbox.api_url, request=request) as bot:
        gate = asyncio.Semaphore(64)

        async def send(chat_id: int) -> None:
            async with gate:
                await bot.send_message(chat_id, TEXT, parse_mode="HTML")

        started = time.perf_counter()
        await asyncio.gather(*(send(chat_id) for chat_id in chat_ids))
        seconds = time.perf_counter() - started
    async with sandbox.async_client() as users:
        await users.set_flood_limits(limits)
    return count / seconds


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--scale", type=float, default=10.0, help="flood limits × this")
    return parser.parse_args()


async def main() -> None:
    arguments = parse()
    flood = FloodLimits().scaled(arguments.scale)
    limit = flood.global_per_second
    print(f"sandbox limits: {limit:.0f}/s overall, {flood.chat_per_second:.0f}/s per chat")
    with TelegramSandbox(flood=flood, separate_process=True) as sandbox:
        most = await ceiling(sandbox, min(arguments.subscribers, 1000))
        print(f"this machine's ceiling (no limits, 64 concurrent sends): {most:.0f} msg/s")
        results = []
        senders = (("gedsi-bot delivery", gedsi_bot), ("PTB AIORateLimiter", ptb_rate_limiter))
        for name, sender in senders:
            chat_ids = await create_users(sandbox, arguments.subscribers)
            send = functools.partial(sender, sandbox, chat_ids, limit)
            results.append(await measure(name, sandbox, chat_ids, send))
    print(f"{arguments.subscribers} subscribers, one announcement each")
    for result in results:
        print(result.line(limit))


if __name__ == "__main__":
    asyncio.run(main())
