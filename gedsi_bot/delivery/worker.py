"""The delivery worker: claim due outbox rows, send each within the limits, mark each.

At most ``window`` rows are claimed and not yet marked at any time. That is the in-flight
bound: if the process is killed, only those rows can have reached Telegram without their
mark being committed, so at most ``window`` messages are sent twice after a restart. Every
other row is either marked or was never sent.

Outcomes: sent → ``sent``; 429 → the chat is held for ``retry_after`` (other chats go on) and
the row waits that long, not counted as an attempt; 403 → ``failed`` and the participant is
unsubscribed; 400 or a malformed row → ``failed`` at once; network errors and 5xx → retried
with doubling waits, ``failed`` after ``max_attempts``. Failures are reported to the admins,
ids only, at most once per ``notice_interval``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from gedsi_bot.config import Settings
from gedsi_bot.delivery.composers import (
    ComposeContext,
    UnknownComposer,
    find_composer,
    find_expander,
)
from gedsi_bot.delivery.limits import Limiter, Limits
from gedsi_bot.delivery.marks import SentMarks
from gedsi_bot.delivery.notices import FailureNotices
from gedsi_bot.delivery.sender import Sender
from gedsi_bot.domain.outbox import (
    Compose,
    Direct,
    Expand,
    PayloadError,
    QueuedMessage,
    backoff_delay,
    parse_call,
    parse_payload,
)
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database, outbox
from gedsi_bot.store.participants import mark_blocked
from gedsi_bot.zoom import ZoomClient

logger = logging.getLogger(__name__)

MAX_CHAT_WAIT = 1.0  # seconds a claimed row may wait for its chat before going back to the queue
BACKOFF_CAP = 600.0  # seconds: the longest wait between two attempts


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's ``retry_after`` in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return float(value) if isinstance(value, int | float) else value.total_seconds()


def new_worker_id() -> str:
    """A name for this worker, unique among processes: host, pid and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker behaves; ``from_settings`` reads the ``GEDSI_DELIVERY_*`` settings."""

    window: int = 32
    lease: dt.timedelta = dt.timedelta(seconds=60)
    max_attempts: int = 5
    backoff: float = 2.0
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerOptions:
        return cls(
            window=settings.delivery_window,
            lease=dt.timedelta(seconds=settings.delivery_lease_seconds),
            max_attempts=settings.delivery_max_attempts,
            backoff=settings.delivery_backoff_seconds,
            limits=Limits.from_settings(settings),
        )


@dataclass
class PassReport:
    """What one pass did, by outcome (``sent``, ``retry``, ``flood``, ``failed``, …)."""

    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


class DeliveryWorker:
    """Sends due outbox rows through ``bot``; one ``deliver_due_messages`` pass at a time."""

    def __init__(
        self,
        *,
        services: ServiceContext,
        bot: Bot,
        settings: Settings,
        zoom: ZoomClient | None = None,
        options: WorkerOptions | None = None,
        worker_id: str | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.services = services
        self.options = options or WorkerOptions.from_settings(settings)
        self.worker_id = worker_id or new_worker_id()
        self.limiter = limiter or Limiter(self.options.limits)
        self.sender = Sender(
            bot, services.database, data_dir=settings.data_dir, clock=services.clock
        )
        self.compose_context = ComposeContext(services, bot, zoom, settings)
        self.marks = SentMarks(services.database, services.clock.now)
        self.notices = FailureNotices(bot, settings.admin_ids, settings.language)
        self.on_marked: Callable[[str], None] | None = None  # progress display, tests
        self._stopping = False

    @property
    def database(self) -> Database:
        return self.services.database

    def now(self) -> dt.datetime:
        return self.services.clock.now()

    def stop(self) -> None:
        """Claim nothing more; the rows in flight are still sent and marked."""
        self._stopping = True

    # --- the pass -------------------------------------------------------------------------

    async def deliver_due_messages(self) -> PassReport:
        """Send every row due now, at most ``window`` in flight; return what happened.

        Rows that fall due during the pass are included; the pass ends when nothing due is
        left (rows put back for later are left for the next pass).
        """
        report = PassReport()
        # One row per chat at a time: a chat's next row is claimed only once the one before is
        # marked, so a confirmation comes before its calendar file and a certificate's picture
        # before its PDF. A row put back for later takes the chat's due rows with it (``_defer``).
        in_flight: dict[asyncio.Task[str], int] = {}  # task → its chat
        window = self.options.window
        refill_at = max(1, window // 4)
        exhausted = False
        while True:
            free = window - len(in_flight)
            if not self._stopping and not exhausted and (free >= refill_at or not in_flight):
                busy = set(in_flight.values())
                claimed = await asyncio.to_thread(self._claim, free, busy)
                exhausted = not claimed
                for row in claimed:
                    in_flight[asyncio.create_task(self._handle(row))] = row.chat_id
            if not in_flight:
                break
            done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                del in_flight[task]
                report.outcomes[task.result()] += 1
            exhausted = False  # a fan-out may have queued rows, or a chat's next row is free
        await self.notices.flush()
        return report

    def _claim(self, limit: int, busy_chats: set[int]) -> list[QueuedMessage]:
        with self.database.write() as db:
            return outbox.claim_due(
                db,
                worker_id=self.worker_id,
                now=self.now(),
                limit=limit,
                lease=self.options.lease,
                busy_chats=busy_chats,
            )

    async def _handle(self, row: QueuedMessage) -> str:
        """Deliver one claimed row and mark it; the outcome's name."""
        try:
            outcome = await self._deliver(row)
        except Exception as error:  # noqa: BLE001 - any failure of one row is that row's
            try:
                outcome = await self._transient(row, type(error).__name__)
            except Exception as again:  # noqa: BLE001 - e.g. the database is gone
                # The row stays claimed; its lease expires and a later claim takes it back.
                logger.error("outbox %s left claimed: %s", row.id, type(again).__name__)
                outcome = "stuck"
        if self.on_marked is not None:
            self.on_marked(outcome)
        return outcome

    async def _deliver(self, row: QueuedMessage) -> str:
        try:
            payload = parse_payload(row.payload)
        except PayloadError as error:
            return await self._give_up(row, f"PayloadError: {error}")
        if isinstance(payload, Expand):
            return await asyncio.to_thread(self._expand, row, payload)
        if isinstance(payload, Compose):
            return await self._compose_and_send(row, payload)
        return await self._send(row, payload)

    # --- the three shapes -----------------------------------------------------------------

    def _expand(self, row: QueuedMessage, payload: Expand) -> str:
        """Run the expander and mark the fan-out row sent, in one transaction."""
        try:
            expand = find_expander(payload.name)
        except UnknownComposer as error:
            self._mark(outbox.mark_failed, row.id, error=str(error))
            self.notices.add(row.id, row.kind)
            return "failed"
        now = self.now()
        with self.database.write() as db:
            count = expand(db, self.services, dict(payload.args), now)
            if not outbox.mark_sent(db, row.id, now=now):
                raise RuntimeError("fan-out row no longer claimed")  # rolls the expansion back
        logger.info("outbox %s (%s) expanded into %s rows", row.id, row.kind, count)
        return "expanded"

    async def _compose_and_send(self, row: QueuedMessage, payload: Compose) -> str:
        try:
            compose = find_composer(payload.name)
        except UnknownComposer as error:
            return await self._give_up(row, str(error))
        message = await compose(self.compose_context, dict(payload.args))
        if message is None:
            await asyncio.to_thread(
                self._mark, outbox.mark_skipped, row.id, reason="no longer relevant"
            )
            return "skipped"
        try:
            call = parse_call(message.method, message.params)
        except PayloadError as error:
            return await self._give_up(row, f"PayloadError: {error}")
        return await self._send(row, call)

    async def _send(self, row: QueuedMessage, call: Direct) -> str:
        wait = await self.limiter.acquire(row.chat_id, max_wait=MAX_CHAT_WAIT)
        if wait > 0:
            return await self._defer(row, wait, "chat limit", count_attempt=False)
        try:
            sent = await self.sender.send(row.chat_id, call)
        except RetryAfter as error:
            return await self._flooded(row, error)
        except Forbidden as error:
            return await self._blocked(row, error)
        except BadRequest as error:
            return await self._give_up(row, f"BadRequest: {error.message}")
        except TelegramError as error:
            return await self._transient(row, f"{type(error).__name__}: {error.message}")
        await self.marks.sent(row.id, sent.message_id)
        return "sent"

    # --- outcomes -------------------------------------------------------------------------

    def _mark(self, mark: Callable[..., bool], row_id: int, **values: Any) -> bool:
        with self.database.write() as db:
            return mark(db, row_id, **values)

    async def _defer(
        self, row: QueuedMessage, seconds: float, reason: str, *, count_attempt: bool
    ) -> str:
        due = self.now() + dt.timedelta(seconds=seconds)

        def put_back() -> None:
            with self.database.write() as db:
                outbox.mark_retry(
                    db, row.id, due_at=due, error=reason, count_attempt=count_attempt
                )
                # The chat's rows due meanwhile wait too, so none overtakes this one.
                outbox.postpone_chat(db, chat_id=row.chat_id, until=due)

        await asyncio.to_thread(put_back)
        return "deferred" if not count_attempt else "retry"

    async def _flooded(self, row: QueuedMessage, error: RetryAfter) -> str:
        """Telegram said wait: hold this chat only, and move its queued rows past the wait."""
        wait = retry_seconds(error)
        self.limiter.hold(row.chat_id, wait)
        until = self.now() + dt.timedelta(seconds=wait)

        def postpone() -> None:
            with self.database.write() as db:
                outbox.mark_retry(
                    db, row.id, due_at=until, error="RetryAfter", count_attempt=False
                )
                outbox.postpone_chat(db, chat_id=row.chat_id, until=until)

        await asyncio.to_thread(postpone)
        logger.info("outbox %s: its chat is flood-limited for %.0f s", row.id, wait)
        return "flood"

    async def _blocked(self, row: QueuedMessage, error: Forbidden) -> str:
        """The person blocked the bot (or it left the group): unsubscribe, do not retry."""
        now = self.now()

        def record() -> bool:
            with self.database.write() as db:
                outbox.mark_failed(db, row.id, error=f"Forbidden: {error.message}")
                return mark_blocked(db, chat_id=row.chat_id, now=now)

        known = await asyncio.to_thread(record)
        logger.info("outbox %s: its chat refuses the bot (known: %s)", row.id, known)
        return "blocked"

    async def _transient(self, row: QueuedMessage, error: str) -> str:
        """Try again later, waiting longer each time; give up after ``max_attempts``."""
        attempt = row.attempts + 1
        if attempt >= self.options.max_attempts:
            return await self._give_up(row, error)
        delay = backoff_delay(attempt, base=self.options.backoff, cap=BACKOFF_CAP)
        logger.warning("outbox %s attempt %s: %s; again in %s", row.id, attempt, error, delay)
        await self._defer(row, delay.total_seconds(), error, count_attempt=True)
        return "retry"

    async def _give_up(self, row: QueuedMessage, error: str) -> str:
        logger.warning("outbox %s (%s) failed for good: %s", row.id, row.kind, error)
        await asyncio.to_thread(self._mark, outbox.mark_failed, row.id, error=error)
        self.notices.add(row.id, row.kind)
        return "failed"
