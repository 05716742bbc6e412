"""The team's use cases: approve, publish, reschedule and cancel a session; list its people.

Everything sent later goes through the outbox in the transaction that decides it, under dedupe
keys that name the session and its start (``schedule_stamp``), so running a step again never
sends anything twice. Publishing asks Zoom first and queues last: a publish that fails half-way
(Zoom down) has queued nothing and completes when run again. Moving and cancelling change the
database first, in one transaction with the notices and the cancelled reminders, and Zoom
after; if Zoom fails, running the same step again only finishes Zoom's part.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.config import Settings
from gedsi_bot.domain.meetings import MeetingOptions
from gedsi_bot.domain.model import (
    InvitationResponse,
    Meeting,
    RegistrationStatus,
    Role,
    Session,
    SessionStatus,
)
from gedsi_bot.domain.registration import capacity_of
from gedsi_bot.domain.reminders import Audience, ReminderKind, plan_reminders, schedule_stamp
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import Language, language_for
from gedsi_bot.render.flyer import render_flyer
from gedsi_bot.render.template import FlyerFormat, load_flyer_templates
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.flyers import flyer_file_name, session_flyer_contents, write_atomically
from gedsi_bot.services.meetings import (
    MeetingChange,
    cancel_meeting,
    ensure_meeting,
    reschedule_meeting,
)
from gedsi_bot.store import outbox
from gedsi_bot.store.sessions import get_session, session_from_row
from gedsi_bot.store.team import (
    Attendee,
    attendees,
    count_registrations,
    ensure_person_link,
    lock_session_by_number,
    mark_invited,
    person_links,
    registrants,
    subscribers,
)
from gedsi_bot.zoom.client import ZoomClient

log = logging.getLogger(__name__)

# Expanders and the composer the delivery worker calls (registered in ``team_outbox``).
EXPAND_ANNOUNCEMENT = "team.announcement"
EXPAND_PARTICIPANT_REMINDER = "team.participant_reminder"
EXPAND_STARTED = "team.started"
EXPAND_FEEDBACK = "team.feedback"
COMPOSE_TEAM_REMINDER = "team.reminder"

FAN_OUT_CHAT = 0  # a fan-out row has no recipient of its own
_CHANGEABLE = frozenset({SessionStatus.DRAFT, SessionStatus.APPROVED, SessionStatus.PUBLISHED})
_TOLD = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
_CLOCK = re.compile(r"^(\d{1,2})[.:](\d{2})$")


# --- errors the team can act on (messages: locale ``team.command.*``) ----------------------


class NotApproved(InvalidInput):
    """Publishing needs an approved (or already published) session."""

    def __init__(self, number: int, status: SessionStatus) -> None:
        super().__init__(f"session {number} is {status.value}, not approved")
        self.number = number
        self.status = status


class NotADraft(InvalidInput):
    """Only a draft can be approved."""

    def __init__(self, number: int, status: SessionStatus) -> None:
        super().__init__(f"session {number} is {status.value}, not a draft")
        self.number = number
        self.status = status


class CannotChange(InvalidInput):
    """A session that is live, done or cancelled cannot be moved or cancelled."""

    def __init__(self, number: int, status: SessionStatus) -> None:
        super().__init__(f"session {number} is {status.value}")
        self.number = number
        self.status = status


class NoMeetingToAttach(InvalidInput):
    """No meeting was entered by hand and no Zoom credentials are set to create one."""

    def __init__(self, number: int) -> None:
        super().__init__(f"session {number} has no meeting and Zoom is not configured")
        self.number = number


class TimeInPast(InvalidInput):
    """A session cannot move to a time that has passed."""


# --- what the steps need and give back -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamSetup:
    """What publishing needs beyond the ServiceContext: Zoom options, flyers, links, admins."""

    meeting_options: MeetingOptions
    flyers_dir: Path  # templates, fonts, logos
    out_dir: Path  # where the rendered flyers go
    bot_username: str | None
    channel: int | None = None  # the channel's chat id (GEDSI_TELEGRAM_CHANNEL, resolved)
    admin_ids: frozenset[int] = frozenset()
    language: Language = "id"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        ctx: ServiceContext,
        *,
        bot_username: str | None = None,
        channel_id: int | None = None,
    ) -> TeamSetup:
        """The setup for ``settings``; a channel given by ``@name`` needs its ``channel_id``
        (the bot's ``getChat`` answers it), a numeric one is taken as it is."""
        team = {m.telegram_id for m in ctx.catalog.team if m.telegram_id is not None}
        return cls(
            meeting_options=settings.meeting_options,
            flyers_dir=settings.resolved_flyers_dir,
            out_dir=settings.data_dir / "flyers",
            bot_username=bot_username or settings.bot_username,
            channel=channel_id
            if channel_id is not None
            else numeric_chat(settings.telegram_channel),
            admin_ids=settings.admin_ids | team,
            language=settings.language,
        )


@dataclass(frozen=True, slots=True)
class InviteInfo:
    person_id: str
    role: Role
    response: InvitationResponse
    link: str | None  # the personal ``tim_`` link; None without the bot's username
    linked: bool  # the person's Telegram account is linked (the invitation goes by chat)
    queued: bool  # an invitation was queued now


@dataclass(frozen=True, slots=True)
class ApproveResult:
    session: Session
    approved: bool  # False: it was approved (or published) already
    invitations: tuple[InviteInfo, ...]


@dataclass(frozen=True, slots=True)
class PublishResult:
    session: Session
    meeting: Meeting
    meeting_created: bool
    already: bool  # it was published before; nothing new was queued
    subscribers: int
    reminders: int
    channel: bool
    flyer: Path


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """What moving or cancelling a session did."""

    session: Session
    changed: bool  # False: it was at that time (or cancelled) already; only Zoom was retried
    told: int  # registrants told
    meeting: MeetingChange


@dataclass(frozen=True, slots=True)
class ParticipantsView:
    session: Session
    capacity: int
    counts: dict[RegistrationStatus, int]
    people: tuple[Attendee, ...] = field(default=())


# --- approving and inviting ------------------------------------------------------------------


def new_invite_token() -> str:
    return secrets.token_urlsafe(18).replace("_", "-")


def approve_session(ctx: ServiceContext, setup: TeamSetup, *, number: int) -> ApproveResult:
    """Approve draft ``number`` and invite its speakers and moderator."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        row = lock_session_by_number(db, series_id=ctx.series_id, number=number)
        status = SessionStatus(row.status)
        approved = status is SessionStatus.DRAFT
        if approved:
            row.status = SessionStatus.APPROVED.value
        elif status not in (SessionStatus.APPROVED, SessionStatus.PUBLISHED):
            raise NotADraft(number, status)
        db.flush()
        session = session_from_row(row)
        invitations = queue_invitations(db, ctx, setup, session, now=now)
    log.info(
        "session %s approved (%s invitations queued)", number, sum(i.queued for i in invitations)
    )
    return ApproveResult(session, approved, tuple(invitations))


def invite_people(ctx: ServiceContext, setup: TeamSetup, *, number: int) -> list[InviteInfo]:
    """Everyone's personal link, and invitations to the linked who have not answered."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        session = get_session(db, series_id=ctx.series_id, number=number)
        if session.status not in _CHANGEABLE:
            raise CannotChange(number, session.status)
        return queue_invitations(db, ctx, setup, session, now=now)


def queue_invitations(
    db: DbSession, ctx: ServiceContext, setup: TeamSetup, session: Session, *, now: dt.datetime
) -> list[InviteInfo]:
    links = {
        person.person_id: ensure_person_link(
            db, person_id=person.person_id, new_token=new_invite_token
        )
        for person in session.people
    }
    stamp = schedule_stamp(session.starts_at)
    found = []
    for person in session.people:
        link = links[person.person_id]
        queued = False
        if link.chat_id is not None and person.response is InvitationResponse.PENDING:
            queued = outbox.enqueue(
                db,
                kind=msg.INVITATION,
                chat_id=link.chat_id,
                payload=msg.invitation_payload(session, ctx.catalog, person.role, setup.language),
                due_at=now,
                dedupe_key=f"invitation:{session.id}@{stamp}:team:{person.person_id}",
                session_id=session.id,
            )
        url = (
            msg.invite_link(setup.bot_username, link.invite_token) if setup.bot_username else None
        )
        found.append(
            InviteInfo(
                person.person_id,
                person.role,
                person.response,
                url,
                linked=link.chat_id is not None,
                queued=queued,
            )
        )
    mark_invited(db, session_id=session.id, person_ids=list(links), now=now)
    return found


# --- publishing -------------------------------------------------------------------------------


async def publish_session(
    ctx: ServiceContext, zoom: ZoomClient | None, setup: TeamSetup, *, number: int
) -> PublishResult:
    """Meeting, flyer, channel post, announcement and reminders for approved session ``number``.

    Zoom's errors propagate before anything is queued; run again and it completes once.
    """
    with ctx.database.read() as db:
        session = get_session(db, series_id=ctx.series_id, number=number)
    if session.status not in (SessionStatus.APPROVED, SessionStatus.PUBLISHED):
        raise NotApproved(number, session.status)
    created = False
    if session.meeting is None:
        if zoom is None:
            raise NoMeetingToAttach(number)
        made = await ensure_meeting(
            ctx.database,
            zoom,
            catalog=ctx.catalog,
            options=setup.meeting_options,
            series_id=ctx.series_id,
            number=number,
        )
        created = made.created
    flyer, media_key = await asyncio.to_thread(render_post_flyer, ctx, setup, number=number)
    now = ctx.clock.now()
    with ctx.database.write() as db:
        row = lock_session_by_number(db, series_id=ctx.series_id, number=number)
        status = SessionStatus(row.status)
        if status not in (SessionStatus.APPROVED, SessionStatus.PUBLISHED):
            raise NotApproved(number, status)  # cancelled while Zoom was asked
        already = status is SessionStatus.PUBLISHED
        row.status = SessionStatus.PUBLISHED.value
        db.flush()
        session = session_from_row(row)
        count = len(subscribers(db))
        queued = queue_announcement(
            db, ctx, setup, session, flyer=flyer, media_key=media_key, now=now
        )
        reminders = queue_reminders(db, ctx, setup, session, now=now)
    assert session.meeting is not None
    log.info("session %s published (%s rows queued)", number, queued + reminders)
    return PublishResult(
        session=session,
        meeting=session.meeting,
        meeting_created=created,
        already=already and queued + reminders == 0,
        subscribers=count,
        reminders=reminders,
        channel=setup.channel is not None,
        flyer=flyer,
    )


def render_post_flyer(ctx: ServiceContext, setup: TeamSetup, *, number: int) -> tuple[Path, str]:
    """The session's post flyer as a file, and a media key that changes with its content."""
    templates = load_flyer_templates(setup.flyers_dir, ctx.catalog, language=setup.language)
    (content,) = session_flyer_contents(
        ctx.database,
        ctx.catalog,
        numbers=[number],
        bot_username=setup.bot_username,
        language=setup.language,
    )
    data = render_flyer(content, FlyerFormat.POST, templates=templates)
    path = (setup.out_dir / flyer_file_name(content, FlyerFormat.POST)).resolve()
    write_atomically(path, data)
    return path, f"flyer:{hashlib.sha256(data).hexdigest()[:32]}"


def numeric_chat(value: str | None) -> int | None:
    """A chat id written as digits (``-1001234567890``); ``None`` for ``@name`` or nothing."""
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def queue_announcement(
    db: DbSession,
    ctx: ServiceContext,
    setup: TeamSetup,
    session: Session,
    *,
    flyer: Path,
    media_key: str,
    now: dt.datetime,
) -> int:
    """The channel post and the fan-out to subscribers; how many rows were new."""
    stamp = schedule_stamp(session.starts_at)
    queued = 0
    if setup.channel is not None:
        payload = msg.flyer_payload(
            session,
            ctx.catalog,
            flyer=flyer,
            media_key=media_key,
            bot_username=setup.bot_username,
            language=setup.language,
        )
        queued += outbox.enqueue(
            db,
            kind=msg.CHANNEL_POST,
            chat_id=setup.channel,
            payload=payload,
            due_at=now,
            dedupe_key=f"channel:{session.id}@{stamp}:post",
            session_id=session.id,
        )
    args = {
        "session_id": session.id,
        "stamp": stamp,
        "flyer": str(flyer),
        "media_key": media_key,
        "bot_username": setup.bot_username,
    }
    queued += outbox.enqueue(
        db,
        kind=msg.ANNOUNCEMENT,
        chat_id=FAN_OUT_CHAT,
        payload={"expand": {"name": EXPAND_ANNOUNCEMENT, "args": args}},
        due_at=now,
        dedupe_key=f"announcement:{session.id}@{stamp}:subscribers",
        session_id=session.id,
    )
    return queued


_PARTICIPANT_EXPANDERS = {
    ReminderKind.BEFORE: (msg.PARTICIPANT_REMINDER, EXPAND_PARTICIPANT_REMINDER),
    ReminderKind.STARTED: (msg.STARTED_NUDGE, EXPAND_STARTED),
    ReminderKind.FEEDBACK: (msg.FEEDBACK_REQUEST, EXPAND_FEEDBACK),
}


def queue_reminders(
    db: DbSession, ctx: ServiceContext, setup: TeamSetup, session: Session, *, now: dt.datetime
) -> int:
    """Participants' reminders (fan-outs) and the team's (one row each); how many were new."""
    stamp = schedule_stamp(session.starts_at)
    queued = 0
    for reminder in plan_reminders(session, ctx.catalog.reminders, now=now):
        if reminder.audience is Audience.TEAM:
            continue
        kind, name = _PARTICIPANT_EXPANDERS[reminder.kind]
        args: dict[str, Any] = {"session_id": session.id, "stamp": stamp}
        if reminder.before is not None:
            args["before_minutes"] = reminder.before // dt.timedelta(minutes=1)
        queued += outbox.enqueue(
            db,
            kind=kind,
            chat_id=FAN_OUT_CHAT,
            payload={"expand": {"name": name, "args": args}},
            due_at=reminder.due_at,
            dedupe_key=f"{kind}:{session.id}:{reminder.label}@{stamp}:participants",
            session_id=session.id,
        )
    people = [p.person_id for p in session.people if p.response is not InvitationResponse.DECLINED]
    return queued + queue_team_reminders(db, ctx, setup, session, people, now=now)


def queue_team_reminders(
    db: DbSession,
    ctx: ServiceContext,
    setup: TeamSetup,
    session: Session,
    person_ids: Iterable[str],
    *,
    now: dt.datetime,
) -> int:
    """H-7, H-1 and 1-hour reminders for linked speakers and moderators of a published session."""
    if session.status is not SessionStatus.PUBLISHED:
        return 0
    links = person_links(db, person_ids)
    roles = {p.person_id: p.role for p in session.people}
    stamp = schedule_stamp(session.starts_at)
    queued = 0
    for reminder in plan_reminders(session, ctx.catalog.reminders, now=now):
        if reminder.audience is not Audience.TEAM or reminder.before is None:
            continue
        for person_id, link in sorted(links.items()):
            if link.chat_id is None or person_id not in roles:
                continue
            args = {
                "session_id": session.id,
                "stamp": stamp,
                "person_id": person_id,
                "before_minutes": reminder.before // dt.timedelta(minutes=1),
                "final": reminder.final,
                "bot_username": setup.bot_username,
                "language": setup.language,
            }
            queued += outbox.enqueue(
                db,
                kind=msg.TEAM_REMINDER,
                chat_id=link.chat_id,
                payload={"compose": {"name": COMPOSE_TEAM_REMINDER, "args": args}},
                due_at=reminder.due_at,
                dedupe_key=f"reminder:{session.id}:{reminder.label}@{stamp}:team:{person_id}",
                session_id=session.id,
            )
    return queued


# --- moving and cancelling ---------------------------------------------------------------------


def local_start(day: str, clock: str, zone: dt.tzinfo) -> dt.datetime | None:
    """``2026-12-17`` and ``09.00`` (or ``09:00``) as an aware time in ``zone``; ``None`` if
    either cannot be read."""
    matched = _CLOCK.match(clock.strip())
    if matched is None:
        return None
    try:
        date = dt.date.fromisoformat(day.strip())
        at = dt.time(int(matched[1]), int(matched[2]))
    except ValueError:
        return None
    return dt.datetime.combine(date, at, tzinfo=zone)


def _tell_people(
    db: DbSession,
    ctx: ServiceContext,
    setup: TeamSetup,
    session: Session,
    *,
    cancelled: bool,
    now: dt.datetime,
) -> int:
    """Notices to registrants (and the linked team) that the session moved or is off."""
    what = "cancelled" if cancelled else f"moved@{schedule_stamp(session.starts_at)}"
    told = 0
    for recipient, registration in registrants(db, session_id=session.id, statuses=_TOLD):
        language = language_for(recipient.language_code)
        told += outbox.enqueue(
            db,
            kind=msg.SESSION_NOTICE,
            chat_id=recipient.chat_id,
            payload=msg.session_notice_payload(
                session, registration, ctx.catalog, language, cancelled=cancelled
            ),
            due_at=now,
            dedupe_key=f"{what}:{session.id}:participant:{recipient.participant_id}",
            session_id=session.id,
        )
    links = person_links(db, (p.person_id for p in session.people))
    for person in session.people:
        link = links.get(person.person_id)
        if link is None or link.chat_id is None:
            continue
        if person.response is InvitationResponse.DECLINED:
            continue
        outbox.enqueue(
            db,
            kind=msg.SESSION_NOTICE,
            chat_id=link.chat_id,
            payload=msg.team_notice_payload(
                session, ctx.catalog, person.role, setup.language, cancelled=cancelled
            ),
            due_at=now,
            dedupe_key=f"{what}:{session.id}:team:{person.person_id}",
            session_id=session.id,
        )
    return told


async def reschedule_session(
    ctx: ServiceContext,
    zoom: ZoomClient | None,
    setup: TeamSetup,
    *,
    number: int,
    starts_at: dt.datetime,
) -> ChangeResult:
    """Move session ``number``: tell registrants, replace its reminders, re-render, update Zoom."""
    now = ctx.clock.now()
    if starts_at <= now:
        raise TimeInPast("the new time has passed")
    with ctx.database.write() as db:
        row = lock_session_by_number(db, series_id=ctx.series_id, number=number)
        status = SessionStatus(row.status)
        if status not in _CHANGEABLE:
            raise CannotChange(number, status)
        changed = row.starts_at != starts_at
        told = 0
        if changed:
            row.starts_at = starts_at
            db.flush()
            session = session_from_row(row)
            outbox.cancel_pending(db, session_id=session.id, kinds=msg.TIMED_KINDS)
            if status is SessionStatus.PUBLISHED:
                told = _tell_people(db, ctx, setup, session, cancelled=False, now=now)
                queue_reminders(db, ctx, setup, session, now=now)
        session = session_from_row(row)
    if session.status is SessionStatus.PUBLISHED:
        # A new flyer for the channel and for subscribers not yet announced to.
        flyer, media_key = await asyncio.to_thread(render_post_flyer, ctx, setup, number=number)
        with ctx.database.write() as db:
            queue_announcement(
                db, ctx, setup, session, flyer=flyer, media_key=media_key, now=ctx.clock.now()
            )
    change = await reschedule_meeting(
        ctx.database,
        zoom,
        catalog=ctx.catalog,
        options=setup.meeting_options,
        series_id=ctx.series_id,
        number=number,
    )
    log.info("session %s moved (changed=%s, told=%s, zoom=%s)", number, changed, told, change)
    return ChangeResult(session, changed, told, change)


async def cancel_session(
    ctx: ServiceContext, zoom: ZoomClient | None, setup: TeamSetup, *, number: int
) -> ChangeResult:
    """Call off session ``number``: tell registrants and the team, stop its messages, delete
    its meeting."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        row = lock_session_by_number(db, series_id=ctx.series_id, number=number)
        status = SessionStatus(row.status)
        changed = status is not SessionStatus.CANCELLED
        if changed and status not in _CHANGEABLE:
            raise CannotChange(number, status)
        told = 0
        if changed:
            row.status = SessionStatus.CANCELLED.value
            db.flush()
            session = session_from_row(row)
            outbox.cancel_pending(
                db, session_id=session.id, kinds=(*msg.TIMED_KINDS, msg.INVITATION)
            )
            if status is SessionStatus.PUBLISHED:
                told = _tell_people(db, ctx, setup, session, cancelled=True, now=now)
        session = session_from_row(row)
    change = await cancel_meeting(ctx.database, zoom, series_id=ctx.series_id, number=number)
    log.info("session %s cancelled (changed=%s, told=%s, zoom=%s)", number, changed, told, change)
    return ChangeResult(session, changed, told, change)


# --- who is coming ----------------------------------------------------------------------------


def session_participants(ctx: ServiceContext, *, number: int) -> ParticipantsView:
    """Session ``number``'s registrations: counts by status and everyone, in order."""
    with ctx.database.read() as db:
        session = get_session(db, series_id=ctx.series_id, number=number)
        counts = count_registrations(db, session_id=session.id)
        people = attendees(db, session_id=session.id)
    capacity = capacity_of(session, ctx.catalog.series.capacity)
    return ParticipantsView(session, capacity, counts, tuple(people))
