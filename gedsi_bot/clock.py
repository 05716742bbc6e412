"""Where services get the time from, so tests and rehearsals can control it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from gedsi_bot.errors import ConfigError

if TYPE_CHECKING:
    from gedsi_bot.config import Settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class RehearsalClock:
    """The real time shifted by an offset kept in a file, so a rehearsal can jump ahead.

    A trainer (or ``gedsi-bot demo``) moves a running bot to "the day before the session"
    by rewriting the file; the bot reads it again whenever it changed. Time keeps flowing
    from the new moment, so timers still fire. A missing file means no shift.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._offset = dt.timedelta()
        self._announced: tuple[int, int] | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset()

    def offset(self) -> dt.timedelta:
        """The shift from the real time, read again when the file changed."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return dt.timedelta()
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp != self._stamp:
            self._offset = read_offset(self.path)
            self._stamp = stamp
        return self._offset

    def changed(self) -> bool:
        """True once after each move of the clock (for waking whatever waits on due times)."""
        self.offset()
        if self._stamp == self._announced:
            return False
        self._announced = self._stamp
        return True

    def move_to(self, moment: dt.datetime) -> None:
        """Make ``now()`` read ``moment`` from this instant on, in every process reading it."""
        offset = moment - dt.datetime.now(dt.UTC)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"offset_seconds": offset.total_seconds()}))
        temporary.replace(self.path)


def read_offset(path: Path) -> dt.timedelta:
    """The offset in a rehearsal clock file; ``ConfigError`` naming the file if unreadable."""
    try:
        seconds = json.loads(path.read_text(encoding="utf-8"))["offset_seconds"]
        return dt.timedelta(seconds=float(seconds))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f'GEDSI_REHEARSAL_CLOCK: {path} must hold {{"offset_seconds": <number>}}'
        ) from error


def clock_from_settings(settings: Settings) -> Clock:
    """The real clock, or a rehearsal clock when ``GEDSI_REHEARSAL_CLOCK`` is set.

    A shifted clock would send reminders at the wrong time to real people, so it is refused
    unless the bot talks to a Bot API server on this machine (the sandbox).
    """
    if settings.rehearsal_clock is None:
        return SystemClock()
    host = urlsplit(settings.telegram_api_url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ConfigError(
            "GEDSI_REHEARSAL_CLOCK is only for rehearsals against the sandbox "
            "(GEDSI_TELEGRAM_API_URL on 127.0.0.1)"
        )
    return RehearsalClock(settings.rehearsal_clock)
