"""Who attended: read from Zoom after each session, marked by the admins, or declared by people.

``import_due_attendance`` runs periodically: for each held session that ended a few minutes
ago and was not read yet it pulls Zoom's participant report (``meetings.import_attendance``),
and records that it did. A session whose meeting has no report to read (entered by hand from
the IT office, or no Zoom credentials) is left to the admins, who mark it with ``/hadir``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from gedsi_bot.domain.attendance import (
    ImportOutcome,
    give_up_import,
    import_due,
)
from gedsi_bot.domain.meetings import MeetingOptions
from gedsi_bot.domain.model import MeetingSource, RegistrationStatus, Session, SessionStatus
from gedsi_bot.errors import InvalidInput, NotFound
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.meetings import AttendanceReport, import_attendance
from gedsi_bot.store.aftercare import (
    AttendanceLine,
    PlaceHeld,
    attendance_lines,
    import_outcome,
    lock_registration,
    mark_import,
    places_of,
    sessions_awaiting_attendance,
    set_attendance,
)
from gedsi_bot.store.meetings import ADMIN_ATTENDANCE, SELF_ATTENDANCE
from gedsi_bot.store.sessions import get_session
from gedsi_bot.zoom.client import ZoomClient
from gedsi_bot.zoom.errors import ZoomError, ZoomNotFound

log = logging.getLogger(__name__)

# How long after a session people may still say they attended.
SELF_DECLARATION_WINDOW = dt.timedelta(days=7)
_DECLARABLE = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.NO_SHOW, RegistrationStatus.ATTENDED}
)


class NotHeldYet(InvalidInput):
    """Attendance of a session that has not begun (or was cancelled) cannot be marked."""

    def __init__(self, number: int) -> None:
        super().__init__(f"session {number} has not been held")
        self.number = number


class SelfDeclarationOff(InvalidInput):
    """The office records attendance itself (``certificates.self_declared_attendance``)."""

    def __init__(self) -> None:
        super().__init__("self-declared attendance is switched off")


class NothingToDeclare(InvalidInput):
    """The person has no place in a session that has begun (recently enough)."""

    def __init__(self) -> None:
        super().__init__("no session to declare attendance for")


# --- from Zoom -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceRun:
    """What one periodic run did for one session."""

    session: Session
    outcome: ImportOutcome
    report: AttendanceReport | None = None  # for ``ZOOM``


async def import_due_attendance(
    ctx: ServiceContext, zoom: ZoomClient | None, *, options: MeetingOptions
) -> list[AttendanceRun]:
    """Read the attendance of every session whose report is due; what was decided, per session.

    A session whose report is not there yet (Zoom still preparing it, or away) is tried again
    on the next run, up to a day after it ended for a meeting gedsi-bot created.
    """
    now = ctx.clock.now()
    with ctx.database.read() as db:
        waiting = sessions_awaiting_attendance(db, series_id=ctx.series_id, now=now)
    runs = []
    for session in waiting:
        if not import_due(ends_at=session.ends_at, now=now):
            continue
        run = await _import_one(ctx, zoom, session, options=options, now=now)
        if run is not None:
            runs.append(run)
    return runs


async def _import_one(
    ctx: ServiceContext,
    zoom: ZoomClient | None,
    session: Session,
    *,
    options: MeetingOptions,
    now: dt.datetime,
) -> AttendanceRun | None:
    meeting = session.meeting
    if meeting is None or zoom is None:
        return _settle(ctx, session, ImportOutcome.FOR_ADMIN, now)
    manual = meeting.source is MeetingSource.MANUAL
    try:
        report = await import_attendance(
            ctx.database,
            zoom,
            catalog=ctx.catalog,
            options=options,
            series_id=ctx.series_id,
            number=session.number,
        )
    except ZoomNotFound:
        log.info("session %s: no participant report at Zoom", session.number)
        if give_up_import(ends_at=session.ends_at, now=now, manual=manual):
            return _settle(ctx, session, ImportOutcome.FOR_ADMIN, now)
        return None
    except ZoomError as error:
        log.warning("session %s: attendance not read: %s", session.number, type(error).__name__)
        if give_up_import(ends_at=session.ends_at, now=now, manual=False):
            return _settle(ctx, session, ImportOutcome.FOR_ADMIN, now)
        return None
    return _settle(ctx, session, ImportOutcome.ZOOM, now, report)


def _settle(
    ctx: ServiceContext,
    session: Session,
    outcome: ImportOutcome,
    now: dt.datetime,
    report: AttendanceReport | None = None,
) -> AttendanceRun | None:
    with ctx.database.write() as db:
        first = mark_import(db, session_id=session.id, outcome=outcome, now=now)
    if not first:
        return None  # another run settled it meanwhile
    log.info("session %s: attendance %s", session.number, outcome.value)
    return AttendanceRun(session=session, outcome=outcome, report=report)


# --- by the admins -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceSheet:
    """A session's registrations with their attendance, for the admins."""

    session: Session
    lines: tuple[AttendanceLine, ...]
    imported: ImportOutcome | None

    @property
    def attended(self) -> int:
        return sum(line.status is RegistrationStatus.ATTENDED for line in self.lines)


@dataclass(frozen=True, slots=True)
class MarkResult:
    session: Session
    changed: tuple[int, ...]
    unknown: tuple[int, ...]  # ids that are not (active) registrations of this session


def _held_session(ctx: ServiceContext, number: int) -> Session:
    with ctx.database.read() as db:
        session = get_session(db, series_id=ctx.series_id, number=number)
    if session.status is SessionStatus.CANCELLED or session.starts_at > ctx.clock.now():
        raise NotHeldYet(number)
    return session


def session_id_of(ctx: ServiceContext, *, number: int) -> int:
    """The id of session ``number``; ``NotFound`` if there is none."""
    with ctx.database.read() as db:
        return get_session(db, series_id=ctx.series_id, number=number).id


def attendance_sheet(ctx: ServiceContext, *, number: int) -> AttendanceSheet:
    """Session ``number``'s registrations; ``NotFound``, or ``NotHeldYet`` before it begins."""
    session = _held_session(ctx, number)
    with ctx.database.read() as db:
        lines = attendance_lines(db, session_id=session.id)
        imported = import_outcome(db, session_id=session.id)
    return AttendanceSheet(session=session, lines=tuple(lines), imported=imported)


def mark_attendance(
    ctx: ServiceContext, *, number: int, registration_ids: list[int], attended: bool = True
) -> MarkResult:
    """Mark registrations of session ``number`` attended (or not) by hand.

    What an admin marks stays as marked, even if Zoom's report is read later.
    """
    session = _held_session(ctx, number)
    status = RegistrationStatus.ATTENDED if attended else RegistrationStatus.NO_SHOW
    with ctx.database.write() as db:
        changed, unknown = set_attendance(
            db,
            session_id=session.id,
            registration_ids=registration_ids,
            status=status,
            source=ADMIN_ATTENDANCE,
            now=ctx.clock.now(),
        )
    log.info("session %s: %s registrations marked %s by hand", number, len(changed), status)
    return MarkResult(session=session, changed=tuple(changed), unknown=tuple(unknown))


def toggle_attendance(ctx: ServiceContext, *, number: int, registration_id: int) -> MarkResult:
    """Flip one registration between attended and not (the admins' list buttons)."""
    sheet = attendance_sheet(ctx, number=number)
    line = next((x for x in sheet.lines if x.registration_id == registration_id), None)
    if line is None:
        return MarkResult(session=sheet.session, changed=(), unknown=(registration_id,))
    attended = line.status is not RegistrationStatus.ATTENDED
    return mark_attendance(
        ctx, number=number, registration_ids=[registration_id], attended=attended
    )


# --- by the person -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Declaration:
    registration_id: int
    session: Session
    already: bool  # the person was marked attended before


def declarable_place(
    ctx: ServiceContext, *, telegram_user_id: int, number: int | None
) -> PlaceHeld | None:
    """The place a person may say they attended: session ``number``, or the latest one."""
    now = ctx.clock.now()
    with ctx.database.read() as db:
        places = places_of(db, telegram_user_id=telegram_user_id, series_id=ctx.series_id)
    for place in places:
        session = place.session
        if number is not None and session.number != number:
            continue
        if (
            place.status in _DECLARABLE
            and session.status is not SessionStatus.CANCELLED
            and session.starts_at <= now <= session.ends_at + SELF_DECLARATION_WINDOW
        ):
            return place
    return None


def declare_attendance(
    ctx: ServiceContext, *, telegram_user_id: int, number: int | None = None
) -> Declaration:
    """Record that the person attended, in their own word (source ``self``).

    Only where ``certificates.self_declared_attendance`` is on (``SelfDeclarationOff``), for a
    session that has begun and ended at most a week ago (``NothingToDeclare``).
    """
    if not ctx.catalog.certificates.self_declared_attendance:
        raise SelfDeclarationOff
    place = declarable_place(ctx, telegram_user_id=telegram_user_id, number=number)
    if place is None:
        raise NothingToDeclare
    with ctx.database.write() as db:
        row = lock_registration(db, registration_id=place.registration_id)
        if row is None:
            raise NotFound(f"registration {place.registration_id}")
        already = row.status == RegistrationStatus.ATTENDED.value
        if not already:
            row.status = RegistrationStatus.ATTENDED.value
            row.attendance_source = SELF_ATTENDANCE
            row.updated_at = ctx.clock.now()
    log.info("registration %s: attendance declared by the person", place.registration_id)
    return Declaration(
        registration_id=place.registration_id, session=place.session, already=already
    )
