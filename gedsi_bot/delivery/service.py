"""Delivery inside a running process: the sending bot, the worker and its alarm clock.

The alarm is a PTB JobQueue ``run_once`` job at the next due time, derived from the database
when delivery starts and after every pass — never stored, so a restart loses nothing. The job
only starts a pass; passes run one at a time as a task of their own, so stopping the JobQueue
never waits for a broadcast. ``wake`` (``BotData.wake_delivery``) starts a pass at once, or
another one right after the current pass if one is running.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram import Bot
from telegram.ext import JobQueue
from telegram.request import HTTPXRequest

from gedsi_bot.config import Settings
from gedsi_bot.delivery.registry import load_registry
from gedsi_bot.delivery.sender import CONNECTIONS
from gedsi_bot.delivery.worker import DeliveryWorker, PassReport, WorkerOptions
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store.outbox import next_due_at
from gedsi_bot.zoom import ZoomClient

logger = logging.getLogger(__name__)

JOB_NAME = "gedsi-delivery-alarm"
STOP_TIMEOUT = 30.0  # seconds a stop waits for the rows in flight to be marked
POOL_TIMEOUT = 30.0


def delivery_bot(settings: Settings, *, pool_size: int = CONNECTIONS) -> Bot:
    """A plain ``Bot`` for bulk sending: its own connection pool, no automatic retries.

    The application's bot retries 429s by itself; delivery must see them to hold the chat.
    """
    root = settings.telegram_api_url
    request = HTTPXRequest(connection_pool_size=pool_size, pool_timeout=POOL_TIMEOUT)
    return Bot(
        settings.require_telegram_token().get_secret_value(),
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
    )


class Delivery:
    """A worker and its alarm on a JobQueue; ``start`` it once the JobQueue runs."""

    def __init__(self, worker: DeliveryWorker, job_queue: JobQueue[Any], *, poll: float) -> None:
        self.worker = worker
        self.job_queue = job_queue
        self.poll = poll
        self.last_report = PassReport()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._stopped = False

    @classmethod
    async def open(
        cls,
        *,
        services: ServiceContext,
        settings: Settings,
        job_queue: JobQueue[Any],
        zoom: ZoomClient | None = None,
        options: WorkerOptions | None = None,
    ) -> Delivery:
        """A started delivery with a bot of its own (closed by ``stop``)."""
        load_registry()
        options = options or WorkerOptions.from_settings(settings)
        bot = delivery_bot(settings)
        await bot.initialize()
        worker = DeliveryWorker(
            services=services, bot=bot, settings=settings, zoom=zoom, options=options
        )
        delivery = cls(worker, job_queue, poll=settings.delivery_poll_seconds)
        delivery.start()
        return delivery

    def start(self) -> None:
        """Look at the queue now; from then on, at each due time and on ``wake``."""
        self._loop = asyncio.get_running_loop()
        self._wake_now()

    def wake(self) -> None:
        """Deliver what is due now (safe from any thread, and cheap to call often)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake_now)

    async def stop(self) -> None:
        """Claim nothing more, let the rows in flight be marked, close the bot."""
        self._stopped = True
        self.worker.stop()
        self._cancel_alarm()
        if self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT)
            except TimeoutError:
                logger.warning("delivery still busy after %.0f s; leases expire", STOP_TIMEOUT)
                self._task.cancel()
        await self.worker.sender.bot.shutdown()

    async def idle(self) -> None:
        """Wait until no pass is running (tests and the progress display use it)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    # --- the alarm ------------------------------------------------------------------------

    def _wake_now(self) -> None:
        if self._stopped:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._cancel_alarm()
        self._task = asyncio.create_task(self._passes(), name="gedsi-delivery")

    async def _ring(self, _context: object) -> None:
        self._wake_now()

    async def _passes(self) -> None:
        while not self._stopped:
            self._again = False
            try:
                self.last_report = await self.worker.deliver_due_messages()
            except Exception as error:  # noqa: BLE001 - e.g. the database is briefly away
                logger.error("delivery pass failed: %s", type(error).__name__)
                break
            if not self._again:
                break
        if not self._stopped:
            await self._arm()

    async def _arm(self) -> None:
        """Ring at the next due time, and at least every ``poll`` seconds (other processes
        queue rows too, and cannot wake this one)."""
        try:
            delay = await asyncio.to_thread(self._seconds_to_next_due)
        except Exception as error:  # noqa: BLE001
            logger.error("delivery cannot read the queue: %s", type(error).__name__)
            delay = self.poll
        self._cancel_alarm()
        if not self._stopped:
            self.job_queue.run_once(self._ring, when=delay, name=JOB_NAME)

    def _seconds_to_next_due(self) -> float:
        worker = self.worker
        with worker.database.read() as db:
            due = next_due_at(db, lease=worker.options.lease)
        if due is None:
            return self.poll
        wait = (due - worker.now()) / dt.timedelta(seconds=1)
        return min(self.poll, max(0.0, wait))

    def _cancel_alarm(self) -> None:
        for job in self.job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()
