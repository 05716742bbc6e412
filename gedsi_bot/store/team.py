"""The team workflow's queries: session status, invitations, linked accounts, recipients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import (
    InvitationResponse,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from gedsi_bot.errors import NotFound
from gedsi_bot.store.registrations import registration_from_row
from gedsi_bot.store.tables import (
    OutboxRow,
    ParticipantRow,
    PersonLinkRow,
    RegistrationRow,
    SessionPersonRow,
    SessionRow,
)


@dataclass(frozen=True, slots=True)
class PersonLink:
    person_id: str
    invite_token: str
    telegram_user_id: int | None
    chat_id: int | None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone the bot may write to: a participant's chat and language."""

    participant_id: int
    chat_id: int
    language_code: str | None


@dataclass(frozen=True, slots=True)
class Attendee:
    """One registration as the team sees it in the participants list."""

    participant_id: int
    full_name: str | None
    category: str | None
    institution: str | None
    status: RegistrationStatus


def _link(row: PersonLinkRow) -> PersonLink:
    return PersonLink(row.person_id, row.invite_token, row.telegram_user_id, row.chat_id)


def session_row_by_id(db: DbSession, *, series_id: int, session_id: int) -> SessionRow:
    row = db.get(SessionRow, session_id)
    if row is None or row.series_id != series_id:
        raise NotFound(f"session id {session_id}")
    return row


def lock_session_by_number(db: DbSession, *, series_id: int, number: int) -> SessionRow:
    """Session ``number``, locked for the rest of the transaction (PostgreSQL)."""
    row = db.scalar(
        select(SessionRow)
        .where(SessionRow.series_id == series_id, SessionRow.number == number)
        .with_for_update()
    )
    if row is None:
        raise NotFound(f"session {number}")
    return row


# --- personal invitation links -----------------------------------------------------------------


def ensure_person_link(
    db: DbSession, *, person_id: str, new_token: Callable[[], str]
) -> PersonLink:
    """``person_id``'s invitation token, made with ``new_token`` on first use."""
    row = db.get(PersonLinkRow, person_id)
    if row is None:
        row = PersonLinkRow(person_id=person_id, invite_token=new_token())
        db.add(row)
        db.flush()
    return _link(row)


def person_links(db: DbSession, person_ids: Iterable[str]) -> dict[str, PersonLink]:
    wanted = list(person_ids)
    rows = db.scalars(select(PersonLinkRow).where(PersonLinkRow.person_id.in_(wanted)))
    return {row.person_id: _link(row) for row in rows}


def find_link_by_token(db: DbSession, token: str) -> PersonLinkRow | None:
    return db.scalar(select(PersonLinkRow).where(PersonLinkRow.invite_token == token))


def find_link_by_user(db: DbSession, telegram_user_id: int) -> PersonLink | None:
    row = db.scalar(
        select(PersonLinkRow).where(PersonLinkRow.telegram_user_id == telegram_user_id)
    )
    return _link(row) if row else None


def link_account(
    row: PersonLinkRow, *, telegram_user_id: int, chat_id: int, now: dt.datetime
) -> None:
    row.telegram_user_id = telegram_user_id
    row.chat_id = chat_id
    row.linked_at = now


# --- invitations ---------------------------------------------------------------------------------


def session_person_row(db: DbSession, *, session_id: int, person_id: str) -> SessionPersonRow:
    row = db.scalar(
        select(SessionPersonRow).where(
            SessionPersonRow.session_id == session_id, SessionPersonRow.person_id == person_id
        )
    )
    if row is None:
        raise NotFound(f"person {person_id} in session id {session_id}")
    return row


def mark_invited(
    db: DbSession, *, session_id: int, person_ids: Iterable[str], now: dt.datetime
) -> None:
    db.execute(
        update(SessionPersonRow)
        .where(
            SessionPersonRow.session_id == session_id,
            SessionPersonRow.person_id.in_(list(person_ids)),
            SessionPersonRow.invited_at.is_(None),
        )
        .values(invited_at=now)
    )


def set_response(row: SessionPersonRow, response: InvitationResponse, *, now: dt.datetime) -> None:
    row.response = response.value
    row.responded_at = now


def sessions_of_person(
    db: DbSession, *, series_id: int, person_id: str, statuses: Iterable[SessionStatus]
) -> list[SessionRow]:
    """Sessions with ``person_id`` in them, in start order."""
    return list(
        db.scalars(
            select(SessionRow)
            .join(SessionPersonRow, SessionPersonRow.session_id == SessionRow.id)
            .where(
                SessionRow.series_id == series_id,
                SessionPersonRow.person_id == person_id,
                SessionRow.status.in_([status.value for status in statuses]),
            )
            .order_by(SessionRow.starts_at)
        )
    )


# --- who gets what -------------------------------------------------------------------------------


def _reachable() -> list[ColumnElement[bool]]:
    return [
        ParticipantRow.chat_id.is_not(None),
        ParticipantRow.blocked_at.is_(None),
        ParticipantRow.deleted_at.is_(None),
    ]


def subscribers(db: DbSession) -> list[Recipient]:
    """Everyone who asked for news of new sessions and can still be written to."""
    rows = db.execute(
        select(ParticipantRow.id, ParticipantRow.chat_id, ParticipantRow.language_code)
        .where(ParticipantRow.subscribed.is_(True), *_reachable())
        .order_by(ParticipantRow.id)
    )
    return [Recipient(pid, chat, language) for pid, chat, language in rows if chat is not None]


def registrants(
    db: DbSession, *, session_id: int, statuses: Iterable[RegistrationStatus]
) -> list[tuple[Recipient, Registration]]:
    """Reachable people with a registration of one of ``statuses``, and that registration."""
    rows = db.execute(
        select(
            ParticipantRow.id,
            ParticipantRow.chat_id,
            ParticipantRow.language_code,
            RegistrationRow,
        )
        .join(RegistrationRow, RegistrationRow.participant_id == ParticipantRow.id)
        .where(
            RegistrationRow.session_id == session_id,
            RegistrationRow.status.in_([status.value for status in statuses]),
            *_reachable(),
        )
        .order_by(RegistrationRow.id)
    )
    return [
        (Recipient(pid, chat, language), registration_from_row(registration))
        for pid, chat, language, registration in rows
        if chat is not None
    ]


def chats_sent(db: DbSession, *, session_id: int, kind: str) -> set[int]:
    """Chats that already received a message of ``kind`` about the session."""
    rows = db.scalars(
        select(OutboxRow.chat_id).where(
            OutboxRow.session_id == session_id,
            OutboxRow.kind == kind,
            OutboxRow.status.in_(("sent", "sending")),
        )
    )
    return set(rows)


def attendees(db: DbSession, *, session_id: int) -> list[Attendee]:
    """Every registration of the session with the person's name, in registration order."""
    rows = db.execute(
        select(
            ParticipantRow.id,
            ParticipantRow.full_name,
            ParticipantRow.category,
            ParticipantRow.institution,
            RegistrationRow.status,
        )
        .join(RegistrationRow, RegistrationRow.participant_id == ParticipantRow.id)
        .where(RegistrationRow.session_id == session_id)
        .order_by(RegistrationRow.created_at, RegistrationRow.id)
    )
    return [
        Attendee(pid, name, category, institution, RegistrationStatus(status))
        for pid, name, category, institution, status in rows
    ]


def count_registrations(db: DbSession, *, session_id: int) -> dict[RegistrationStatus, int]:
    rows = db.execute(
        select(RegistrationRow.status, func.count())
        .where(RegistrationRow.session_id == session_id)
        .group_by(RegistrationRow.status)
    )
    counts = dict.fromkeys(RegistrationStatus, 0)
    for status, count in rows:
        counts[RegistrationStatus(status)] = count
    return counts
