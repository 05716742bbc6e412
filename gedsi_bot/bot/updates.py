"""Updates from different people run at the same time; one person's updates run in order.

A conversation must see a person's answers one after the other, but nobody should wait for a
stranger's database write. ``PerChatUpdateProcessor`` keeps one lock per user (or chat, for
updates without a user) and lets everything else run concurrently. With several processes on
one PostgreSQL, ``share`` adds the cross-process part (see ``shared_state``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

if TYPE_CHECKING:
    from gedsi_bot.bot.shared_state import SharedState

DEFAULT_CONCURRENCY = 256


def serial_key(update: object) -> int | None:
    """The id whose updates must not overlap: the user's, else the chat's."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` at once, in arrival order within each user or chat."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.shared: SharedState | None = None

    def share(self, shared: SharedState) -> None:
        """From now on, hold each person's lock across processes and read their state fresh."""
        self.shared = shared

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = serial_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                if self.shared is None:
                    await coroutine
                else:
                    async with self.shared.hold(update):
                        await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Locks go with their last update; the cross-process ones with their connection."""
        if self.shared is not None:
            await self.shared.close()
