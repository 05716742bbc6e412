"""Report queries: registrations counted in SQL by the snapshot taken at registration.

Every count is a GROUP BY with conditional sums, so the database does the counting and Python
only sees one row per group (a few hundred at most, however many registrations there are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Label,
    Select,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.disaggregation import (
    Counts,
    FeedbackText,
    ParticipantLine,
    Question,
    RatingTotals,
    SnapshotCounts,
)
from gedsi_bot.domain.model import RegistrationStatus, Session, SessionStatus
from gedsi_bot.store.sessions import session_from_row
from gedsi_bot.store.tables import (
    CertificateRow,
    FeedbackRow,
    ParticipantRow,
    RegistrationRow,
    SessionRow,
)

# Sessions that can have registrations; drafts and approved plans are not reported.
REPORTED_STATUSES = (
    SessionStatus.PUBLISHED,
    SessionStatus.LIVE,
    SessionStatus.DONE,
    SessionStatus.CANCELLED,
)
# Everyone who held a seat.
SEAT_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.NO_SHOW,
)
RECORDED_STATUSES = (RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which sessions a report covers: one by number, or those starting in [from, before)."""

    series_id: int
    number: int | None = None
    starts_from: dt.datetime | None = None
    starts_before: dt.datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [
            SessionRow.series_id == self.series_id,
            SessionRow.status.in_([status.value for status in REPORTED_STATUSES]),
        ]
        if self.number is not None:
            found.append(SessionRow.number == self.number)
        if self.starts_from is not None:
            found.append(SessionRow.starts_at >= self.starts_from)
        if self.starts_before is not None:
            found.append(SessionRow.starts_at < self.starts_before)
        return found


def report_sessions(db: DbSession, scope: SessionFilter) -> list[Session]:
    """The sessions of the report, in start order."""
    query = (
        select(SessionRow)
        .where(*scope.conditions())
        .order_by(SessionRow.starts_at, SessionRow.number)
    )
    return [session_from_row(row) for row in db.scalars(query)]


def _values(statuses: Sequence[RegistrationStatus]) -> list[str]:
    return [status.value for status in statuses]


def _recorded_sessions(db: DbSession, scope: SessionFilter) -> list[int]:
    """Sessions whose attendance has been recorded (someone is marked attended or no-show)."""
    query = (
        select(RegistrationRow.session_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(*scope.conditions(), RegistrationRow.status.in_(_values(RECORDED_STATUSES)))
        .distinct()
    )
    return list(db.scalars(query))


_GROUPINGS = ("age_band", "is_child", "disability", "category", "area_code", "number")
_MEASURES = ("registered", "attended", "held", "feedback", "waitlisted", "cancelled")


def _snapshot(scope: SessionFilter, recorded: list[int]) -> CTE:
    """One row per registration in scope: its snapshot, session number and 0/1 measures.

    Materialized once, so the joins to sessions and feedback happen once for all groupings.
    """
    status = RegistrationRow.status
    seat = status.in_(_values(SEAT_STATUSES))

    def flag(condition: ColumnElement[bool], name: str) -> Label[Any]:
        return case((condition, 1), else_=0).label(name)

    return (
        select(
            RegistrationRow.participant_id.label("participant_id"),
            RegistrationRow.sex.label("sex"),
            RegistrationRow.age_band.label("age_band"),
            RegistrationRow.is_child.label("is_child"),
            RegistrationRow.disability.label("disability"),
            RegistrationRow.category.label("category"),
            RegistrationRow.area_code.label("area_code"),
            SessionRow.number.label("number"),
            flag(seat, "registered"),
            flag(status == RegistrationStatus.ATTENDED.value, "attended"),
            flag(and_(seat, RegistrationRow.session_id.in_(recorded)), "held"),
            flag(FeedbackRow.id.is_not(None), "feedback"),
            flag(status == RegistrationStatus.WAITLISTED.value, "waitlisted"),
            flag(status == RegistrationStatus.CANCELLED.value, "cancelled"),
        )
        .select_from(RegistrationRow)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .outerjoin(FeedbackRow, FeedbackRow.registration_id == RegistrationRow.id)
        .where(*scope.conditions())
        .cte("snapshot")
        .prefix_with("MATERIALIZED")
    )


def _grouped(snapshot: CTE) -> CompoundSelect[Any]:
    """Every measure by sex and each grouping column, as one UNION ALL.

    Each part fills its own grouping column and leaves the others NULL (typed, so the union
    is well-typed on PostgreSQL); the first column says which grouping a row belongs to.
    """
    parts = []
    for index, grouping in enumerate(_GROUPINGS):
        column = snapshot.c[grouping]
        parts.append(
            select(
                literal(index).label("grouping"),
                snapshot.c.sex,
                *(
                    snapshot.c[other]
                    if other == grouping
                    else cast(null(), snapshot.c[other].type)
                    for other in _GROUPINGS
                ),
                *(func.sum(snapshot.c[measure]) for measure in _MEASURES),
            ).group_by(snapshot.c.sex, column)
        )

    # Distinct people with a seat, and who attended: the last part, in the first two measures.
    def people(flag: str) -> ColumnElement[Any]:
        return func.count(distinct(case((snapshot.c[flag] == 1, snapshot.c.participant_id))))

    parts.append(
        select(
            literal(len(_GROUPINGS)).label("grouping"),
            cast(null(), snapshot.c.sex.type),
            *(cast(null(), snapshot.c[other].type) for other in _GROUPINGS),
            people("registered"),
            people("attended"),
            *(literal(0) for _ in _MEASURES[2:]),
        )
    )
    return union_all(*parts)


def _counts(values: Sequence[Any]) -> Counts:
    return Counts(*(int(value or 0) for value in values))


def count_registrations(db: DbSession, scope: SessionFilter) -> SnapshotCounts:
    """Every measure grouped by sex and each snapshot column (and by session number)."""
    recorded = _recorded_sessions(db, scope)
    groups: list[dict[tuple[Any, Any], Counts]] = [{} for _ in _GROUPINGS]
    width = len(_GROUPINGS)
    unique = (0, 0)
    for row in db.execute(_grouped(_snapshot(scope, recorded))):
        grouping, sex, values = int(row[0]), row[1], tuple(row)
        if grouping == width:
            unique = (int(values[2 + width] or 0), int(values[3 + width] or 0))
        else:
            groups[grouping][(sex, values[2 + grouping])] = _counts(values[2 + width :])
    by_age_band, by_child, by_disability, by_category, by_area, by_session = groups
    return SnapshotCounts(
        by_age_band=by_age_band,
        by_child={
            (sex, None if child is None else bool(child)): c
            for (sex, child), c in by_child.items()
        },
        by_disability=by_disability,
        by_category=by_category,
        by_area=by_area,
        by_session={(sex, int(number)): c for (sex, number), c in by_session.items()},
        unique_registered=unique[0],
        unique_attended=unique[1],
    )


_RATING_COLUMNS = {
    Question.MATERIAL: FeedbackRow.rating_material,
    Question.SPEAKER: FeedbackRow.rating_speaker,
    Question.USEFULNESS: FeedbackRow.rating_usefulness,
}


def _feedback_in(scope: SessionFilter, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(FeedbackRow)
        .join(RegistrationRow, RegistrationRow.id == FeedbackRow.registration_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(*scope.conditions())
    )


def rating_totals(db: DbSession, scope: SessionFilter) -> dict[int, RatingTotals]:
    """Per session number: how many answered each rating question, and the sum of answers."""
    aggregates = []
    for column in _RATING_COLUMNS.values():
        aggregates += [func.count(column), func.sum(column)]
    query = _feedback_in(scope, SessionRow.number, *aggregates).group_by(SessionRow.number)
    totals = {}
    for number, *numbers in db.execute(query):
        answers = {q: int(numbers[2 * i] or 0) for i, q in enumerate(_RATING_COLUMNS)}
        sums = {q: int(numbers[2 * i + 1] or 0) for i, q in enumerate(_RATING_COLUMNS)}
        totals[int(number)] = RatingTotals(answers=answers, sums=sums)
    return totals


def suggested_themes(db: DbSession, scope: SessionFilter) -> tuple[dict[str, int], int]:
    """How often each catalog theme was suggested, and how many suggestions were free text."""
    theme = FeedbackRow.suggested_theme_id
    by_theme = {
        str(theme_id): int(count)
        for theme_id, count in db.execute(
            _feedback_in(scope, theme, func.count()).where(theme.is_not(None)).group_by(theme)
        )
    }
    text = func.trim(FeedbackRow.suggested_theme_text)
    free = db.scalar(_feedback_in(scope, func.count()).where(text.is_not(None), text != ""))
    return by_theme, int(free or 0)


def feedback_texts(db: DbSession, scope: SessionFilter) -> list[FeedbackText]:
    """What participants wrote, by session; people who deleted their data are left out."""
    query = (
        _feedback_in(
            scope,
            SessionRow.number,
            FeedbackRow.suggested_theme_text,
            FeedbackRow.most_useful,
            FeedbackRow.comment,
        )
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(
            ParticipantRow.deleted_at.is_(None),
            (FeedbackRow.suggested_theme_text.is_not(None))
            | (FeedbackRow.most_useful.is_not(None))
            | (FeedbackRow.comment.is_not(None)),
        )
        .order_by(SessionRow.starts_at, SessionRow.number, FeedbackRow.created_at, FeedbackRow.id)
    )
    return [
        FeedbackText(
            session_number=int(number),
            suggested_theme=_text(suggestion),
            most_useful=_text(useful),
            comment=_text(comment),
        )
        for number, suggestion, useful, comment in db.execute(query)
        if any(_text(value) for value in (suggestion, useful, comment))
    ]


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def participant_lines(db: DbSession, scope: SessionFilter) -> list[ParticipantLine]:
    """Every registration with the person's name, for the office; deleted people left out."""
    certificate = (
        select(CertificateRow.registration_id, CertificateRow.serial)
        .where(CertificateRow.revoked_at.is_(None))
        .subquery()
    )
    query = (
        select(
            SessionRow.number,
            ParticipantRow.full_name,
            RegistrationRow.sex,
            RegistrationRow.age_band,
            RegistrationRow.is_child,
            RegistrationRow.category,
            ParticipantRow.institution,
            RegistrationRow.area_code,
            RegistrationRow.disability,
            RegistrationRow.status,
            RegistrationRow.attendance_minutes,
            FeedbackRow.id.is_not(None),
            certificate.c.serial,
        )
        .select_from(RegistrationRow)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .outerjoin(FeedbackRow, FeedbackRow.registration_id == RegistrationRow.id)
        .outerjoin(certificate, certificate.c.registration_id == RegistrationRow.id)
        .where(*scope.conditions(), ParticipantRow.deleted_at.is_(None))
        .order_by(
            SessionRow.starts_at, SessionRow.number, ParticipantRow.full_name, RegistrationRow.id
        )
    )
    return [
        ParticipantLine(
            session_number=int(number),
            full_name=name,
            sex=sex,
            age_band=age_band,
            is_child=is_child,
            category=category,
            institution=institution,
            area_code=area_code,
            disability=disability,
            status=status,
            attendance_minutes=minutes,
            gave_feedback=bool(feedback),
            certificate_serial=serial,
        )
        for (
            number,
            name,
            sex,
            age_band,
            is_child,
            category,
            institution,
            area_code,
            disability,
            status,
            minutes,
            feedback,
            serial,
        ) in db.execute(query)
    ]
