"""Sessions go live at their start and are done at their end, by the clock."""

from __future__ import annotations

import logging

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store.sessions import advance_statuses

log = logging.getLogger(__name__)


def advance_sessions(ctx: ServiceContext) -> list[tuple[int, SessionStatus, SessionStatus]]:
    """Move every session of the series to the status the clock gives it; what moved."""
    with ctx.database.write() as db:
        moved = advance_statuses(db, series_id=ctx.series_id, now=ctx.clock.now())
    for number, before, after in moved:
        log.info("session %s: %s -> %s", number, before.value, after.value)
    return moved
