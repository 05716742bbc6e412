"""Pacing sends within Telegram's limits, and holding back a chat Telegram told us to wait for.

Each limit is a GCRA (generic cell rate algorithm, a token bucket kept as one timestamp): the
overall rate (about 30 messages/s), each chat's (about 1/s with a small burst) and each group's
or channel's (20/min; their ids are negative). A send reserves its place in every bucket that
applies and sleeps until then, so concurrent senders are spaced exactly instead of racing and
being refused. A chat whose wait is longer than the caller accepts is not reserved at all: the
caller puts the message back in the queue for that long and sends to other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gedsi_bot.config import Settings

PRUNE_AT = 10_000  # per-chat buckets kept before the idle ones are forgotten


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast delivery may send; Telegram's published numbers by default."""

    per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 2
    group_per_minute: float = 20.0
    group_burst: int = 3

    @property
    def burst(self) -> int:
        """A tenth of a second's worth at once absorbs timer jitter without bursting."""
        return max(1, round(self.per_second / 10))

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            per_second=settings.delivery_rate,
            chat_per_second=settings.delivery_chat_rate,
            chat_burst=settings.delivery_chat_burst,
            group_per_minute=settings.delivery_group_rate,
        )


class Gcra:
    """One rate limit: ``rate`` per second with ``burst`` at once, as reservations in time."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(1, burst) - 1) * self.interval
        self.tat = float("-inf")  # the theoretical arrival time of the next send

    def delay(self, at: float) -> float:
        """Seconds after ``at`` until a send would conform (0 if it would now)."""
        return max(0.0, self.tat - self.tolerance - at)

    def reserve(self, at: float) -> float:
        """Reserve the first conforming time at or after ``at``; that time."""
        start = max(at, self.tat - self.tolerance)
        self.tat = max(self.tat, start) + self.interval
        return start

    def idle(self, at: float) -> bool:
        """Whether this bucket is full again, so forgetting it changes nothing."""
        return self.tat <= at


class Limiter:
    """Spaces sends overall, per chat and per group; holds chats Telegram asked us to wait for."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._global = Gcra(limits.per_second, limits.burst)
        self._chats: dict[int, Gcra] = {}
        self._held: dict[int, float] = {}

    def chat_delay(self, chat_id: int) -> float:
        """Seconds until ``chat_id`` may get a message (its own limits and any hold)."""
        now = self._clock()
        bucket = self._chats.get(chat_id)
        wait = bucket.delay(now) if bucket is not None else 0.0
        return max(wait, self._held.get(chat_id, now) - now)

    async def acquire(self, chat_id: int, *, max_wait: float) -> float:
        """Wait for the moment a message to ``chat_id`` may go; 0.0 then.

        If the chat itself must wait longer than ``max_wait`` seconds, nothing is reserved and
        that wait is returned at once, so the caller can defer the message.
        """
        wait = self.chat_delay(chat_id)
        if wait > max_wait:
            return wait
        now = self._clock()
        at = self._chat_bucket(chat_id).reserve(now + wait)
        start = self._global.reserve(at)
        if start > now:
            await self._sleep(start - now)
        return 0.0

    def hold(self, chat_id: int, seconds: float) -> None:
        """Send nothing to ``chat_id`` for ``seconds`` (Telegram's ``retry_after``)."""
        until = self._clock() + seconds
        self._held[chat_id] = max(until, self._held.get(chat_id, until))

    def _chat_bucket(self, chat_id: int) -> Gcra:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= PRUNE_AT:
                self._prune()
            bucket = self._chats[chat_id] = self._new_bucket(chat_id)
        return bucket

    def _new_bucket(self, chat_id: int) -> Gcra:
        limits = self.limits
        if chat_id < 0:  # groups and channels: the stricter per-minute limit
            rate = min(limits.chat_per_second, limits.group_per_minute / 60)
            return Gcra(rate, limits.group_burst)
        return Gcra(limits.chat_per_second, limits.chat_burst)

    def _prune(self) -> None:
        now = self._clock()
        self._chats = {key: gcra for key, gcra in self._chats.items() if not gcra.idle(now)}
        self._held = {key: until for key, until in self._held.items() if until > now}
