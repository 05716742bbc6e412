"""Registrations: a participant's place in a session, with the snapshot reports count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import Registration, RegistrationStatus
from gedsi_bot.domain.registration import SEAT_HOLDING, Snapshot
from gedsi_bot.store.tables import RegistrationRow, SessionRow


def registration_from_row(row: RegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        session_id=row.session_id,
        participant_id=row.participant_id,
        status=RegistrationStatus(row.status),
        created_at=row.created_at,
        attendance_minutes=row.attendance_minutes,
        personal_join_url=row.personal_join_url,
    )


def lock_session_row(db: DbSession, *, session_id: int) -> SessionRow | None:
    """The session row, locked until the transaction ends, so seat counts stay true.

    PostgreSQL takes a row lock; SQLite's write transactions are exclusive already.
    """
    return db.scalar(select(SessionRow).where(SessionRow.id == session_id).with_for_update())


def find_registration_row(
    db: DbSession, *, session_id: int, participant_id: int
) -> RegistrationRow | None:
    return db.scalar(
        select(RegistrationRow).where(
            RegistrationRow.session_id == session_id,
            RegistrationRow.participant_id == participant_id,
        )
    )


def _values(statuses: Iterable[RegistrationStatus]) -> list[str]:
    return [status.value for status in statuses]


def count_with_status(
    db: DbSession, *, session_id: int, statuses: Iterable[RegistrationStatus]
) -> int:
    query = select(func.count(RegistrationRow.id)).where(
        RegistrationRow.session_id == session_id,
        RegistrationRow.status.in_(_values(statuses)),
    )
    return db.scalar(query) or 0


def count_seats_taken(db: DbSession, *, session_id: int) -> int:
    return count_with_status(db, session_id=session_id, statuses=SEAT_HOLDING)


def count_waiting(db: DbSession, *, session_id: int) -> int:
    return count_with_status(db, session_id=session_id, statuses=(RegistrationStatus.WAITLISTED,))


def first_waiting(db: DbSession, *, session_id: int, limit: int) -> list[RegistrationRow]:
    """The first ``limit`` people on the waitlist, in the order they joined it."""
    if limit <= 0:
        return []
    query = (
        select(RegistrationRow)
        .where(
            RegistrationRow.session_id == session_id,
            RegistrationRow.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(RegistrationRow.created_at, RegistrationRow.id)
        .limit(limit)
    )
    return list(db.scalars(query))


def waitlist_position(db: DbSession, row: RegistrationRow) -> int:
    """1 for the first in line."""
    ahead = db.scalar(
        select(func.count(RegistrationRow.id)).where(
            RegistrationRow.session_id == row.session_id,
            RegistrationRow.status == RegistrationStatus.WAITLISTED.value,
            (RegistrationRow.created_at < row.created_at)
            | ((RegistrationRow.created_at == row.created_at) & (RegistrationRow.id < row.id)),
        )
    )
    return (ahead or 0) + 1


def apply_snapshot(row: RegistrationRow, snapshot: Snapshot) -> None:
    row.sex = snapshot.sex.value if snapshot.sex else None
    row.age_band = snapshot.age_band.value if snapshot.age_band else None
    row.is_child = snapshot.is_child
    row.category = snapshot.category.value if snapshot.category else None
    row.area_code = snapshot.area_code
    row.disability = snapshot.disability.value if snapshot.disability else None


def place_registration(
    db: DbSession,
    *,
    session_id: int,
    participant_id: int,
    status: RegistrationStatus,
    snapshot: Snapshot,
    now: dt.datetime,
    existing: RegistrationRow | None = None,
) -> RegistrationRow:
    """Store a new registration, or revive a cancelled one as if it were new (joins at the end)."""
    row = existing or RegistrationRow(session_id=session_id, participant_id=participant_id)
    row.status = status.value
    row.created_at = now
    row.updated_at = now
    row.cancelled_at = None
    apply_snapshot(row, snapshot)
    if existing is None:
        db.add(row)
    db.flush()
    return row


def set_status(row: RegistrationRow, status: RegistrationStatus, *, now: dt.datetime) -> None:
    row.status = status.value
    row.updated_at = now
    if status is RegistrationStatus.CANCELLED:
        row.cancelled_at = now


def registrations_with_sessions(
    db: DbSession, *, participant_id: int
) -> list[tuple[RegistrationRow, SessionRow]]:
    """Every registration of a participant with its session, earliest session first."""
    query = (
        select(RegistrationRow, SessionRow)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(RegistrationRow.participant_id == participant_id)
        .order_by(SessionRow.starts_at, RegistrationRow.id)
    )
    return [(registration, session) for registration, session in db.execute(query)]
