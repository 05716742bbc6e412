"""Several bot processes behind one load balancer: each person's form state lives in PostgreSQL.

python-telegram-bot keeps conversation states and user data in memory and reads them from the
persistence once, at start-up. Behind a load balancer a person's next answer may land on the
other process, which would still think the form stood where it did when it started. So, on
PostgreSQL, every update from a person is handled like this:

1. take an advisory lock for that person (``pg_try_advisory_lock(class, person)``), waiting
   while another process handles one of their updates;
2. read their conversation states and user data from ``bot_state``, replacing this process's;
3. handle the update;
4. write what changed (``Application.update_persistence``), then release the lock.

python-telegram-bot marks the person's data for saving once more after all this (when the task
that ran the update ends); by then another process may have changed it, so this process writes
a person's user data only while it holds their lock (``DatabasePersistence.may_write_user``).

The locks are taken on one connection of this process's own; a process that dies loses its
connection, and PostgreSQL frees its locks. Their class is derived from
``GEDSI_SCHEDULER_LOCK_KEY``, so deployments sharing a database keep apart. SQLite has one
process by design: nothing here runs there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, text
from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.ext import Application, ConversationHandler

from gedsi_bot.bot.persistence import (
    USER_DATA,
    DatabasePersistence,
    conversation_namespace,
    encode_key,
)
from gedsi_bot.store.tables import BotStateRow

logger = logging.getLogger(__name__)

RETRY_SECONDS = 0.02  # pause between tries while another process holds the person's lock
WAIT_SECONDS = 60.0  # after this, handle the update anyway (and say so in the log)


def _int4(value: int) -> int:
    """``value`` folded into PostgreSQL's signed 32-bit range (collisions only cost a wait)."""
    folded = (value ^ (value >> 32)) & 0xFFFFFFFF
    return folded - 2**32 if folded >= 2**31 else folded


class SharedState:
    """The steps above for one process; ``PerChatUpdateProcessor`` runs each update inside."""

    def __init__(
        self,
        engine: Engine,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        lock_key: int,
    ) -> None:
        self.engine = engine
        self.application = application
        self.lock_class = _int4(lock_key)
        self._connection: Connection | None = None
        self._connection_lock = asyncio.Lock()
        self._held: set[int] = set()  # the people whose updates this process handles now
        if isinstance(application.persistence, DatabasePersistence):
            application.persistence.may_write_user = self._held.__contains__
        for handlers in application.handlers.values():
            for handler in handlers:
                if isinstance(handler, ConversationHandler) and not (
                    handler.per_chat and handler.per_user and not handler.per_message
                ):
                    raise ValueError(f"{handler.name}: shared state needs per chat and user keys")

    @contextlib.asynccontextmanager
    async def hold(self, update: object) -> AsyncIterator[None]:
        """Handle ``update`` holding its person's lock, their state fresh from the database."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            yield
            return
        assert isinstance(update, Update)
        locked = await self._lock(user.id)
        self._held.add(user.id)
        try:
            chat = update.effective_chat
            await self._refresh(user.id, None if chat is None else chat.id)
            yield
        finally:
            try:
                await self.application.update_persistence()
            finally:
                self._held.discard(user.id)
                if locked:
                    await self._call(self._unlock_sync, user.id)

    async def close(self) -> None:
        async with self._connection_lock:
            if self._connection is not None:
                # Never back to the pool: a lock an interrupted call took would stay held.
                await asyncio.to_thread(self._drop_connection)

    # --- the person's lock ------------------------------------------------------------------

    async def _lock(self, user_id: int) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while True:
            try:
                if await self._call(self._try_lock_sync, user_id):
                    return True
            except DBAPIError as error:
                logger.warning("person lock unavailable: %s", type(error).__name__)
                return False
            if loop.time() > deadline:
                # No user id here: a Telegram id is personal data (the outbox row or update id
                # is what the logs carry).
                logger.warning("a person stayed locked for %.0f s; going ahead", WAIT_SECONDS)
                return False
            await asyncio.sleep(RETRY_SECONDS)

    async def _call(self, function: Callable[[int], bool], user_id: int) -> bool:
        async with self._connection_lock:
            return bool(await asyncio.to_thread(function, user_id))

    def _lock_connection(self) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = self.engine.connect()
        return self._connection

    def _try_lock_sync(self, user_id: int) -> bool:
        connection = self._lock_connection()
        try:
            won = connection.scalar(
                text("SELECT pg_try_advisory_lock(:c, :k)"),
                {"c": self.lock_class, "k": _int4(user_id)},
            )
            connection.commit()  # advisory locks are per session; no transaction stays open
        except DBAPIError:
            self._drop_connection()
            raise
        return bool(won)

    def _unlock_sync(self, user_id: int) -> bool:
        connection = self._connection
        if connection is None:
            return False  # the connection died, and its locks with it
        try:
            done = connection.scalar(
                text("SELECT pg_advisory_unlock(:c, :k)"),
                {"c": self.lock_class, "k": _int4(user_id)},
            )
            connection.commit()
        except DBAPIError as error:
            logger.warning("releasing a person lock failed: %s", type(error).__name__)
            self._drop_connection()
            return False
        return bool(done)

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(DBAPIError):
                connection.invalidate()  # never back to the pool with locks still held
                connection.close()

    # --- the person's state ------------------------------------------------------------------

    async def _refresh(self, user_id: int, chat_id: int | None) -> None:
        # No public way to set a conversation's state: PTB's own table of them (PTB 22).
        conversations = self.application._conversation_handler_conversations
        key = None if chat_id is None else (chat_id, user_id)
        namespaces = {conversation_namespace(name): name for name in conversations}
        stored = await asyncio.to_thread(self._read, user_id, key, list(namespaces))
        data = self.application.user_data[user_id]  # created if new (a defaultdict)
        data.clear()
        data.update(stored.get(USER_DATA, {}))
        if key is None:
            return
        for namespace, name in namespaces.items():
            states = conversations[name]
            row = stored.get(namespace)
            if row is not None and "state" in row:
                states.update_no_track({key: row["state"]})
            else:
                states.data.pop(key, None)  # ended elsewhere; no write needed

    def _read(
        self, user_id: int, key: tuple[int, int] | None, namespaces: list[str]
    ) -> dict[str, dict[str, Any]]:
        wanted = [(BotStateRow.namespace == USER_DATA) & (BotStateRow.key == str(user_id))]
        if key is not None and namespaces:
            wanted.append(
                BotStateRow.namespace.in_(namespaces) & (BotStateRow.key == encode_key(key))
            )
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(BotStateRow.namespace, BotStateRow.data).where(or_(*wanted))
            )
            return {namespace: dict(data) for namespace, data in rows}
