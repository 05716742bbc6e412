"""Telling the admins that messages failed for good: once per burst, ids only."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

from gedsi_bot.locale import Language, t

logger = logging.getLogger(__name__)

NOTICE_INTERVAL = 600.0  # seconds between two notices; failures in between wait for the next
MAX_IDS = 20  # queue numbers named in one notice; the count covers the rest


class FailureNotices:
    """Collects failed rows during passes; ``flush`` sends one notice to each admin."""

    def __init__(
        self,
        bot: Bot,
        admin_ids: frozenset[int],
        language: Language,
        *,
        interval: float = NOTICE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.admin_ids = admin_ids
        self.language = language
        self.interval = interval
        self._clock = clock
        self._ids: list[int] = []
        self._kinds: Counter[str] = Counter()
        self._last = float("-inf")

    def add(self, row_id: int, kind: str) -> None:
        """Remember a row that failed for good."""
        self._ids.append(row_id)
        self._kinds[kind] += 1

    def text(self) -> str:
        """The notice for what was collected: how many, of which kinds, which queue numbers."""
        ids = sorted(self._ids)
        shown = ", ".join(str(row_id) for row_id in ids[:MAX_IDS])
        if len(ids) > MAX_IDS:
            shown += ", …"
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self._kinds.items()))
        return t("delivery.admin.failed", self.language, count=len(ids), kinds=kinds, ids=shown)

    async def flush(self) -> bool:
        """Send the notice if anything failed and the last notice is old enough; sent?"""
        now = self._clock()
        if not self._ids or now - self._last < self.interval:
            return False
        self._last = now
        text = self.text()
        self._ids.clear()
        self._kinds.clear()
        for admin in sorted(self.admin_ids):
            try:
                await self.bot.send_message(admin, text)
            except TelegramError as error:
                logger.warning("could not tell admin %s of failed messages: %s", admin, error)
        return True
