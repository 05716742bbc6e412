"""Where services get the time from, so tests and rehearsals can control it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
