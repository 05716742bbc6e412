"""Sessions' Zoom meetings: create, enter by hand, move, cancel, links and attendance.

Publishing, rescheduling and cancelling a session, the bot and the CLI all call these. An
API-created and a hand-entered meeting end up in the same columns and look the same downstream;
only what needs Zoom's API (moving, deleting, host links, personal links) differs, and the
answer says so instead of failing.

Creating is idempotent. The request key is committed before Zoom is asked and travels in the
meeting's agenda; if the process dies between Zoom's answer and the commit, or the answer is
lost, the next attempt finds the meeting by that key instead of making a second one.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.attendance import (
    Attendee,
    MatchedBy,
    Registrant,
    status_after_attendance,
    summarise_attendance,
)
from gedsi_bot.domain.meetings import (
    MeetingOptions,
    MeetingPlan,
    MeetingProblem,
    ZoomMeeting,
    check_manual_meeting,
    passcode_from,
    plan_meeting,
    request_marker,
)
from gedsi_bot.domain.model import (
    Meeting,
    MeetingSource,
    RegistrationStatus,
    Session,
    SessionStatus,
    format_meeting_id,
)
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import InvalidInput, MissingCredentials
from gedsi_bot.locale import Language, t
from gedsi_bot.store import Database
from gedsi_bot.store.meetings import (
    HAND_SET_ATTENDANCE,
    attendance_rows,
    clear_meeting,
    meeting_of,
    record_attendance,
    registration_for_zoom,
    replace_meeting,
    reserve_meeting_request,
    save_host_url,
    save_meeting_once,
    save_registrant,
)
from gedsi_bot.zoom.client import ZoomClient
from gedsi_bot.zoom.errors import ZoomNotFound, ZoomUnavailable

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 3  # asks to create, each after looking for a meeting an earlier one made
_CLOSED = frozenset({SessionStatus.CANCELLED, SessionStatus.DONE})
_ZOOM_VARIABLES = ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")


# --- errors the office can act on (messages: locale ``zoom.problem.*``) --------------------


class SessionClosed(InvalidInput):
    """The session is cancelled or done; it gets no meeting."""

    def __init__(self, number: int, status: SessionStatus) -> None:
        super().__init__(f"session {number} is {status.value}")
        self.number = number
        self.status = status


class NoMeeting(InvalidInput):
    """The session has no meeting yet."""

    def __init__(self, number: int) -> None:
        super().__init__(f"session {number} has no meeting")
        self.number = number


class HasApiMeeting(InvalidInput):
    """A hand-entered meeting would orphan the meeting gedsi-bot created at Zoom."""

    def __init__(self, number: int, meeting_id: str) -> None:
        super().__init__(f"session {number} has API meeting {meeting_id}")
        self.number = number
        self.meeting_id = meeting_id


class InvalidMeeting(InvalidInput):
    """A hand-entered meeting breaks one of Zoom's rules (``problem`` says which)."""

    def __init__(self, problem: MeetingProblem) -> None:
        super().__init__(f"invalid meeting: {problem.value}")
        self.problem = problem


def describe_problem(error: Exception, language: Language) -> str | None:
    """The office's message for a meeting problem it can fix, or ``None`` for other errors."""
    if isinstance(error, InvalidMeeting):
        return t(f"zoom.problem.{error.problem.value}", language)
    if isinstance(error, SessionClosed):
        status = t(f"cli.status.{error.status.value}", language)
        return t("zoom.problem.session_closed", language, number=error.number, status=status)
    if isinstance(error, NoMeeting):
        return t("zoom.problem.no_meeting", language, number=error.number)
    if isinstance(error, HasApiMeeting):
        shown = format_meeting_id(error.meeting_id)
        return t("zoom.problem.has_api_meeting", language, number=error.number, meeting_id=shown)
    return None


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingResult:
    number: int
    meeting: Meeting
    created: bool  # False: the session already had this meeting and nothing changed


class MeetingChange(StrEnum):
    """What moving or cancelling did to the meeting."""

    UPDATED = "updated"  # Zoom's meeting now has the session's new time
    DELETED = "deleted"  # Zoom's meeting is gone (or was already)
    MANUAL = "manual"  # a hand-entered meeting: the office changes it at Zoom itself
    NO_MEETING = "no_meeting"  # the session had none


@dataclass(frozen=True, slots=True)
class AttendanceReport:
    number: int
    meeting_id: str
    records: int  # join/leave records Zoom reported
    attended: int
    no_show: int
    matched: dict[MatchedBy, int]
    unmatched: tuple[Attendee, ...]
    kept: int  # registrations whose attendance was set by hand, left as they were
    changed: int


# --- helpers ---------------------------------------------------------------------------------


def new_request_key(series_id: int, number: int) -> str:
    return f"gedsi-{series_id}-{number}-{secrets.token_hex(8)}"


def new_passcode() -> str:
    return passcode_from(secrets.randbelow(1 << 16) for _ in range(8))


def registrant_email(participant_id: int, options: MeetingOptions) -> str:
    """The address Zoom registers a participant under (Zoom needs one; nobody mails it)."""
    return f"peserta-{participant_id}@{options.registrant_email_domain}"


def _plan(
    catalog: Catalog,
    options: MeetingOptions,
    session: Session,
    *,
    request_key: str,
    passcode: str | None,
) -> MeetingPlan:
    series = catalog.series
    try:
        theme = catalog.theme(session.theme_id)
        title, summary = theme.title, theme.summary
    except KeyError:  # the theme left the catalog after the session was planned
        title, summary = session.theme_id, ""
    return plan_meeting(
        series_name=series.name,
        tagline=series.tagline,
        organiser=series.organiser,
        timezone=series.timezone,
        number=session.number,
        theme_title=title,
        theme_summary=summary,
        starts_at=session.starts_at,
        duration_minutes=session.duration_minutes,
        request_key=request_key,
        passcode=passcode,
        options=options,
    )


def _require(client: ZoomClient | None) -> ZoomClient:
    if client is None:
        raise MissingCredentials("Zoom", _ZOOM_VARIABLES)
    return client


# --- creating ----------------------------------------------------------------------------------


async def ensure_meeting(
    database: Database,
    client: ZoomClient,
    *,
    catalog: Catalog,
    options: MeetingOptions,
    series_id: int,
    number: int,
) -> MeetingResult:
    """Give session ``number`` a Zoom meeting, unless it has one (then nothing changes)."""
    with database.write() as db:
        session, _ = meeting_of(db, series_id=series_id, number=number)
        if session.meeting is None and session.status in _CLOSED:
            raise SessionClosed(number, session.status)
        reservation = reserve_meeting_request(
            db, series_id=series_id, number=number, new_key=new_request_key(series_id, number)
        )
    if reservation.session.meeting is not None:
        return MeetingResult(number, reservation.session.meeting, created=False)
    key = reservation.request_key
    assert key is not None  # reserved above
    plan = _plan(catalog, options, reservation.session, request_key=key, passcode=new_passcode())
    made = await _find_or_create(
        client, plan, user_id=options.user_id, key=key, look_first=not reservation.key_is_new
    )
    with database.write() as db:
        stored = save_meeting_once(
            db, series_id=series_id, number=number, meeting=made.as_meeting()
        )
    if stored.meeting_id != made.meeting_id:
        # Another process stored its meeting first; ours would be a second one at Zoom.
        log.warning("session %s: meeting %s made twice; deleting ours", number, made.meeting_id)
        await _delete_quietly(client, made.meeting_id)
        return MeetingResult(number, stored, created=False)
    log.info("session %s: meeting %s stored", number, made.meeting_id)
    return MeetingResult(number, stored, created=True)


async def _find_or_create(
    client: ZoomClient, plan: MeetingPlan, *, user_id: str, key: str, look_first: bool
) -> ZoomMeeting:
    """The meeting asked for under ``key``: found at Zoom if an earlier try made it, else new."""
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        if look_first:
            found = await _find_by_key(client, user_id=user_id, key=key)
            if found is not None:
                log.info("meeting %s found by its request key", found.meeting_id)
                if found.differs_from(plan):
                    await client.update_meeting(found.meeting_id, plan)
                return found
        try:
            return await client.create_meeting(plan, user_id=user_id)
        except ZoomUnavailable:
            if attempt == CREATE_ATTEMPTS:
                raise
            log.warning("creating a meeting failed (try %s); looking for it", attempt)
            look_first = True
    raise AssertionError("unreachable")  # pragma: no cover


async def _find_by_key(client: ZoomClient, *, user_id: str, key: str) -> ZoomMeeting | None:
    marker = request_marker(key)
    for listed in await client.list_meetings(user_id=user_id):
        if marker in listed.agenda:
            return await client.get_meeting(listed.meeting_id)
    return None


async def _delete_quietly(client: ZoomClient, meeting_id: str) -> None:
    with contextlib.suppress(ZoomNotFound):  # already gone is as good as deleted
        await client.delete_meeting(meeting_id)


# --- hand-entered --------------------------------------------------------------------------


def set_manual_meeting(
    database: Database,
    *,
    series_id: int,
    number: int,
    meeting_id: str,
    passcode: str | None,
    join_url: str,
    host_url: str | None = None,
) -> Meeting:
    """Store a meeting typed in by the office (e.g. from the IT office), checked as Zoom would.

    A hand-entered meeting replaces an earlier hand-entered one; it refuses to replace a
    meeting gedsi-bot created at Zoom (``HasApiMeeting``), which must be deleted first.
    """
    checked = check_manual_meeting(
        meeting_id=meeting_id, passcode=passcode, join_url=join_url, host_url=host_url
    )
    if checked.problem is not None:
        raise InvalidMeeting(checked.problem)
    meeting = Meeting(
        meeting_id=checked.meeting_id,
        passcode=checked.passcode,
        join_url=checked.join_url,
        source=MeetingSource.MANUAL,
        host_url=checked.host_url,
    )
    with database.write() as db:
        session, _ = meeting_of(db, series_id=series_id, number=number)
        if session.status in _CLOSED:
            raise SessionClosed(number, session.status)
        current = session.meeting
        if current is not None and current.source is MeetingSource.API:
            raise HasApiMeeting(number, current.meeting_id)
        replace_meeting(db, series_id=series_id, number=number, meeting=meeting)
    log.info("session %s: hand-entered meeting stored", number)
    return meeting


# --- moving and cancelling -------------------------------------------------------------------


async def reschedule_meeting(
    database: Database,
    client: ZoomClient | None,
    *,
    catalog: Catalog,
    options: MeetingOptions,
    series_id: int,
    number: int,
) -> MeetingChange:
    """Bring Zoom's meeting in line with the session's (new) time, length and theme."""
    with database.read() as db:
        session, key = meeting_of(db, series_id=series_id, number=number)
    meeting = session.meeting
    if meeting is None:
        return MeetingChange.NO_MEETING
    if meeting.source is MeetingSource.MANUAL:
        return MeetingChange.MANUAL
    plan = _plan(catalog, options, session, request_key=key or "", passcode=None)
    await _require(client).update_meeting(meeting.meeting_id, plan)
    log.info("session %s: meeting %s moved", number, meeting.meeting_id)
    return MeetingChange.UPDATED


async def cancel_meeting(
    database: Database, client: ZoomClient | None, *, series_id: int, number: int
) -> MeetingChange:
    """Delete the session's meeting at Zoom (if gedsi-bot made it) and forget it here."""
    with database.read() as db:
        session, _ = meeting_of(db, series_id=series_id, number=number)
    meeting = session.meeting
    if meeting is None:
        with database.write() as db:
            clear_meeting(db, series_id=series_id, number=number)  # drops a stale request key
        return MeetingChange.NO_MEETING
    if meeting.source is MeetingSource.API:
        await _delete_quietly(_require(client), meeting.meeting_id)
    with database.write() as db:
        clear_meeting(db, series_id=series_id, number=number)
    log.info("session %s: meeting %s removed", number, meeting.meeting_id)
    return MeetingChange.DELETED if meeting.source is MeetingSource.API else MeetingChange.MANUAL


# --- links -------------------------------------------------------------------------------------


async def fresh_host_url(
    database: Database, client: ZoomClient | None, *, series_id: int, number: int
) -> str | None:
    """The host's start link, fetched anew for an API meeting (Zoom's expire within hours).

    A hand-entered meeting gives the link the office typed in, if any.
    """
    with database.read() as db:
        session, _ = meeting_of(db, series_id=series_id, number=number)
    meeting = session.meeting
    if meeting is None:
        raise NoMeeting(number)
    if meeting.source is MeetingSource.MANUAL:
        return meeting.host_url
    fetched = await _require(client).get_meeting(meeting.meeting_id)
    if fetched.start_url:
        with database.write() as db:
            save_host_url(
                db,
                series_id=series_id,
                number=number,
                meeting_id=meeting.meeting_id,
                url=fetched.start_url,
            )
    return fetched.start_url


async def add_registrant(
    database: Database,
    client: ZoomClient | None,
    *,
    options: MeetingOptions,
    registration_id: int,
) -> str | None:
    """The join link to give this registration: personal where the meeting uses registration.

    Asking twice gives the same link. ``None`` while the session has no meeting yet.
    """
    with database.read() as db:
        found = registration_for_zoom(db, registration_id=registration_id)
    meeting = found.session.meeting
    if meeting is None:
        return None
    if meeting.source is MeetingSource.MANUAL or not meeting.uses_registration:
        return meeting.join_url
    if found.personal_join_url:
        return found.personal_join_url
    name = (found.full_name or "").strip() or f"Peserta {found.participant_id}"
    link = await _require(client).add_registrant(
        meeting.meeting_id,
        first_name=name,
        last_name="",
        email=registrant_email(found.participant_id, options),
    )
    with database.write() as db:
        save_registrant(
            db,
            registration_id=registration_id,
            meeting_id=meeting.meeting_id,
            registrant_id=link.registrant_id,
            join_url=link.join_url,
        )
    return link.join_url


# --- attendance --------------------------------------------------------------------------------


async def import_attendance(
    database: Database,
    client: ZoomClient | None,
    *,
    catalog: Catalog,
    options: MeetingOptions,
    series_id: int,
    number: int,
) -> AttendanceReport:
    """Read who attended from Zoom; mark registrations attended or no-show; list the unmatched.

    Present for at least ``certificates.attendance_threshold_percent`` of the session's length
    counts as attended. Registrations whose attendance an admin (or, where the office allows
    it, the person) set are left alone. Running it again gives the same result.
    """
    with database.read() as db:
        session, _ = meeting_of(db, series_id=series_id, number=number)
        rows = attendance_rows(db, session_id=session.id)
    if session.meeting is None:
        raise NoMeeting(number)
    records = await _require(client).past_participants(session.meeting.meeting_id)
    registrants = [
        Registrant(
            registration_id=row.registration_id,
            name=row.full_name,
            registrant_id=row.registrant_id,
            email=registrant_email(row.participant_id, options),
        )
        for row in rows
    ]
    summary = summarise_attendance(records, registrants)
    threshold = catalog.certificates.attendance_threshold_percent
    outcomes: dict[int, tuple[RegistrationStatus, int | None]] = {}
    decided: list[RegistrationStatus] = []
    kept = 0
    for row in rows:
        if row.attendance_source in HAND_SET_ATTENDANCE:
            kept += 1
            continue
        minutes = summary.minutes.get(row.registration_id)
        status = status_after_attendance(
            row.status,
            minutes=minutes,
            duration_minutes=session.duration_minutes,
            threshold_percent=threshold,
        )
        decided.append(status)
        if status is not row.status or minutes is not None:
            outcomes[row.registration_id] = (status, minutes or 0)
    with database.write() as db:
        changed = record_attendance(db, outcomes=outcomes)
    matched = dict.fromkeys(MatchedBy, 0)
    for how in summary.matched_by.values():
        matched[how] += 1
    log.info("session %s: attendance from %s records, %s changed", number, len(records), changed)
    return AttendanceReport(
        number=number,
        meeting_id=session.meeting.meeting_id,
        records=len(records),
        attended=decided.count(RegistrationStatus.ATTENDED),
        no_show=decided.count(RegistrationStatus.NO_SHOW),
        matched=matched,
        unmatched=summary.unmatched,
        kept=kept,
        changed=changed,
    )
