"""The registry of composers and expanders: named functions other features provide.

A row ``{"compose": {"name": n, "args": a}}`` is built at send time by the composer
registered as ``n``::

    @composer("host_reminder")
    async def host_reminder(ctx: ComposeContext, args: dict[str, Any]) -> OutgoingMessage | None:
        ...  # fresh data (e.g. a host link fetched now); None: no longer relevant → skipped

A row ``{"expand": {"name": n, "args": a}}`` is a fan-out: when due, the expander registered
as ``n`` enqueues one row per recipient (each with its own dedupe key, due now) inside the
same transaction that marks the fan-out row ``sent``::

    @expander("announcement")
    def announce(db: DbSession, ctx: ServiceContext, args: dict[str, Any], now: datetime) -> int:
        ...  # returns how many rows it queued

Modules that register are listed in ``gedsi_bot.delivery.registry``. Messages are sent as
given, except that ``parse_mode`` defaults to HTML for texts and captions and link previews
are off unless ``link_preview_options`` is given — the bot's own defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from sqlalchemy.orm import Session as DbSession
from telegram import Bot

from gedsi_bot.config import Settings
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.zoom import ZoomClient


@dataclass(frozen=True, slots=True)
class ComposeContext:
    """What a composer may use: the services, the sending bot, Zoom (or None), the settings."""

    services: ServiceContext
    bot: Bot
    zoom: ZoomClient | None
    settings: Settings


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A Bot API call: ``sendMessage``, ``sendPhoto`` or ``sendDocument`` and its params.

    ``chat_id`` may be left out (the row's chat is used); a file param may be
    ``{"path": ..., "media_key": ...}`` as in a direct payload.
    """

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)


Composer: TypeAlias = Callable[[ComposeContext, dict[str, Any]], Awaitable[OutgoingMessage | None]]
Expander: TypeAlias = Callable[[DbSession, ServiceContext, dict[str, Any], dt.datetime], int]

C = TypeVar("C", bound=Composer)
E = TypeVar("E", bound=Expander)

_COMPOSERS: dict[str, Composer] = {}
_EXPANDERS: dict[str, Expander] = {}


class UnknownComposer(LookupError):  # noqa: N818 - reads as "an unknown composer"
    """No composer or expander is registered under the name a row gives."""


def composer(name: str) -> Callable[[C], C]:
    """Register ``fn`` as the composer called ``name`` (a name is registered once)."""

    def register(fn: C) -> C:
        _register(_COMPOSERS, name, fn)
        return fn

    return register


def expander(name: str) -> Callable[[E], E]:
    """Register ``fn`` as the expander called ``name`` (a name is registered once)."""

    def register(fn: E) -> E:
        _register(_EXPANDERS, name, fn)
        return fn

    return register


def _register(table: dict[str, Any], name: str, fn: Any) -> None:
    known = table.get(name)
    if known is not None and known is not fn:
        raise ValueError(f"{name!r} is registered twice")
    table[name] = fn


def find_composer(name: str) -> Composer:
    """The composer called ``name``, or ``UnknownComposer``."""
    try:
        return _COMPOSERS[name]
    except KeyError:
        raise UnknownComposer(f"no composer {name!r}") from None


def find_expander(name: str) -> Expander:
    """The expander called ``name``, or ``UnknownComposer``."""
    try:
        return _EXPANDERS[name]
    except KeyError:
        raise UnknownComposer(f"no expander {name!r}") from None
