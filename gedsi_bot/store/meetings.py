"""Sessions' meetings, registrants' personal links and attendance: queries returning values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import Meeting, RegistrationStatus, Session
from gedsi_bot.errors import NotFound
from gedsi_bot.store.sessions import session_from_row
from gedsi_bot.store.tables import ParticipantRow, RegistrationRow, SessionRow

ZOOM_ATTENDANCE = "zoom"
ADMIN_ATTENDANCE = "admin"
SELF_ATTENDANCE = "self"  # the person said they attended, where the office allows it
# Attendance a person set by hand, which a (re-)import from Zoom leaves as it is.
HAND_SET_ATTENDANCE = frozenset({ADMIN_ATTENDANCE, SELF_ATTENDANCE})


@dataclass(frozen=True, slots=True)
class MeetingReservation:
    """A session about to get a meeting, and the key its request to Zoom carries."""

    session: Session
    request_key: str | None
    key_is_new: bool  # False: an earlier attempt used this key and may have made the meeting


@dataclass(frozen=True, slots=True)
class RegistrationForZoom:
    registration_id: int
    participant_id: int
    full_name: str | None
    session: Session
    registrant_id: str | None
    personal_join_url: str | None


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    registration_id: int
    participant_id: int
    status: RegistrationStatus
    full_name: str | None
    registrant_id: str | None
    attendance_source: str | None
    attendance_minutes: int | None


def _session_row(db: DbSession, *, series_id: int, number: int, lock: bool = False) -> SessionRow:
    query = select(SessionRow).where(
        SessionRow.series_id == series_id, SessionRow.number == number
    )
    if lock:
        query = query.with_for_update()
    row = db.scalar(query)
    if row is None:
        raise NotFound(f"sesi #{number}")
    return row


def meeting_of(db: DbSession, *, series_id: int, number: int) -> tuple[Session, str | None]:
    """Session ``number`` and the request key of its meeting, if one was ever asked for."""
    row = _session_row(db, series_id=series_id, number=number)
    return session_from_row(row), row.meeting_request_key


def reserve_meeting_request(
    db: DbSession, *, series_id: int, number: int, new_key: str
) -> MeetingReservation:
    """Record the key of the coming request, unless the session has a meeting or a key already.

    The caller commits this before asking Zoom, so a retry after a crash asks with the same key
    and can find the meeting made the first time.
    """
    row = _session_row(db, series_id=series_id, number=number, lock=True)
    session = session_from_row(row)
    if session.meeting is not None:
        return MeetingReservation(session, row.meeting_request_key, key_is_new=False)
    if row.meeting_request_key:
        return MeetingReservation(session, row.meeting_request_key, key_is_new=False)
    row.meeting_request_key = new_key
    return MeetingReservation(session, new_key, key_is_new=True)


def _write_meeting(row: SessionRow, meeting: Meeting) -> None:
    row.meeting_id = meeting.meeting_id
    row.meeting_passcode = meeting.passcode
    row.meeting_join_url = meeting.join_url
    row.meeting_host_url = meeting.host_url
    row.meeting_source = meeting.source.value
    row.meeting_uses_registration = meeting.uses_registration


def save_meeting_once(db: DbSession, *, series_id: int, number: int, meeting: Meeting) -> Meeting:
    """Store ``meeting`` unless the session got one meanwhile; returns the session's meeting."""
    row = _session_row(db, series_id=series_id, number=number, lock=True)
    existing = session_from_row(row).meeting
    if existing is not None:
        return existing
    _write_meeting(row, meeting)
    return meeting


def replace_meeting(db: DbSession, *, series_id: int, number: int, meeting: Meeting) -> Session:
    """Store ``meeting`` as the session's meeting, whatever it had."""
    row = _session_row(db, series_id=series_id, number=number, lock=True)
    _write_meeting(row, meeting)
    row.meeting_request_key = None
    return session_from_row(row)


def clear_meeting(db: DbSession, *, series_id: int, number: int) -> None:
    """Forget the session's meeting and its request key (after it was deleted)."""
    row = _session_row(db, series_id=series_id, number=number, lock=True)
    row.meeting_id = row.meeting_passcode = row.meeting_join_url = None
    row.meeting_host_url = row.meeting_source = row.meeting_request_key = None
    row.meeting_uses_registration = False
    for registration in db.scalars(
        select(RegistrationRow).where(RegistrationRow.session_id == row.id)
    ):
        registration.zoom_registrant_id = None
        registration.personal_join_url = None


def save_host_url(
    db: DbSession, *, series_id: int, number: int, meeting_id: str, url: str
) -> None:
    """Keep the latest host link, if the session still has that meeting."""
    row = _session_row(db, series_id=series_id, number=number)
    if row.meeting_id == meeting_id:
        row.meeting_host_url = url


def registration_for_zoom(db: DbSession, *, registration_id: int) -> RegistrationForZoom:
    found = db.execute(
        select(RegistrationRow, ParticipantRow, SessionRow)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(RegistrationRow.id == registration_id)
    ).one_or_none()
    if found is None:
        raise NotFound(f"pendaftaran {registration_id}")
    registration, participant, session = found
    return RegistrationForZoom(
        registration_id=registration.id,
        participant_id=participant.id,
        full_name=participant.full_name,
        session=session_from_row(session),
        registrant_id=registration.zoom_registrant_id,
        personal_join_url=registration.personal_join_url,
    )


def save_registrant(
    db: DbSession, *, registration_id: int, meeting_id: str, registrant_id: str, join_url: str
) -> bool:
    """Keep a personal join link, if the registration's session still has that meeting."""
    found = db.execute(
        select(RegistrationRow, SessionRow.meeting_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(RegistrationRow.id == registration_id)
    ).one_or_none()
    if found is None or found[1] != meeting_id:
        return False
    registration = found[0]
    registration.zoom_registrant_id = registrant_id
    registration.personal_join_url = join_url
    return True


def attendance_rows(db: DbSession, *, session_id: int) -> list[AttendanceRow]:
    """Every registration of a session with what attendance matching needs."""
    rows = db.execute(
        select(RegistrationRow, ParticipantRow.full_name)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(RegistrationRow.session_id == session_id)
        .order_by(RegistrationRow.id)
    )
    return [
        AttendanceRow(
            registration_id=registration.id,
            participant_id=registration.participant_id,
            status=RegistrationStatus(registration.status),
            full_name=full_name,
            registrant_id=registration.zoom_registrant_id,
            attendance_source=registration.attendance_source,
            attendance_minutes=registration.attendance_minutes,
        )
        for registration, full_name in rows
    ]


def record_attendance(
    db: DbSession, *, outcomes: Mapping[int, tuple[RegistrationStatus, int | None]]
) -> int:
    """Store status and minutes per registration id, as read from Zoom; returns rows changed."""
    if not outcomes:
        return 0
    changed = 0
    for registration in db.scalars(
        select(RegistrationRow).where(RegistrationRow.id.in_(list(outcomes)))
    ):
        status, minutes = outcomes[registration.id]
        if (
            registration.status != status.value
            or registration.attendance_minutes != minutes
            or registration.attendance_source != ZOOM_ATTENDANCE
        ):
            registration.status = status.value
            registration.attendance_minutes = minutes
            registration.attendance_source = ZOOM_ATTENDANCE
            changed += 1
    return changed
