"""Exactly one scheduler among many processes: a PostgreSQL advisory lock elects it.

Periodic jobs that must run once for the whole deployment (importing attendance, tidying up)
are registered with ``run_if_leader``: every process schedules them, only the leader's run.
The leader holds ``pg_try_advisory_lock(key)`` on a connection of its own for as long as it
lives; when it dies its connection closes, PostgreSQL frees the lock, and the next process
that campaigns (every ``interval`` seconds) takes over. On SQLite the one process is leader.

    run_if_leader(application.job_queue, import_attendance_job, interval=600, name="zoom")
    if is_leader(): ...

A process that never started an election (a test, a one-off command) counts as leader.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from telegram.ext import JobQueue

logger = logging.getLogger(__name__)

CAMPAIGN_SECONDS = 2.0  # how often a follower tries, and a leader checks its connection
CAMPAIGN_JOB = "gedsi-leader-campaign"

_current: Leadership | None = None


def is_leader() -> bool:
    """Whether this process runs the deployment's periodic jobs now."""
    return _current is None or _current.is_leader


def run_if_leader(
    job_queue: JobQueue[Any],
    callback: Callable[[Any], Awaitable[object]],
    *,
    interval: float,
    name: str,
    first: float | None = None,
) -> None:
    """Schedule ``callback`` every ``interval`` seconds here; it runs only while leader."""

    async def when_leading(context: Any) -> None:
        if is_leader():
            await callback(context)

    job_queue.run_repeating(when_leading, interval=interval, first=first, name=name)


class Leadership:
    """This process's part in the election: campaign, hold the lock, notice losing it."""

    def __init__(self, engine: Engine, *, key: int) -> None:
        self.engine = engine
        self.key = key
        self.is_leader = False
        self._connection: Connection | None = None
        self.on_change: Callable[[bool], None] | None = None

    @property
    def elected_alone(self) -> bool:
        """SQLite has one process by design: it leads without asking."""
        return self.engine.dialect.name != "postgresql"

    def campaign(self) -> bool:
        """Take the lock if free, or check that it is still held; leader now? (blocking)"""
        if self.elected_alone:
            self._set(leading=True)
            return True
        if self.is_leader and self._still_connected():
            return True
        self._drop_connection()
        self._set(leading=self._try_lock())
        return self.is_leader

    def resign(self) -> None:
        """Give the lock back (closing its connection frees it)."""
        self._drop_connection()
        self._set(leading=False)

    def _try_lock(self) -> bool:
        connection = self.engine.connect()
        try:
            name = f"gedsi-leader:{os.getpid()}"
            connection.execute(
                text("SELECT set_config('application_name', :n, false)"), {"n": name}
            )
            won = connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            connection.commit()  # the lock is per session; no transaction stays open
        except DBAPIError as error:
            logger.warning("leader election failed: %s", type(error).__name__)
            connection.close()
            return False
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def _still_connected(self) -> bool:
        connection = self._connection
        if connection is None:
            return False
        try:
            connection.scalar(text("SELECT 1"))
            connection.commit()
        except DBAPIError:
            return False
        return True

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()  # never back to the pool with the lock still held
                connection.close()
            except DBAPIError:
                logger.debug("closing the leader connection failed", exc_info=False)

    def _set(self, *, leading: bool) -> None:
        if leading != self.is_leader:
            self.is_leader = leading
            logger.info("this process %s the scheduler", "leads" if leading else "follows")
            if self.on_change is not None:
                self.on_change(leading)


async def start_election(
    engine: Engine,
    job_queue: JobQueue[Any],
    *,
    key: int,
    interval: float = CAMPAIGN_SECONDS,
) -> Leadership:
    """Campaign now and every ``interval`` seconds; ``is_leader()`` follows the result."""
    global _current  # noqa: PLW0603 - one election per process, read by is_leader()
    leadership = Leadership(engine, key=key)
    await asyncio.to_thread(leadership.campaign)
    _current = leadership
    if leadership.elected_alone:
        return leadership  # nobody to take over from, so no campaign to keep up

    async def campaign(_context: object) -> None:
        await asyncio.to_thread(leadership.campaign)

    job_queue.run_repeating(campaign, interval=interval, first=interval, name=CAMPAIGN_JOB)
    return leadership


async def stop_election(leadership: Leadership) -> None:
    """Resign and stop answering ``is_leader()`` for this election."""
    global _current  # noqa: PLW0603
    await asyncio.to_thread(leadership.resign)
    if _current is leadership:
        _current = None
