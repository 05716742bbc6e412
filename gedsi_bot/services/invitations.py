"""Speakers and moderators: link a Telegram account once, answer invitations.

Each catalog person has a personal ``tim_<token>`` link (``person_links``). Opening it links
the account that opened it, once; the link then works only for that account. A decline tells
the admins, through the outbox, with the stand-ins ``propose_replacements`` ranks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import InvitationResponse, Role, Session, SessionStatus
from gedsi_bot.domain.replacements import Candidate, propose_replacements
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.team import TeamSetup, queue_team_reminders
from gedsi_bot.store import outbox
from gedsi_bot.store.sessions import list_sessions, session_from_row
from gedsi_bot.store.team import (
    find_link_by_token,
    find_link_by_user,
    link_account,
    session_person_row,
    session_row_by_id,
    sessions_of_person,
)

log = logging.getLogger(__name__)

_OPEN = (SessionStatus.DRAFT, SessionStatus.APPROVED, SessionStatus.PUBLISHED)


class LinkStatus(StrEnum):
    LINKED = "linked"  # linked now
    AGAIN = "again"  # this account was linked before
    UNKNOWN = "unknown"  # no such token
    TAKEN = "taken"  # the token belongs to another account


@dataclass(frozen=True, slots=True)
class Invitation:
    session: Session
    role: Role


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    status: LinkStatus
    person_id: str | None = None
    waiting: tuple[Invitation, ...] = ()  # invitations not answered yet


class AnswerStatus(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ANSWERED = "answered"  # answered before; nothing changed
    CLOSED = "closed"  # the session is over, cancelled, or the person is not in it


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    status: AnswerStatus
    session: Session | None = None
    role: Role | None = None
    candidates: tuple[Candidate, ...] = ()


def _waiting(ctx: ServiceContext, db: DbSession, person_id: str) -> tuple[Invitation, ...]:
    now = ctx.clock.now()
    found = []
    for row in sessions_of_person(
        db, series_id=ctx.series_id, person_id=person_id, statuses=_OPEN
    ):
        session = session_from_row(row)
        if session.status is SessionStatus.DRAFT or session.starts_at <= now:
            continue
        person = next(p for p in session.people if p.person_id == person_id)
        if person.response is InvitationResponse.PENDING:
            found.append(Invitation(session, person.role))
    return tuple(found)


def link_person(
    ctx: ServiceContext, *, token: str, telegram_user_id: int, chat_id: int
) -> LinkOutcome:
    """Link the account that opened ``tim_<token>``; the invitations waiting for an answer."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        row = find_link_by_token(db, token)
        if row is None:
            return LinkOutcome(LinkStatus.UNKNOWN)
        if row.telegram_user_id is not None and row.telegram_user_id != telegram_user_id:
            log.info("invitation link of %s opened by another account", row.person_id)
            return LinkOutcome(LinkStatus.TAKEN)
        other = find_link_by_user(db, telegram_user_id)
        if other is not None and other.person_id != row.person_id:
            return LinkOutcome(LinkStatus.TAKEN)
        status = (
            LinkStatus.AGAIN if row.telegram_user_id == telegram_user_id else LinkStatus.LINKED
        )
        link_account(row, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now)
        db.flush()
        waiting = _waiting(ctx, db, row.person_id)
        person_id = row.person_id
    log.info("team person %s linked (%s)", person_id, status.value)
    return LinkOutcome(status, person_id, waiting)


def answer_invitation(
    ctx: ServiceContext,
    setup: TeamSetup,
    *,
    telegram_user_id: int,
    session_id: int,
    accept: bool,
) -> AnswerOutcome:
    """Record a linked person's answer; a decline tells the admins with proposed stand-ins."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        link = find_link_by_user(db, telegram_user_id)
        if link is None:
            return AnswerOutcome(AnswerStatus.CLOSED)
        row = session_row_by_id(db, series_id=ctx.series_id, session_id=session_id)
        session = session_from_row(row)
        person = next((p for p in session.people if p.person_id == link.person_id), None)
        if person is None or session.status not in _OPEN or session.starts_at <= now:
            return AnswerOutcome(AnswerStatus.CLOSED, session)
        if person.response is not InvitationResponse.PENDING:
            return AnswerOutcome(AnswerStatus.ANSWERED, session, person.role)
        response = InvitationResponse.ACCEPTED if accept else InvitationResponse.DECLINED
        place = session_person_row(db, session_id=session.id, person_id=link.person_id)
        place.response = response.value
        place.responded_at = now
        db.flush()
        session = session_from_row(row)
        if accept:
            queue_team_reminders(db, ctx, setup, session, [link.person_id], now=now)
            return AnswerOutcome(AnswerStatus.ACCEPTED, session, person.role)
        candidates = propose_replacements(
            ctx.catalog,
            session=session,
            person_id=link.person_id,
            existing=list_sessions(db, series_id=ctx.series_id),
            language=setup.language,
            limit=3,
        )
        text = msg.decline_notice_text(
            session,
            ctx.catalog,
            person_id=link.person_id,
            role=person.role,
            candidates=candidates,
            language=setup.language,
        )
        for admin in sorted(setup.admin_ids):
            outbox.enqueue(
                db,
                kind=msg.ADMIN_NOTICE,
                chat_id=admin,
                payload=msg.admin_text_payload(text),
                due_at=now,
                dedupe_key=f"declined:{session.id}:{link.person_id}:admin:{admin}",
                session_id=session.id,
            )
    log.info("session %s: %s declined", session.number, link.person_id)
    return AnswerOutcome(AnswerStatus.DECLINED, session, person.role, tuple(candidates))
