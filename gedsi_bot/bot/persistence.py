"""Conversation states and per-user data kept in the ``bot_state`` table.

A restart, planned or not, continues every conversation where the person left it. Writes are
grouped: whatever python-telegram-bot hands over while one transaction runs goes into the next,
so a burst of users costs a few short transactions, not one per change, and never blocks the
event loop (the database work runs in a thread).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from sqlalchemy import delete, select, tuple_
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from gedsi_bot.bot.context import BotData, ChatData, UserData
from gedsi_bot.store import Database
from gedsi_bot.store.tables import BotStateRow

logger = logging.getLogger(__name__)

USER_DATA = "user_data"
CONVERSATION_PREFIX = "conversation:"
DEFAULT_UPDATE_INTERVAL = 1.0  # seconds between saves: at most this much is lost in a crash

_Key = tuple[str, str]


def conversation_namespace(name: str) -> str:
    return f"{CONVERSATION_PREFIX}{name}"


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


class DatabasePersistence(BasePersistence[UserData, ChatData, BotData]):
    """User data and named conversations in the database; chat, bot and callback data stay out.

    ``BotData`` holds services, not state, so it is built fresh on every start.
    """

    def __init__(
        self, database: Database, *, update_interval: float = DEFAULT_UPDATE_INTERVAL
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.database = database
        # Whose user data this process may write now: with several processes, only that of
        # the people whose updates it is handling (see ``shared_state``).
        self.may_write_user: Callable[[int], bool] = lambda _user_id: True
        self._pending: dict[_Key, dict[str, Any] | None] = {}
        self._writer: asyncio.Task[None] | None = None

    # --- reading, once at start-up ---------------------------------------------------------

    def _load(self, namespace: str) -> dict[str, dict[str, Any]]:
        with self.database.read() as db:
            rows = db.execute(
                select(BotStateRow.key, BotStateRow.data).where(BotStateRow.namespace == namespace)
            )
            return {key: dict(data) for key, data in rows}

    async def get_user_data(self) -> dict[int, UserData]:
        loaded = await asyncio.to_thread(self._load, USER_DATA)
        return {int(key): data for key, data in loaded.items()}

    async def get_chat_data(self) -> dict[int, ChatData]:
        return {}

    async def get_bot_data(self) -> NoReturn:
        raise NotImplementedError("bot data is attached in post_init, never persisted")

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        loaded = await asyncio.to_thread(self._load, conversation_namespace(name))
        return {_decode_key(key): data["state"] for key, data in loaded.items() if "state" in data}

    # --- writing, grouped --------------------------------------------------------------------

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        data = None if new_state is None else {"state": new_state}
        await self._save(conversation_namespace(name), encode_key(key), data)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        if self.may_write_user(user_id):
            await self._save(USER_DATA, str(user_id), dict(data) if data else None)

    async def drop_user_data(self, user_id: int) -> None:
        if self.may_write_user(user_id):
            await self._save(USER_DATA, str(user_id), None)

    async def update_chat_data(self, chat_id: int, data: ChatData) -> None:
        """Chat data is not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def update_bot_data(self, data: BotData) -> None:
        """Bot data is not kept."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Callback data is not kept."""

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to do here: with several processes, ``SharedState`` reads it per update."""

    async def refresh_chat_data(self, chat_id: int, chat_data: ChatData) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: BotData) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Wait until everything handed over is written (called on shutdown)."""
        if self._pending and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write_pending())
        if self._writer is not None:
            await self._writer

    async def _save(self, namespace: str, key: str, data: dict[str, Any] | None) -> None:
        self._pending[(namespace, key)] = data
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await asyncio.shield(self._writer)

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:
                # Keep the batch for the next attempt, unless newer values replaced it.
                self._pending = {**batch, **self._pending}
                logger.exception("saving %d bot state entries failed", len(batch))
                raise

    def _write(self, batch: Mapping[_Key, dict[str, Any] | None]) -> None:
        with self.database.write() as db:
            db.execute(
                delete(BotStateRow).where(
                    tuple_(BotStateRow.namespace, BotStateRow.key).in_(list(batch))
                )
            )
            db.add_all(
                BotStateRow(namespace=namespace, key=key, data=data)
                for (namespace, key), data in batch.items()
                if data is not None
            )
