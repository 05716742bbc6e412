"""Flood control: how fast a bot may send, with Telegram's numbers by default.

About 30 messages per second across all chats, about one per second in one chat (a short burst
is tolerated), and 20 per minute in one group or channel. A send over a limit is refused with
429 and ``retry_after``, the seconds until it would pass. Each limit is a token bucket, so the
sandbox answers in constant time whatever the load.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """The limits in force; ``enabled=False`` lets everything through (still counted)."""

    global_per_second: float = 30.0
    global_burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20
    enabled: bool = True

    def scaled(self, factor: float) -> FloodLimits:
        """The same limits ``factor`` times as generous (benchmarks use 10×)."""
        return replace(
            self,
            global_per_second=self.global_per_second * factor,
            global_burst=max(1, round(self.global_burst * factor)),
            chat_per_second=self.chat_per_second * factor,
            chat_burst=max(1, round(self.chat_burst * factor)),
            group_per_minute=self.group_per_minute * factor,
            group_burst=max(1, round(self.group_burst * factor)),
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any], base: FloodLimits | None = None) -> FloodLimits:
        """``base`` (or the defaults) with the fields ``value`` names; ValueError if malformed."""
        current = asdict(base or cls())
        for key, item in value.items():
            if key not in current:
                raise ValueError(f"unknown flood limit {key!r}")
            expected = type(current[key])
            if expected is bool:
                if not isinstance(item, bool):
                    raise ValueError(f"{key} must be true or false")
            elif isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
                raise ValueError(f"{key} must be a positive number")
            current[key] = expected(item)
        return cls(**current)


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class FloodControl:
    """Decides whether one more message may be sent now, and counts what it refused."""

    def __init__(
        self, limits: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.limits = limits or FloodLimits()
        self._global = _Bucket(self.limits.global_per_second, self.limits.global_burst, clock())
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}

    def configure(self, limits: FloodLimits) -> None:
        """Apply new limits from now on, with full buckets."""
        self.limits = limits
        self._global = _Bucket(limits.global_per_second, limits.global_burst, self._clock())
        self._chats.clear()
        self._groups.clear()

    def admit(self, chat_id: int, *, group: bool, broadcast_paid: bool = False) -> tuple[int, str]:
        """``(0, "")`` and one message counted, or the seconds to wait and the limit's scope.

        ``broadcast_paid`` is ``allow_paid_broadcast``: it lifts the limit across chats.
        """
        if not self.limits.enabled:
            return 0, ""
        now = self._clock()
        limits = self.limits
        buckets: list[tuple[str, _Bucket]] = []
        if not broadcast_paid:
            buckets.append(("global", self._global))
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(limits.chat_per_second, limits.chat_burst, now)
        buckets.append(("chat", chat))
        if group:
            bucket = self._groups.get(chat_id)
            if bucket is None:
                bucket = self._groups[chat_id] = _Bucket(
                    limits.group_per_minute / 60.0, limits.group_burst, now
                )
            buckets.append(("group", bucket))
        worst, scope = 0.0, ""
        for name, bucket in buckets:
            wait = bucket.wait(now)
            if wait > worst:
                worst, scope = wait, name
        if worst > 0:
            return max(1, math.ceil(worst)), scope
        for _, bucket in buckets:
            bucket.take()
        return 0, ""
