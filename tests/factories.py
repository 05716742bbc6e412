"""Small catalogs, people, themes and sessions for planner tests (plain values, no files)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from gedsi_bot.domain.model import (
    Availability,
    Commemoration,
    DateRange,
    Person,
    PersonKind,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    Sex,
    Theme,
    ThemeGroup,
)
from gedsi_bot.domain.series import (
    Branding,
    Cadence,
    Catalog,
    CertificatePolicy,
    Contact,
    Frequency,
    PlanningRules,
    PlanningWeights,
    RegistrationOptions,
    ReminderTimings,
    SeriesConfig,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
SPEAKER = frozenset({Role.SPEAKER})
MODERATOR = frozenset({Role.MODERATOR})
BOTH = frozenset({Role.SPEAKER, Role.MODERATOR})


def theme(
    theme_id: str,
    *tags: str,
    group: ThemeGroup = ThemeGroup.PUG_INKLUSI,
    months: Sequence[int] = (),
    commemorations: Sequence[str] = (),
    last_used: dt.date | None = None,
    months_only: bool = False,
) -> Theme:
    return Theme(
        id=theme_id,
        title=f"Tema {theme_id}",
        group=group,
        summary="Ringkasan tema.",
        tags=frozenset(tags or ("umum",)),
        preferred_months=frozenset(months),
        commemorations=tuple(commemorations),
        last_used=last_used,
        months_only=months_only,
    )


def person(
    person_id: str,
    *expertise: str,
    roles: frozenset[Role] = SPEAKER,
    gender: Sex = Sex.FEMALE,
    weekdays: Sequence[int] = range(7),
    blackout: Sequence[tuple[dt.date, dt.date]] = (),
    available_from: dt.date | None = None,
    available_until: dt.date | None = None,
    max_per_quarter: int | None = None,
    has_disability: bool = False,
) -> Person:
    return Person(
        id=person_id,
        name=f"Nama {person_id}",
        title="Narasumber",
        organisation="Lembaga",
        kind=PersonKind.LAINNYA,
        gender=gender,
        roles=roles,
        expertise=frozenset(expertise),
        availability=Availability(
            weekdays=frozenset(weekdays),
            available_from=available_from,
            available_until=available_until,
            blackout=tuple(DateRange(a, b) for a, b in blackout),
        ),
        max_per_quarter=max_per_quarter,
        has_disability=has_disability,
    )


def catalog(
    themes: Sequence[Theme],
    people: Sequence[Person],
    *,
    rules: PlanningRules | None = None,
    weights: PlanningWeights | None = None,
    cadence: Cadence | None = None,
    commemorations: Sequence[Commemoration] = (),
    blackout: Sequence[tuple[dt.date, dt.date]] = (),
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Catalog:
    planning = rules or PlanningRules()
    if weights is not None:
        planning = dataclasses.replace(planning, weights=weights)
    tags = sorted({tag for item in themes for tag in item.tags})
    return Catalog(
        source=Path("tes.yaml"),
        series=SeriesConfig(
            id="seri-tes",
            name="Seri Tes",
            tagline="Bincang",
            organiser="Dinas",
            timezone="Asia/Jakarta",
            cadence=cadence or Cadence(Frequency.WEEKLY, weekday=3),
            start_time=dt.time(9, 0),
            duration_minutes=120,
            capacity=300,
            certificate_jp=2,
            retention_days=730,
            contact=Contact("Sekretariat"),
            starts_on=starts_on,
            ends_on=ends_on,
            blackout=tuple(DateRange(a, b) for a, b in blackout),
        ),
        branding=Branding(colors={}),
        planning=planning,
        reminders=ReminderTimings(),
        registration=RegistrationOptions(consent_version="1"),
        certificates=CertificatePolicy(),
        tags={tag: f"label {tag}" for tag in tags},
        commemorations=tuple(commemorations),
        themes=tuple(themes),
        people=tuple(people),
    )


def weekly(first: dt.date, count: int, *, hour: int = 9) -> tuple[dt.datetime, ...]:
    """``count`` start times a week apart from ``first`` at ``hour`` in Jakarta."""
    return tuple(
        dt.datetime.combine(first + dt.timedelta(weeks=i), dt.time(hour), tzinfo=JAKARTA)
        for i in range(count)
    )


def session(
    session_id: int,
    starts_at: dt.datetime,
    theme_id: str,
    speakers: Sequence[str],
    moderator: str | None,
    *,
    status: SessionStatus = SessionStatus.DRAFT,
    number: int | None = None,
    declined: Sequence[str] = (),
) -> Session:
    from gedsi_bot.domain.model import InvitationResponse

    people = [
        SessionPerson(
            person_id,
            Role.SPEAKER,
            index,
            InvitationResponse.DECLINED if person_id in declined else InvitationResponse.PENDING,
        )
        for index, person_id in enumerate(speakers)
    ]
    if moderator is not None:
        people.append(
            SessionPerson(
                moderator,
                Role.MODERATOR,
                0,
                InvitationResponse.DECLINED
                if moderator in declined
                else InvitationResponse.PENDING,
            )
        )
    return Session(
        id=session_id,
        number=number if number is not None else session_id,
        theme_id=theme_id,
        starts_at=starts_at,
        duration_minutes=120,
        status=status,
        people=tuple(people),
    )
