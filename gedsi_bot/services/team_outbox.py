"""What the team workflow's outbox rows become when they fall due.

Fan-out rows (announcement, participants' reminders, the started nudge, the feedback request)
are expanded into one row per recipient at the time they are due, so people who register or
subscribe after publishing are included. The team's reminder is composed at send time, so the
moderator's last one carries a host link fetched minutes before, not one that expired.

A row whose session has since moved (its ``stamp`` no longer matches) or is no longer on
expands to nobody and composes to nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.delivery.composers import ComposeContext, OutgoingMessage, composer, expander
from gedsi_bot.domain.model import InvitationResponse, RegistrationStatus, Session, SessionStatus
from gedsi_bot.domain.reminders import offset_label, schedule_stamp
from gedsi_bot.errors import GedsiError
from gedsi_bot.locale import Language, language_for
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.meetings import fresh_host_url
from gedsi_bot.services.team import (
    COMPOSE_TEAM_REMINDER,
    EXPAND_ANNOUNCEMENT,
    EXPAND_FEEDBACK,
    EXPAND_PARTICIPANT_REMINDER,
    EXPAND_STARTED,
)
from gedsi_bot.store import outbox
from gedsi_bot.store.sessions import session_from_row
from gedsi_bot.store.tables import SessionRow
from gedsi_bot.store.team import Recipient, chats_sent, registrants, subscribers
from gedsi_bot.zoom.client import ZoomClient

log = logging.getLogger(__name__)

_ON = frozenset({SessionStatus.PUBLISHED, SessionStatus.LIVE})
_ON_OR_DONE = _ON | {SessionStatus.DONE}


def _current(
    db: DbSession, ctx: ServiceContext, args: Mapping[str, Any], statuses: frozenset[SessionStatus]
) -> Session | None:
    """The row's session if it still takes place at the time the row was queued for."""
    row = db.get(SessionRow, int(args["session_id"]))
    if row is None or row.series_id != ctx.series_id:
        return None
    session = session_from_row(row)
    if session.status not in statuses or schedule_stamp(session.starts_at) != args["stamp"]:
        return None
    return session


@expander(EXPAND_ANNOUNCEMENT)
def expand_announcement(
    db: DbSession, ctx: ServiceContext, args: dict[str, Any], now: dt.datetime
) -> int:
    """The flyer to every subscriber not yet announced to; how many rows were queued."""
    session = _current(db, ctx, args, _ON)
    if session is None:
        return 0
    done = chats_sent(db, session_id=session.id, kind=msg.ANNOUNCEMENT)
    payloads: dict[Language, dict[str, Any]] = {}
    queued = 0
    for recipient in subscribers(db):
        if recipient.chat_id in done:
            continue
        language = language_for(recipient.language_code)
        if language not in payloads:
            payloads[language] = msg.flyer_payload(
                session,
                ctx.catalog,
                flyer=Path(args["flyer"]),
                media_key=str(args["media_key"]),
                bot_username=args.get("bot_username"),
                language=language,
            )
        queued += outbox.enqueue(
            db,
            kind=msg.ANNOUNCEMENT,
            chat_id=recipient.chat_id,
            payload=payloads[language],
            due_at=now,
            dedupe_key=(
                f"announcement:{session.id}@{args['stamp']}:subscriber:{recipient.participant_id}"
            ),
            session_id=session.id,
        )
    return queued


PayloadFor = Callable[[Session, Any, Language], dict[str, Any]]


def _fan_out(
    db: DbSession,
    ctx: ServiceContext,
    args: Mapping[str, Any],
    now: dt.datetime,
    *,
    kind: str,
    label: str,
    statuses: tuple[RegistrationStatus, ...],
    session_statuses: frozenset[SessionStatus],
    payload_for: PayloadFor,
) -> int:
    session = _current(db, ctx, args, session_statuses)
    if session is None:
        return 0
    queued = 0
    recipients: list[tuple[Recipient, Any]] = list(
        registrants(db, session_id=session.id, statuses=statuses)
    )
    for recipient, registration in recipients:
        queued += outbox.enqueue(
            db,
            kind=kind,
            chat_id=recipient.chat_id,
            payload=payload_for(session, registration, language_for(recipient.language_code)),
            due_at=now,
            dedupe_key=(
                f"{kind}:{session.id}:{label}@{args['stamp']}"
                f":participant:{recipient.participant_id}"
            ),
            session_id=session.id,
        )
    return queued


@expander(EXPAND_PARTICIPANT_REMINDER)
def expand_participant_reminder(
    db: DbSession, ctx: ServiceContext, args: dict[str, Any], now: dt.datetime
) -> int:
    """H-1 / 1-hour reminder with the join details to everyone holding a seat."""
    before = dt.timedelta(minutes=int(args["before_minutes"]))
    return _fan_out(
        db,
        ctx,
        args,
        now,
        kind=msg.PARTICIPANT_REMINDER,
        label=offset_label(before),
        statuses=(RegistrationStatus.REGISTERED,),
        session_statuses=_ON,
        payload_for=lambda session, registration, language: msg.participant_reminder_payload(
            session, registration, ctx.catalog, language, before=before
        ),
    )


@expander(EXPAND_STARTED)
def expand_started(
    db: DbSession, ctx: ServiceContext, args: dict[str, Any], now: dt.datetime
) -> int:
    """ "The session has started", with the join link, to everyone holding a seat."""
    return _fan_out(
        db,
        ctx,
        args,
        now,
        kind=msg.STARTED_NUDGE,
        label="started",
        statuses=(RegistrationStatus.REGISTERED,),
        session_statuses=_ON,
        payload_for=lambda session, registration, language: msg.started_payload(
            session, registration, ctx.catalog, language
        ),
    )


@expander(EXPAND_FEEDBACK)
def expand_feedback(
    db: DbSession, ctx: ServiceContext, args: dict[str, Any], now: dt.datetime
) -> int:
    """The feedback request (button ``umpan:<number>``) to those registered or present."""
    return _fan_out(
        db,
        ctx,
        args,
        now,
        kind=msg.FEEDBACK_REQUEST,
        label="feedback",
        statuses=(RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED),
        session_statuses=_ON_OR_DONE,
        payload_for=lambda session, _registration, language: msg.feedback_payload(
            session, ctx.catalog, language
        ),
    )


async def compose_team_reminder(
    ctx: ServiceContext, zoom: ZoomClient | None, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A speaker's or moderator's reminder, or ``None`` once it no longer applies."""
    with ctx.database.read() as db:
        session = _current(db, ctx, args, _ON)
    if session is None:
        return None
    person = next((p for p in session.people if p.person_id == args["person_id"]), None)
    if person is None or person.response is InvitationResponse.DECLINED:
        return None
    final = bool(args["final"])
    host_url = None
    if final and person.role.value == "moderator" and session.meeting is not None:
        try:
            host_url = await fresh_host_url(
                ctx.database, zoom, series_id=ctx.series_id, number=session.number
            )
        except GedsiError as error:  # Zoom down or not configured: the text says so
            log.warning("session %s: no fresh host link: %s", session.number, type(error).__name__)
    language: Language = "en" if args.get("language") == "en" else "id"
    return msg.team_reminder_payload(
        session,
        ctx.catalog,
        person.role,
        language,
        before=dt.timedelta(minutes=int(args["before_minutes"])),
        final=final,
        host_url=host_url,
        bot_username=args.get("bot_username"),
    )


@composer(COMPOSE_TEAM_REMINDER)
async def team_reminder(ctx: ComposeContext, args: dict[str, Any]) -> OutgoingMessage | None:
    """The delivery worker's entry to ``compose_team_reminder``."""
    payload = await compose_team_reminder(ctx.services, ctx.zoom, args)
    if payload is None:
        return None
    return OutgoingMessage(payload["method"], payload["params"])
