"""Who may do what in the bot: the planning team (admins) and everyone else.

Admins are the Telegram ids in ``GEDSI_ADMIN_IDS`` plus the catalog's team. A team member listed
only by ``@username`` is recognised by that username, which Telegram lets people change, so the
office is better served by ids; both are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from gedsi_bot.bot.common import language_of, send
from gedsi_bot.bot.context import Context
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import t

R = TypeVar("R")
# PTB's handlers take coroutine functions (``Awaitable`` is not enough for its typing).
Handler = Callable[[Update, Context], Coroutine[Any, Any, R]]


def admin_ids(settings_ids: frozenset[int], catalog: Catalog) -> frozenset[int]:
    """Every admin known by id: the settings' and the catalog team's."""
    team = {member.telegram_id for member in catalog.team if member.telegram_id is not None}
    return settings_ids | team


def is_admin(
    *, user_id: int, username: str | None, settings_ids: frozenset[int], catalog: Catalog
) -> bool:
    """Whether the Telegram user is on the planning team."""
    if user_id in admin_ids(settings_ids, catalog):
        return True
    if not username:
        return False
    handle = f"@{username}".lower()
    return any(
        member.telegram_username and member.telegram_username.lower() == handle
        for member in catalog.team
    )


def update_is_from_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    if user is None:
        return False
    data = context.bot_data
    return is_admin(
        user_id=user.id,
        username=user.username,
        settings_ids=data.settings.admin_ids,
        catalog=data.services.catalog,
    )


def admin_only(handler: Handler[R]) -> Handler[R | None]:
    """Run ``handler`` for admins; tell anyone else, politely, that the command is the team's."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> R | None:
        if update_is_from_admin(update, context):
            return await handler(update, context)
        if update.callback_query is not None:
            await update.callback_query.answer(t("bot.roles.refused_short", language_of(update)))
        elif update.effective_chat is not None:
            await send(update, t("bot.roles.refused", language_of(update)))
        return None

    return guarded
