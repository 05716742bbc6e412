"""Factories for the team workflow's tests: sessions with a team, setup, subscribers, fan-outs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gedsi_bot.domain.meetings import MeetingOptions
from gedsi_bot.domain.model import Session, SessionStatus
from gedsi_bot.services import invitations, registration
from gedsi_bot.services import team_outbox as jobs
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.team import (
    EXPAND_ANNOUNCEMENT,
    EXPAND_FEEDBACK,
    EXPAND_PARTICIPANT_REMINDER,
    EXPAND_STARTED,
    TeamSetup,
    invite_people,
)
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import add_session, session_from_row
from gedsi_bot.store.tables import OutboxRow, SessionRow
from tests.conftest import REPO_ROOT
from tests.registration_factories import SESSION_START, adult_profile

SPEAKERS = ("psikolog-uptd-ppa", "psikolog-puspaga")
MODERATOR = "ketua-forum-puspa"
BOT = "gedsi_test_bot"
ADMIN = 900001

EXPANDERS = {
    EXPAND_ANNOUNCEMENT: jobs.expand_announcement,
    EXPAND_PARTICIPANT_REMINDER: jobs.expand_participant_reminder,
    EXPAND_STARTED: jobs.expand_started,
    EXPAND_FEEDBACK: jobs.expand_feedback,
}


def team_setup(out_dir: Path, **changes: Any) -> TeamSetup:
    values: dict[str, Any] = {
        "meeting_options": MeetingOptions(),
        "flyers_dir": REPO_ROOT / "flyers",
        "out_dir": out_dir,
        "bot_username": BOT,
        "channel": -1001234567890,
        "admin_ids": frozenset({ADMIN}),
        "language": "id",
    }
    values.update(changes)
    return TeamSetup(**values)


def add_team_session(
    database: Database,
    *,
    series_id: int,
    starts_at: dt.datetime = SESSION_START,
    status: SessionStatus = SessionStatus.DRAFT,
    manual_meeting: bool = True,
) -> Session:
    """A session of the bundled catalog with two speakers, a moderator and (by default) a
    hand-entered meeting."""
    with database.write() as db:
        stored = add_session(
            db,
            series_id=series_id,
            theme_id="cegah-kdrt",
            starts_at=starts_at,
            duration_minutes=120,
            speaker_ids=list(SPEAKERS),
            moderator_id=MODERATOR,
            status=status,
        )
        row = db.get(SessionRow, stored.id)
        assert row is not None
        if manual_meeting:
            row.meeting_id = "81234567890"
            row.meeting_passcode = "gedsi26"
            row.meeting_join_url = "https://zoom.us/j/81234567890?pwd=abc"
            row.meeting_source = "manual"
        db.flush()
        return session_from_row(row)


def link_person(
    ctx: ServiceContext, setup: TeamSetup, number: int, person_id: str, user: int
) -> None:
    """Open ``person_id``'s personal invitation link as Telegram user ``user``."""
    infos = invite_people(ctx, setup, number=number)
    url = next(info.link for info in infos if info.person_id == person_id)
    assert url is not None
    outcome = invitations.link_person(
        ctx, token=url.rsplit("tim_", 1)[1], telegram_user_id=user, chat_id=user
    )
    assert outcome.status is invitations.LinkStatus.LINKED


def subscriber(ctx: ServiceContext, user: int, *, language_code: str | None = "id") -> None:
    registration.open_participant(
        ctx, telegram_user_id=user, chat_id=user, language_code=language_code, subscribe=True
    )


def registrant(ctx: ServiceContext, user: int, session_id: int) -> None:
    registration.register(
        ctx,
        telegram_user_id=user,
        chat_id=user,
        session_id=session_id,
        profile=adult_profile(f"Peserta {user}"),
        consent_version=ctx.catalog.registration.consent_version,
    )


def expand_due(ctx: ServiceContext, now: dt.datetime) -> int:
    """What the delivery worker does with due fan-out rows, for tests below the worker."""
    expanded = 0
    with ctx.database.write() as db:
        rows = db.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.due_at <= now)
            .order_by(OutboxRow.due_at, OutboxRow.id)
        ).all()
        for row in rows:
            spec = row.payload.get("expand")
            if spec is None:
                continue
            expanded += EXPANDERS[spec["name"]](db, ctx, spec["args"], now)
            row.status = "sent"
    return expanded


def pending(ctx: ServiceContext, *, kind: str | None = None) -> list[OutboxRow]:
    """Pending rows (optionally of one kind) that are messages, not fan-outs."""
    with ctx.database.read() as db:
        query = select(OutboxRow).where(OutboxRow.status == "pending").order_by(OutboxRow.id)
        if kind is not None:
            query = query.where(OutboxRow.kind == kind)
        return [row for row in db.scalars(query) if "expand" not in row.payload]


def rows(ctx: ServiceContext) -> list[OutboxRow]:
    with ctx.database.read() as db:
        return list(db.scalars(select(OutboxRow).order_by(OutboxRow.id)))
