"""The outbox: everything that is sent later is a row with a due time and a unique key.

Delivery workers claim due rows (``claim_due``), which become ``sending`` with the worker's id
and the claim time; each is then marked ``sent``, ``failed``, ``skipped`` or put back
(``mark_retry``). A worker that dies leaves its rows ``sending``; once their lease has expired
the next claim puts them back. So a row is sent twice only if it was at Telegram when its
worker died, before its mark was committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.outbox import OutboxStatus, QueuedMessage
from gedsi_bot.store.tables import MediaRow, OutboxRow


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


# --- delivery: claiming, marking, counting ------------------------------------------------


def _queued(row: OutboxRow) -> QueuedMessage:
    return QueuedMessage(
        id=row.id,
        kind=row.kind,
        chat_id=row.chat_id,
        payload=dict(row.payload),
        attempts=row.attempts,
        dedupe_key=row.dedupe_key,
        session_id=row.session_id,
    )


def release_expired_leases(db: DbSession, *, now: dt.datetime, lease: dt.timedelta) -> int:
    """Put rows claimed more than ``lease`` ago (by a worker that died) back in the queue.

    A row comes back with its due time unchanged, so it is sent before newer ones. A worker
    that is merely slow keeps its lease far shorter than ``lease`` (one send and one commit).
    """
    result = db.execute(
        update(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.SENDING, OutboxRow.claimed_at < now - lease)
        .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def claim_due(
    db: DbSession,
    *,
    worker_id: str,
    now: dt.datetime,
    limit: int,
    lease: dt.timedelta,
    busy_chats: Collection[int] | None = None,
) -> list[QueuedMessage]:
    """Claim up to ``limit`` due rows for ``worker_id``, oldest due first, expired leases first.

    With ``busy_chats`` (the chats whose rows the worker is sending now), at most one row per
    chat is claimed and none for a busy chat, so a chat's rows go out one after another.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers claim disjoint rows without
    waiting on each other. SQLite: run inside ``Database.write()``, whose ``BEGIN IMMEDIATE``
    holds the one write lock for the whole claim. Claimed rows are ``sending`` until marked.
    """
    if limit <= 0:
        return []
    release_expired_leases(db, now=now, lease=lease)
    query = select(OutboxRow).where(
        OutboxRow.status == OutboxStatus.PENDING, OutboxRow.due_at <= now
    )
    if busy_chats:
        query = query.where(OutboxRow.chat_id.not_in(list(busy_chats)))
    rows = db.scalars(
        query.order_by(OutboxRow.due_at, OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if busy_chats is not None:
        first_of_chat: dict[int, OutboxRow] = {}
        for row in rows:
            first_of_chat.setdefault(row.chat_id, row)
        rows = list(first_of_chat.values())
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.claimed_by = worker_id
        row.claimed_at = now
    db.flush()
    return [_queued(row) for row in rows]


def _finish(db: DbSession, row_id: int, **values: object) -> bool:
    """Change a row being sent; ``claimed_by`` stays on finished rows (who sent it)."""
    result = db.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id, OutboxRow.status == OutboxStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def mark_sent(
    db: DbSession, message_id: int, *, now: dt.datetime, telegram_message_id: int | None = None
) -> bool:
    """The row went out; ``False`` if it was not being sent (already marked elsewhere)."""
    return _finish(
        db,
        message_id,
        status=OutboxStatus.SENT,
        sent_at=now,
        message_id=telegram_message_id,
        attempts=OutboxRow.attempts + 1,
        last_error=None,
    )


def mark_failed(db: DbSession, message_id: int, *, error: str) -> bool:
    """The row will never be sent: the last attempt failed or the message cannot be sent."""
    return _finish(
        db,
        message_id,
        status=OutboxStatus.FAILED,
        attempts=OutboxRow.attempts + 1,
        last_error=error[:500],
    )


def mark_retry(
    db: DbSession, message_id: int, *, due_at: dt.datetime, error: str, count_attempt: bool = True
) -> bool:
    """Back to the queue until ``due_at``; flood waits (429) do not count as attempts."""
    attempts = OutboxRow.attempts + 1 if count_attempt else OutboxRow.attempts
    return _finish(
        db,
        message_id,
        status=OutboxStatus.PENDING,
        due_at=due_at,
        claimed_at=None,
        claimed_by=None,
        attempts=attempts,
        last_error=error[:500],
    )


def mark_skipped(db: DbSession, message_id: int, *, reason: str) -> bool:
    """Not sent on purpose: its composer found the message no longer relevant."""
    return _finish(db, message_id, status=OutboxStatus.SKIPPED, last_error=reason[:500])


def postpone_chat(db: DbSession, *, chat_id: int, until: dt.datetime) -> int:
    """Move the chat's pending rows due before ``until`` to ``until`` (Telegram said wait)."""
    result = db.execute(
        update(OutboxRow)
        .where(
            OutboxRow.chat_id == chat_id,
            OutboxRow.status == OutboxStatus.PENDING,
            OutboxRow.due_at < until,
        )
        .values(due_at=until)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def cancel_pending(db: DbSession, *, session_id: int, kinds: Collection[str] | None = None) -> int:
    """Mark the session's pending rows (of ``kinds``, or all) ``cancelled``; how many.

    Rows already being sent are left alone: they may be at Telegram already.
    """
    statement = update(OutboxRow).where(
        OutboxRow.session_id == session_id, OutboxRow.status == OutboxStatus.PENDING
    )
    if kinds is not None:
        statement = statement.where(OutboxRow.kind.in_(list(kinds)))
    result = db.execute(
        statement.values(status=OutboxStatus.CANCELLED).execution_options(
            synchronize_session=False
        )
    )
    return _rowcount(result)


def status_counts(
    db: DbSession, *, kind: str | None = None, session_id: int | None = None
) -> dict[tuple[str, str], int]:
    """How many rows of each ``(kind, status)``, optionally of one kind or session only."""
    statement = select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
        OutboxRow.kind, OutboxRow.status
    )
    if kind is not None:
        statement = statement.where(OutboxRow.kind == kind)
    if session_id is not None:
        statement = statement.where(OutboxRow.session_id == session_id)
    rows = db.execute(statement).all()
    return {(kind, status): count for kind, status, count in rows}


def next_due_at(db: DbSession, *, lease: dt.timedelta) -> dt.datetime | None:
    """When the next row falls due (or the earliest lease expires); ``None`` if nothing waits."""
    due = db.scalar(
        select(func.min(OutboxRow.due_at)).where(OutboxRow.status == OutboxStatus.PENDING)
    )
    claimed = db.scalar(
        select(func.min(OutboxRow.claimed_at)).where(OutboxRow.status == OutboxStatus.SENDING)
    )
    times = [_aware(due), _aware(claimed)]
    if times[1] is not None:
        times[1] += lease
    present = [moment for moment in times if moment is not None]
    return min(present) if present else None


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """A failed row for the office's view: ids, kind and Telegram's error text only."""

    id: int
    kind: str
    chat_id: int
    attempts: int
    last_error: str | None
    due_at: dt.datetime


def recent_failures(db: DbSession, *, limit: int = 10) -> list[FailedMessage]:
    """The last ``limit`` failed rows, newest first."""
    rows = db.scalars(
        select(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.FAILED)
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    ).all()
    return [
        FailedMessage(row.id, row.kind, row.chat_id, row.attempts, row.last_error, row.due_at)
        for row in rows
    ]


def _aware(value: object) -> dt.datetime | None:
    """Aggregates bypass the column type on SQLite, so zone-less results are UTC."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, dt.datetime)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _rowcount(result: object) -> int:
    count = getattr(result, "rowcount", 0)
    return int(count) if isinstance(count, int) else 0


def remember_media(db: DbSession, *, key: str, file_id: str, now: dt.datetime) -> None:
    """Keep an uploaded file's ``file_id`` under ``key`` (the first one kept wins)."""
    if db.get(MediaRow, key) is not None:
        return
    try:
        with db.begin_nested():
            db.add(MediaRow(key=key, file_id=file_id, created_at=now))
    except IntegrityError:
        return


def media_file_id(db: DbSession, key: str) -> str | None:
    """The ``file_id`` kept under ``key``, if the file was uploaded before."""
    row = db.get(MediaRow, key)
    return row.file_id if row is not None else None
