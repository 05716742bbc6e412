"""Participants' use cases: sessions open for registration, register, cancel, my data, delete.

Each function is one short transaction. Seats are counted inside the transaction that takes
one, with the session row locked (PostgreSQL) or the write transaction exclusive (SQLite), so
a session never holds more registrations than seats however many people press at once.
Someone moving up from the waitlist is told through the outbox, queued in the transaction that
promotes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import (
    OutboxStatus,
    Participant,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)
from gedsi_bot.domain.registration import (
    ACTIVE,
    SEAT_HOLDING,
    ConsentMissing,
    IncompleteAnswers,
    Profile,
    RegistrationClosed,
    answers_from_participant,
    can_reuse,
    capacity_of,
    decide,
    is_open,
    next_question,
    seats_to_promote,
    snapshot_of,
)
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import language_for
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.notices import promotion_payload
from gedsi_bot.store import outbox
from gedsi_bot.store.aftercare import revoke_certificates
from gedsi_bot.store.participants import (
    ensure_participant_row,
    erase_participant,
    find_participant_row,
    participant_from_row,
    save_profile,
    set_subscribed,
)
from gedsi_bot.store.registrations import (
    apply_snapshot,
    count_seats_taken,
    count_waiting,
    find_registration_row,
    first_waiting,
    lock_session_row,
    place_registration,
    registration_from_row,
    registrations_with_sessions,
    set_status,
    waitlist_position,
)
from gedsi_bot.store.sessions import list_sessions, session_from_row
from gedsi_bot.store.tables import (
    FeedbackRow,
    OutboxRow,
    ParticipantRow,
    RegistrationRow,
    SessionRow,
)

PROMOTION_KIND = "waitlist_promoted"
_FINISHED = frozenset({SessionStatus.DONE, SessionStatus.CANCELLED})


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionListing:
    """A session open for registration, with how full it is."""

    session: Session
    capacity: int
    seats_taken: int
    waiting: int

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


@dataclass(frozen=True, slots=True)
class RegistrationView:
    """One registration of a participant, with its session and place on the waitlist."""

    registration: Registration
    session: Session
    position: int | None = None  # on the waitlist, 1 = next in line

    @property
    def status(self) -> RegistrationStatus:
        return self.registration.status


@dataclass(frozen=True, slots=True)
class RegistrationResult(RegistrationView):
    """The outcome of ``register``; ``already`` when the person held a place before."""

    already: bool = False


@dataclass(frozen=True, slots=True)
class RegistrationStart:
    """What the registration form needs to know before its first question."""

    participant: Participant
    session: Session
    is_open: bool
    current: RegistrationView | None  # the place already held, if any


@dataclass(frozen=True, slots=True)
class CancelResult:
    session: Session
    cancelled: bool  # False when there was nothing active to cancel
    promoted: int = 0  # people moved up from the waitlist and told


@dataclass(frozen=True, slots=True)
class ParticipantData:
    """Everything held about one participant: the profile and every registration."""

    participant: Participant
    registrations: tuple[RegistrationView, ...]

    @property
    def has_profile(self) -> bool:
        return self.participant.full_name is not None

    def as_export(self) -> dict[str, Any]:
        """A JSON-ready copy of the data, for the person's right of access."""
        person = self.participant
        return {
            "telegram_user_id": person.telegram_user_id,
            "language_code": person.language_code,
            "full_name": person.full_name,
            "sex": person.sex.value if person.sex else None,
            "birth_year": person.birth_year,
            "category": person.category.value if person.category else None,
            "institution": person.institution,
            "area_code": person.area_code,
            "disability": person.disability.value if person.disability else None,
            "accessibility_needs": sorted(need.value for need in person.accessibility_needs),
            "guardian_name": person.guardian_name,
            "guardian_consent_at": _iso(person.guardian_consent_at),
            "consent_version": person.consent_version,
            "consent_at": _iso(person.consent_at),
            "subscribed": person.subscribed,
            "registrations": [
                {
                    "session_number": view.session.number,
                    "theme_id": view.session.theme_id,
                    "starts_at": view.session.starts_at.isoformat(),
                    "status": view.status.value,
                    "registered_at": view.registration.created_at.isoformat(),
                    "waitlist_position": view.position,
                    "attendance_minutes": view.registration.attendance_minutes,
                }
                for view in self.registrations
            ],
        }


@dataclass(frozen=True, slots=True)
class DeletionResult:
    cancelled: int  # upcoming registrations cancelled
    promoted: int  # people moved up from waitlists as a result
    revoked: tuple[str, ...] = ()  # serials of the certificates revoked


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- sessions ---------------------------------------------------------------------------------


def upcoming_sessions(ctx: ServiceContext) -> list[SessionListing]:
    """Published sessions of the series that still take registrations, soonest first."""
    now = ctx.clock.now()
    options = ctx.catalog.registration
    with ctx.database.read() as db:
        sessions = list_sessions(
            db,
            series_id=ctx.series_id,
            statuses=(SessionStatus.PUBLISHED,),
            starting_from=now,
        )
        return [
            SessionListing(
                session=session,
                capacity=capacity_of(session, ctx.catalog.series.capacity),
                seats_taken=count_seats_taken(db, session_id=session.id),
                waiting=count_waiting(db, session_id=session.id),
            )
            for session in sessions
            if is_open(session, options, now)
        ]


def session_by_code(ctx: ServiceContext, code: str) -> Session:
    """The session a flyer's registration code names; ``NotFound`` if none does."""
    with ctx.database.read() as db:
        row = db.scalar(
            select(SessionRow).where(
                SessionRow.registration_code == code, SessionRow.series_id == ctx.series_id
            )
        )
        if row is None:
            raise NotFound(f"registration code {code}")
        return session_from_row(row)


def get_session(ctx: ServiceContext, session_id: int) -> Session:
    with ctx.database.read() as db:
        row = db.get(SessionRow, session_id)
        if row is None or row.series_id != ctx.series_id:
            raise NotFound(f"session id {session_id}")
        return session_from_row(row)


def is_session_open(ctx: ServiceContext, session: Session) -> bool:
    return is_open(session, ctx.catalog.registration, ctx.clock.now())


# --- participants -----------------------------------------------------------------------------


def open_participant(
    ctx: ServiceContext,
    *,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    subscribe: bool | None = None,
) -> Participant:
    """The participant of a Telegram account, created on first contact.

    ``subscribe`` switches announcements on or off when given.
    """
    now = ctx.clock.now()
    with ctx.database.write() as db:
        row = ensure_participant_row(
            db,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language_code=language_code,
            now=now,
        )
        if subscribe is not None:
            set_subscribed(row, subscribed=subscribe, now=now)
        return participant_from_row(row)


def find_participant(ctx: ServiceContext, telegram_user_id: int) -> Participant | None:
    with ctx.database.read() as db:
        row = find_participant_row(db, telegram_user_id=telegram_user_id)
        return participant_from_row(row) if row else None


def set_subscription(ctx: ServiceContext, *, telegram_user_id: int, subscribed: bool) -> bool:
    """Switch announcements on or off; ``False`` if the account is unknown."""
    with ctx.database.write() as db:
        row = find_participant_row(db, telegram_user_id=telegram_user_id)
        if row is None:
            return False
        set_subscribed(row, subscribed=subscribed, now=ctx.clock.now())
        return True


# --- registering ------------------------------------------------------------------------------


def start_registration(
    ctx: ServiceContext,
    *,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    session_id: int,
) -> RegistrationStart:
    """The participant (created on first contact), the session and any place already held."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        session_row = db.get(SessionRow, session_id)
        if session_row is None or session_row.series_id != ctx.series_id:
            raise NotFound(f"session id {session_id}")
        session = session_from_row(session_row)
        person = ensure_participant_row(
            db,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language_code=language_code,
            now=now,
        )
        db.flush()
        row = find_registration_row(db, session_id=session.id, participant_id=person.id)
        current = None
        if row is not None and RegistrationStatus(row.status) in ACTIVE:
            current = _view(db, row, session)
        return RegistrationStart(
            participant=participant_from_row(person),
            session=session,
            is_open=is_open(session, ctx.catalog.registration, now),
            current=current,
        )


def _session_date(ctx: ServiceContext, session: Session) -> dt.date:
    return session.starts_at.astimezone(ctx.catalog.series.zone).date()


def _view(db: DbSession, row: RegistrationRow, session: Session) -> RegistrationView:
    position = None
    if row.status == RegistrationStatus.WAITLISTED.value:
        position = waitlist_position(db, row)
    return RegistrationView(registration_from_row(row), session, position)


def register(
    ctx: ServiceContext,
    *,
    telegram_user_id: int,
    chat_id: int,
    session_id: int,
    language_code: str | None = None,
    profile: Profile | None = None,
    consent_version: str | None = None,
) -> RegistrationResult:
    """Register an account for a session: a seat while seats remain, else the waitlist.

    With ``profile``, the answers are stored first and ``consent_version`` must be the version
    of the privacy notice the person just agreed to. Without it, the data held is re-used, which
    needs a complete profile under the current notice. Registering twice returns the place held.
    Raises ``RegistrationClosed``, ``SessionFull``, ``ConsentMissing``, ``IncompleteAnswers``.
    """
    now = ctx.clock.now()
    options = ctx.catalog.registration
    today = now.astimezone(ctx.catalog.series.zone).date()
    if profile is not None and consent_version != options.consent_version:
        raise ConsentMissing("the current privacy notice was not agreed to")
    with ctx.database.write() as db:
        session_row = lock_session_row(db, session_id=session_id)
        if session_row is None or session_row.series_id != ctx.series_id:
            raise NotFound(f"session id {session_id}")
        session = session_from_row(session_row)
        person = ensure_participant_row(
            db,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language_code=language_code,
            now=now,
        )
        if profile is not None:
            save_profile(person, profile, consent_version=consent_version, now=now)
        else:
            _require_reusable(participant_from_row(person), ctx, today)

        existing = find_registration_row(db, session_id=session.id, participant_id=person.id)
        if existing is not None and RegistrationStatus(existing.status) in ACTIVE:
            view = _view(db, existing, session)
            return RegistrationResult(view.registration, session, view.position, already=True)

        status = decide(
            session=session,
            options=options,
            capacity=capacity_of(session, ctx.catalog.series.capacity),
            seats_taken=count_seats_taken(db, session_id=session.id),
            now=now,
        )
        row = place_registration(
            db,
            session_id=session.id,
            participant_id=person.id,
            status=status,
            snapshot=snapshot_of(participant_from_row(person), on=_session_date(ctx, session)),
            now=now,
            existing=existing,
        )
        view = _view(db, row, session)
        return RegistrationResult(view.registration, session, view.position)


def _require_reusable(participant: Participant, ctx: ServiceContext, today: dt.date) -> None:
    options = ctx.catalog.registration
    if can_reuse(participant, options, today):
        return
    if participant.consent_version != options.consent_version:
        raise ConsentMissing("the data held was given under another privacy notice")
    question = next_question(answers_from_participant(participant, today), options, today)
    assert question is not None
    raise IncompleteAnswers(question)


# --- cancelling and the waitlist ---------------------------------------------------------------


def cancel_registration(
    ctx: ServiceContext, *, telegram_user_id: int, session_id: int
) -> CancelResult:
    """Give up a place (or a place on the waitlist); the first in line moves up and is told."""
    now = ctx.clock.now()
    with ctx.database.write() as db:
        session_row = lock_session_row(db, session_id=session_id)
        if session_row is None or session_row.series_id != ctx.series_id:
            raise NotFound(f"session id {session_id}")
        session = session_from_row(session_row)
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        row = (
            find_registration_row(db, session_id=session.id, participant_id=person.id)
            if person
            else None
        )
        if row is None or RegistrationStatus(row.status) not in ACTIVE:
            return CancelResult(session, cancelled=False)
        if session.status in _FINISHED or session.starts_at <= now:
            raise RegistrationClosed(f"session {session.id} has started")
        set_status(row, RegistrationStatus.CANCELLED, now=now)
        db.flush()
        promoted = _promote_waiting(ctx, db, session, now)
        return CancelResult(session, cancelled=True, promoted=promoted)


def _promote_waiting(
    ctx: ServiceContext, db: DbSession, session: Session, now: dt.datetime
) -> int:
    """Fill free seats from the waitlist, telling each person through the outbox."""
    if session.status is not SessionStatus.PUBLISHED or session.starts_at <= now:
        return 0
    count = seats_to_promote(
        capacity=capacity_of(session, ctx.catalog.series.capacity),
        seats_taken=count_seats_taken(db, session_id=session.id),
        waiting=count_waiting(db, session_id=session.id),
    )
    promoted = first_waiting(db, session_id=session.id, limit=count)
    for row in promoted:
        set_status(row, RegistrationStatus.REGISTERED, now=now)
        person = db.get(ParticipantRow, row.participant_id)
        if person is None or person.chat_id is None:
            continue
        outbox.enqueue(
            db,
            kind=PROMOTION_KIND,
            chat_id=person.chat_id,
            payload=promotion_payload(
                session,
                registration_from_row(row),
                ctx.catalog,
                language_for(person.language_code),
            ),
            due_at=now,
            dedupe_key=f"{PROMOTION_KIND}:{row.id}:{now.isoformat()}",
            session_id=session.id,
        )
    return len(promoted)


# --- my data ----------------------------------------------------------------------------------


def my_registrations(
    ctx: ServiceContext, telegram_user_id: int, *, upcoming_only: bool = True
) -> list[RegistrationView]:
    """The account's active registrations (upcoming ones only, by default), soonest first."""
    now = ctx.clock.now()
    with ctx.database.read() as db:
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        if person is None:
            return []
        views = []
        for row, session_row in registrations_with_sessions(db, participant_id=person.id):
            session = session_from_row(session_row)
            if upcoming_only and (
                RegistrationStatus(row.status) not in ACTIVE
                or session.status in _FINISHED
                or session.starts_at <= now
            ):
                continue
            views.append(_view(db, row, session))
        return views


def registration_for(
    ctx: ServiceContext, *, telegram_user_id: int, session_id: int
) -> RegistrationView | None:
    """The account's registration for one session, if it has one."""
    with ctx.database.read() as db:
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        session_row = db.get(SessionRow, session_id)
        if person is None or session_row is None:
            return None
        row = find_registration_row(db, session_id=session_id, participant_id=person.id)
        return _view(db, row, session_from_row(session_row)) if row else None


def participant_data(ctx: ServiceContext, telegram_user_id: int) -> ParticipantData | None:
    """Everything held about an account, or ``None`` if nothing is."""
    with ctx.database.read() as db:
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        if person is None:
            return None
        views = tuple(
            _view(db, row, session_from_row(session_row))
            for row, session_row in registrations_with_sessions(db, participant_id=person.id)
        )
        return ParticipantData(participant_from_row(person), views)


def update_profile(ctx: ServiceContext, *, telegram_user_id: int, profile: Profile) -> int:
    """Correct the data held; the snapshots of registrations for sessions not yet held follow.

    Returns how many registrations were updated; ``NotFound`` for an unknown account.
    """
    now = ctx.clock.now()
    with ctx.database.write() as db:
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        if person is None:
            raise NotFound(f"participant of telegram user {telegram_user_id}")
        save_profile(person, profile, consent_version=None, now=now)
        participant = participant_from_row(person)
        updated = 0
        for row, session_row in registrations_with_sessions(db, participant_id=person.id):
            session = session_from_row(session_row)
            if session.status in _FINISHED or session.ends_at <= now:
                continue
            apply_snapshot(row, snapshot_of(participant, on=_session_date(ctx, session)))
            row.updated_at = now
            updated += 1
        return updated


def delete_personal_data(ctx: ServiceContext, *, telegram_user_id: int) -> DeletionResult | None:
    """Erase what identifies a person, on their request (UU 27/2022).

    Upcoming registrations are cancelled (moving others up from the waitlists); past ones keep
    only their anonymous snapshot, so report totals do not change; free-text feedback and
    messages still queued for the person go; their certificates are revoked and forget the
    name. ``None`` if the account is unknown.
    """
    now = ctx.clock.now()
    with ctx.database.write() as db:
        person = find_participant_row(db, telegram_user_id=telegram_user_id)
        if person is None:
            return None
        cancelled = promoted = 0
        for row, session_row in registrations_with_sessions(db, participant_id=person.id):
            session = session_from_row(session_row)
            upcoming = session.status not in _FINISHED and session.starts_at > now
            if upcoming and RegistrationStatus(row.status) in ACTIVE:
                lock_session_row(db, session_id=session.id)
                held_seat = RegistrationStatus(row.status) in SEAT_HOLDING
                set_status(row, RegistrationStatus.CANCELLED, now=now)
                db.flush()
                cancelled += 1
                if held_seat:
                    promoted += _promote_waiting(ctx, db, session, now)
            row.personal_join_url = None
            row.zoom_registrant_id = None
        _erase_feedback_text(db, participant_id=person.id)
        revoked = revoke_certificates(db, participant_id=person.id, now=now)
        if person.chat_id is not None:
            db.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.chat_id == person.chat_id,
                    OutboxRow.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.CANCELLED.value)
            )
        erase_participant(person, now=now)
        return DeletionResult(cancelled=cancelled, promoted=promoted, revoked=tuple(revoked))


def _erase_feedback_text(db: DbSession, *, participant_id: int) -> None:
    """Free text may name people; ratings stay for the satisfaction report."""
    registration_ids = select(RegistrationRow.id).where(
        RegistrationRow.participant_id == participant_id
    )
    db.execute(
        update(FeedbackRow)
        .where(FeedbackRow.registration_id.in_(registration_ids))
        .values(most_useful=None, comment=None, suggested_theme_text=None)
    )
