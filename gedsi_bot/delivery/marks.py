"""Marking sent rows in batches: one transaction for every send that finished meanwhile.

A send's slot in the window is freed only once its mark is committed, so batching keeps the
in-flight bound (rows claimed and not yet marked) while the database sees one commit for many
messages instead of one each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from gedsi_bot.store import Database
from gedsi_bot.store.outbox import mark_sent

Entry = tuple[int, int | None, "asyncio.Future[None]"]


class SentMarks:
    """``await marks.sent(row_id, message_id)`` returns once that mark is committed."""

    def __init__(self, database: Database, now: Callable[[], dt.datetime]) -> None:
        self.database = database
        self._now = now
        self._pending: list[Entry] = []
        self._flusher: asyncio.Task[None] | None = None

    async def sent(self, row_id: int, telegram_message_id: int | None) -> None:
        """Mark the row sent, together with whatever else finished by the next commit."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row_id, telegram_message_id, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._write, [(row, sent) for row, sent, _ in batch])
            except Exception as error:  # noqa: BLE001 - handed to every waiting send
                for _, _, future in batch:
                    future.set_exception(error)
                continue
            for _, _, future in batch:
                future.set_result(None)

    def _write(self, batch: list[tuple[int, int | None]]) -> None:
        now = self._now()
        with self.database.write() as db:
            for row_id, telegram_message_id in batch:
                mark_sent(db, row_id, now=now, telegram_message_id=telegram_message_id)
