"""One Bot API call through python-telegram-bot, with files uploaded once and re-sent by id.

A file parameter ``{"path": ..., "media_key": ...}`` is uploaded the first time and its
``file_id`` kept in the ``media`` table under ``media_key``; later sends (in this process or
any other) use the ``file_id``. Within a process, sends of one key wait for its first upload.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import Bot, InputFile, Message

from gedsi_bot.clock import Clock
from gedsi_bot.domain.outbox import FILE_PARAMS, Direct, FileRef
from gedsi_bot.store import Database
from gedsi_bot.store.outbox import media_file_id, remember_media

# Concurrent requests to Telegram. httpcore scans every pooled connection for each request,
# and requests queued for a connection make it rescan: a few connections, each kept busy,
# send more per second than many (loopback answers in milliseconds; 8 × 1/5 ms ≫ 30/s).
CONNECTIONS = 8

# The Bot method for each API method, and the parameter that carries its content.
CALLS = {
    "sendMessage": ("send_message", "text"),
    "sendPhoto": ("send_photo", "photo"),
    "sendDocument": ("send_document", "document"),
}


def bot_arguments(call: Direct, content: object) -> tuple[str, dict[str, Any]]:
    """The Bot method and its arguments; parameters PTB has no name for go as ``api_kwargs``.

    The bot's defaults apply where the payload says nothing: HTML and no link previews.
    """
    name, content_param = CALLS[call.method]
    skip = {content_param, "chat_id"}
    extra = {key: value for key, value in call.params.items() if key not in skip}
    if "text" in call.params or "caption" in call.params:
        extra.setdefault("parse_mode", "HTML")
    if call.method == "sendMessage":
        extra.setdefault("link_preview_options", {"is_disabled": True})
    return name, {content_param: content, "api_kwargs": extra}


def uploaded_file_id(message: Message) -> str | None:
    """The ``file_id`` Telegram gave the photo or document just sent."""
    if message.photo:
        return message.photo[-1].file_id
    if message.document is not None:
        return message.document.file_id
    return None


class Sender:
    """Sends ``Direct`` calls to a chat, uploading each ``media_key`` once."""

    def __init__(self, bot: Bot, database: Database, *, data_dir: Path, clock: Clock) -> None:
        self.bot = bot
        self.database = database
        self.data_dir = data_dir
        self.clock = clock
        self._uploads: dict[str, asyncio.Lock] = {}
        self._connections = asyncio.Semaphore(CONNECTIONS)

    async def send(self, chat_id: int, call: Direct) -> Message:
        """Make the call; ``TelegramError`` subclasses tell what went wrong."""
        file_param = FILE_PARAMS.get(call.method)
        ref = call.params.get(file_param) if file_param else None
        if not isinstance(ref, FileRef):
            return await self._call(chat_id, call, call.params.get(CALLS[call.method][1]))
        lock = self._uploads.setdefault(ref.media_key, asyncio.Lock())
        async with lock:
            file_id = await asyncio.to_thread(self._known_file_id, ref.media_key)
            if file_id is not None:
                return await self._call(chat_id, call, file_id)
            message = await self._call(chat_id, call, self._input_file(ref))
            new_id = uploaded_file_id(message)
            if new_id is not None:
                await asyncio.to_thread(self._remember, ref.media_key, new_id)
            return message

    async def _call(self, chat_id: int, call: Direct, content: object) -> Message:
        name, arguments = bot_arguments(call, content)
        method = getattr(self.bot, name)
        async with self._connections:
            message: Message = await method(chat_id=chat_id, **arguments)
        return message

    def _input_file(self, ref: FileRef) -> InputFile:
        path = Path(ref.path)
        if not path.is_absolute():
            path = self.data_dir / path
        return InputFile(path.read_bytes(), filename=path.name)

    def _known_file_id(self, key: str) -> str | None:
        with self.database.read() as db:
            return media_file_id(db, key)

    def _remember(self, key: str, file_id: str) -> None:
        with self.database.write() as db:
            remember_media(db, key=key, file_id=file_id, now=self.clock.now())
