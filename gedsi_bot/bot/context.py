"""The typed context every handler receives: ``context.bot_data`` is a ``BotData``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from gedsi_bot.config import Settings
from gedsi_bot.locale import Language
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.zoom import ZoomClient


class BotData:
    """What every handler needs, attached once in ``post_init`` and never persisted.

    Add a field here (and set it in ``app._post_init``) when a new kind of handler needs a
    service of its own.
    """

    __slots__ = ("_services", "_settings", "bot_username", "wake_delivery", "zoom")

    def __init__(self) -> None:
        self._services: ServiceContext | None = None
        self._settings: Settings | None = None
        self.bot_username = ""
        self.zoom: ZoomClient | None = None  # None without Zoom credentials
        # Called after a transaction that queued outbox rows, so they go out without waiting
        # for the next due time; the delivery worker installs itself here.
        self.wake_delivery: Callable[[], None] = _nothing

    def attach(
        self,
        *,
        services: ServiceContext,
        settings: Settings,
        bot_username: str,
        zoom: ZoomClient | None = None,
    ) -> None:
        self._services = services
        self._settings = settings
        self.bot_username = bot_username
        self.zoom = zoom

    @property
    def services(self) -> ServiceContext:
        """Database, catalog, series, clock and areas for the service functions."""
        if self._services is None:
            raise RuntimeError("BotData is attached in post_init; no handler runs before it")
        return self._services

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise RuntimeError("BotData is attached in post_init; no handler runs before it")
        return self._settings

    @property
    def admin_ids(self) -> frozenset[int]:
        """The admins' Telegram ids (``GEDSI_ADMIN_IDS``), who are told of errors."""
        return self.settings.admin_ids

    @property
    def office_language(self) -> Language:
        return self.settings.language


def _nothing() -> None:
    """No delivery worker in this process: queued rows wait for the worker that has one."""


UserData: TypeAlias = dict[str, Any]
ChatData: TypeAlias = dict[str, Any]
Context: TypeAlias = CallbackContext[ExtBot[None], UserData, ChatData, BotData]
GedsiApplication: TypeAlias = Application[
    ExtBot[None], Context, UserData, ChatData, BotData, JobQueue[Context]
]
