"""Series and sessions: queries that return domain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.lifecycle import status_at
from gedsi_bot.domain.model import (
    InvitationResponse,
    Meeting,
    MeetingSource,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
)
from gedsi_bot.errors import GedsiError, NotFound
from gedsi_bot.store.tables import SeriesRow, SessionPersonRow, SessionRow


def ensure_series(db: DbSession, *, slug: str, name: str) -> int:
    """The id of the series ``slug``, created on first use; its name follows the catalog."""
    row = db.scalar(select(SeriesRow).where(SeriesRow.slug == slug))
    if row is None:
        row = SeriesRow(slug=slug, name=name)
        db.add(row)
        db.flush()
    elif row.name != name:
        row.name = name
    return row.id


def session_from_row(row: SessionRow) -> Session:
    """The domain value of a stored session."""
    meeting = None
    if row.meeting_id and row.meeting_join_url and row.meeting_source:
        meeting = Meeting(
            meeting_id=row.meeting_id,
            passcode=row.meeting_passcode,
            join_url=row.meeting_join_url,
            source=MeetingSource(row.meeting_source),
            host_url=row.meeting_host_url,
            uses_registration=row.meeting_uses_registration,
        )
    return Session(
        id=row.id,
        number=row.number,
        theme_id=row.theme_id,
        starts_at=row.starts_at,
        duration_minutes=row.duration_minutes,
        status=SessionStatus(row.status),
        people=tuple(
            SessionPerson(
                person_id=person.person_id,
                role=Role(person.role),
                position=person.position,
                response=InvitationResponse(person.response),
            )
            for person in row.people
        ),
        capacity=row.capacity,
        meeting=meeting,
        registration_code=row.registration_code,
        plan_score=row.plan_score,
        plan_reasons=tuple(str(reason) for reason in row.plan_reasons),
    )


def list_sessions(
    db: DbSession,
    *,
    series_id: int,
    statuses: Iterable[SessionStatus] | None = None,
    starting_from: dt.datetime | None = None,
) -> list[Session]:
    """Sessions of a series in start order, optionally only some statuses or from a time on."""
    query = select(SessionRow).where(SessionRow.series_id == series_id)
    if statuses is not None:
        query = query.where(SessionRow.status.in_([status.value for status in statuses]))
    if starting_from is not None:
        query = query.where(SessionRow.starts_at >= starting_from)
    query = query.order_by(SessionRow.starts_at, SessionRow.number)
    return [session_from_row(row) for row in db.scalars(query)]


def get_session_row(db: DbSession, *, series_id: int, number: int) -> SessionRow:
    """The stored session ``number`` of a series; ``NotFound`` if there is none."""
    row = db.scalar(
        select(SessionRow).where(SessionRow.series_id == series_id, SessionRow.number == number)
    )
    if row is None:
        raise NotFound(f"session {number}")
    return row


def get_session(db: DbSession, *, series_id: int, number: int) -> Session:
    """Session ``number`` of a series; ``NotFound`` if there is none."""
    return session_from_row(get_session_row(db, series_id=series_id, number=number))


def next_session_number(db: DbSession, *, series_id: int) -> int:
    """The episode number the next new session gets (numbers are never reused)."""
    highest = db.scalar(
        select(func.max(SessionRow.number)).where(SessionRow.series_id == series_id)
    )
    return (highest or 0) + 1


def add_session(
    db: DbSession,
    *,
    series_id: int,
    theme_id: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    speaker_ids: Sequence[str],
    moderator_id: str | None,
    status: SessionStatus = SessionStatus.DRAFT,
    number: int | None = None,
    plan_score: float | None = None,
    plan_reasons: Sequence[str] = (),
) -> Session:
    """Store a new session with its speakers (in order) and moderator."""
    row = SessionRow(
        series_id=series_id,
        number=number if number is not None else next_session_number(db, series_id=series_id),
        theme_id=theme_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        status=status.value,
        plan_score=plan_score,
        plan_reasons=list(plan_reasons),
    )
    row.people = [
        SessionPersonRow(person_id=person_id, role=Role.SPEAKER.value, position=index)
        for index, person_id in enumerate(speaker_ids)
    ]
    if moderator_id is not None:
        row.people.append(SessionPersonRow(person_id=moderator_id, role=Role.MODERATOR.value))
    db.add(row)
    db.flush()
    return session_from_row(row)


def ensure_registration_code(
    db: DbSession, *, series_id: int, number: int, new_code: Callable[[], str]
) -> str:
    """The code behind session ``number``'s registration link, made with ``new_code`` once.

    The code never changes afterwards: flyers already printed keep working.
    """
    row = get_session_row(db, series_id=series_id, number=number)
    if row.registration_code:
        return row.registration_code
    for _ in range(20):
        code = new_code()
        taken = db.scalar(select(SessionRow.id).where(SessionRow.registration_code == code))
        if taken is None:
            row.registration_code = code
            db.flush()
            return code
    raise RuntimeError("could not find a free registration code")


class NotADraft(GedsiError):  # noqa: N818 - reads as a sentence at the raise site
    """Only draft sessions may be changed or removed by re-planning."""


def _draft_row(db: DbSession, *, series_id: int, session_id: int) -> SessionRow:
    row = db.get(SessionRow, session_id)
    if row is None or row.series_id != series_id:
        raise NotFound(f"session id {session_id}")
    if row.status != SessionStatus.DRAFT.value:
        raise NotADraft(f"session {row.number} is {row.status}, not a draft")
    return row


def update_draft(
    db: DbSession,
    *,
    series_id: int,
    session_id: int,
    theme_id: str,
    starts_at: dt.datetime,
    speaker_ids: Sequence[str],
    moderator_id: str | None,
    plan_score: float | None,
    plan_reasons: Sequence[str],
) -> None:
    """Give a draft a new plan; people who keep their role keep their invitation answer."""
    row = _draft_row(db, series_id=series_id, session_id=session_id)
    row.theme_id = theme_id
    row.starts_at = starts_at
    row.plan_score = plan_score
    row.plan_reasons = list(plan_reasons)
    wanted = {(person_id, Role.SPEAKER.value): i for i, person_id in enumerate(speaker_ids)}
    if moderator_id is not None:
        wanted[(moderator_id, Role.MODERATOR.value)] = 0
    keep = []
    for person in row.people:
        position = wanted.pop((person.person_id, person.role), None)
        if position is None:
            continue
        person.position = position
        keep.append(person)
    row.people = keep
    db.flush()  # a person changing role is removed before being added again
    row.people.extend(
        SessionPersonRow(person_id=person_id, role=role, position=position)
        for (person_id, role), position in wanted.items()
    )
    db.flush()


def delete_drafts(db: DbSession, *, series_id: int, session_ids: Iterable[int]) -> int:
    """Remove draft sessions; anything else is refused with ``NotADraft``."""
    count = 0
    for session_id in session_ids:
        db.delete(_draft_row(db, series_id=series_id, session_id=session_id))
        count += 1
    db.flush()
    return count


def renumber_drafts(db: DbSession, *, series_id: int, session_ids: Sequence[int]) -> None:
    """Number these drafts in the given order, after the highest number of any other session.

    Draft numbers are provisional: keeping them in date order means "session 7" always
    comes before "session 8" while the plan changes. Published numbers never move.
    """
    rows = [_draft_row(db, series_id=series_id, session_id=i) for i in session_ids]
    highest = db.scalar(
        select(func.max(SessionRow.number)).where(
            SessionRow.series_id == series_id, SessionRow.id.not_in(list(session_ids))
        )
    )
    for row in rows:  # out of the way first: (series, number) is unique
        row.number = -row.id
    db.flush()
    for offset, row in enumerate(rows, start=1):
        row.number = (highest or 0) + offset
    db.flush()


def advance_statuses(
    db: DbSession, *, series_id: int, now: dt.datetime
) -> list[tuple[int, SessionStatus, SessionStatus]]:
    """Move published sessions to live and live ones to done as ``now`` says; what moved, as
    (number, before, after). Rows are updated only from the status they were read with, so two
    schedulers cannot both move one."""
    moved = []
    running = (SessionStatus.PUBLISHED, SessionStatus.LIVE)
    for session in list_sessions(db, series_id=series_id, statuses=running):
        after = status_at(session, now)
        if after is session.status:
            continue
        result = db.execute(
            update(SessionRow)
            .where(SessionRow.id == session.id, SessionRow.status == session.status.value)
            .values(status=after.value)
        )
        if getattr(result, "rowcount", 0):
            moved.append((session.number, session.status, after))
    return moved
