"""The outbox: everything that is sent later is a row with a due time and a unique key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.store.tables import OutboxRow


def enqueue(
    db: DbSession,
    *,
    kind: str,
    chat_id: int,
    payload: Mapping[str, object],
    due_at: dt.datetime,
    dedupe_key: str,
    session_id: int | None = None,
) -> bool:
    """Queue a message once: ``True`` if it was new, ``False`` if ``dedupe_key`` was queued before.

    A savepoint keeps a concurrent duplicate from spoiling the caller's transaction.
    """
    if db.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == dedupe_key)) is not None:
        return False
    row = OutboxRow(
        kind=kind,
        chat_id=chat_id,
        payload=dict(payload),
        due_at=due_at,
        dedupe_key=dedupe_key,
        session_id=session_id,
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return False
    return True
