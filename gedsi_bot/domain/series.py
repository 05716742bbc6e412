"""The validated catalog as plain values: the series, its rules, its themes and its people.

``gedsi_bot.catalog`` reads ``themes.yaml`` into these types; everything downstream (planner,
reminders, renderers, bot) takes them as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from gedsi_bot.domain.model import Commemoration, DateRange, Person, Theme


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often the series meets: every week, every other week, or given weeks of the month.

    ``weekday`` is 0 for Monday. ``weeks_of_month`` holds 1–5 or -1 for the last such weekday
    (monthly only); ``anchor`` is a date of the biweekly rhythm.
    """

    frequency: Frequency
    weekday: int
    weeks_of_month: tuple[int, ...] = ()
    anchor: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str | None = None
    telegram: str | None = None


@dataclass(frozen=True, slots=True)
class SeriesConfig:
    id: str
    name: str
    tagline: str
    organiser: str
    timezone: str
    cadence: Cadence
    start_time: dt.time
    duration_minutes: int
    capacity: int
    certificate_jp: int
    retention_days: int
    contact: Contact
    platform: str = "Zoom"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    blackout: tuple[DateRange, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    title: str
    signature: Path | None = None


@dataclass(frozen=True, slots=True)
class Branding:
    colors: Mapping[str, str]
    logos: tuple[Path, ...] = ()
    signatory: Signatory | None = None


@dataclass(frozen=True, slots=True)
class PlanningWeights:
    """Relative weights of the planner's soft goals (whole numbers, 0 switches a goal off)."""

    expertise: int = 3
    commemoration: int = 5
    fair_load: int = 2
    gender_balance: int = 2
    disability_inclusion: int = 2
    demand: int = 3
    stability: int = 10
    group_balance: int = 2
    women_speakers: int = 2


@dataclass(frozen=True, slots=True)
class PlanningRules:
    min_speakers: int = 1
    max_speakers: int = 2
    min_gap_weeks: int = 4
    max_per_quarter: int = 3
    theme_repeat_months: int = 12
    max_consecutive_group: int = 2
    lead_days: int = 14  # new drafts start this many days after today at the earliest
    weights: PlanningWeights = field(default_factory=PlanningWeights)


@dataclass(frozen=True, slots=True)
class ReminderTimings:
    """When reminders go out, relative to a session's start (or end, for feedback)."""

    participant_before: tuple[dt.timedelta, ...] = (dt.timedelta(days=1), dt.timedelta(hours=1))
    team_before: tuple[dt.timedelta, ...] = (
        dt.timedelta(days=7),
        dt.timedelta(days=1),
        dt.timedelta(hours=1),
    )
    started_nudge_after: dt.timedelta | None = dt.timedelta(minutes=5)
    feedback_after_end: dt.timedelta = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class RegistrationOptions:
    consent_version: str
    ask_institution: bool = True
    ask_area: bool = True
    ask_disability: bool = True
    ask_accessibility: bool = True
    waitlist: bool = True
    closes_before_start: dt.timedelta = dt.timedelta(0)


@dataclass(frozen=True, slots=True)
class CertificatePolicy:
    require_attendance: bool = True
    require_feedback: bool = True
    attendance_threshold_percent: int = 70
    self_declared_attendance: bool = False


@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    telegram_id: int | None = None
    telegram_username: str | None = None
    role: str = "admin"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything ``themes.yaml`` says, validated."""

    source: Path
    series: SeriesConfig
    branding: Branding
    planning: PlanningRules
    reminders: ReminderTimings
    registration: RegistrationOptions
    certificates: CertificatePolicy
    tags: Mapping[str, str]
    commemorations: tuple[Commemoration, ...]
    themes: tuple[Theme, ...]
    people: tuple[Person, ...]
    team: tuple[TeamMember, ...] = ()

    _themes_by_id: Mapping[str, Theme] = field(init=False, repr=False, compare=False)
    _people_by_id: Mapping[str, Person] = field(init=False, repr=False, compare=False)
    _commemorations_by_id: Mapping[str, Commemoration] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_themes_by_id", {theme.id: theme for theme in self.themes})
        object.__setattr__(self, "_people_by_id", {person.id: person for person in self.people})
        object.__setattr__(
            self, "_commemorations_by_id", {item.id: item for item in self.commemorations}
        )

    def theme(self, theme_id: str) -> Theme:
        """The theme with ``theme_id``; ``KeyError`` if there is none."""
        return self._themes_by_id[theme_id]

    def person(self, person_id: str) -> Person:
        """The person with ``person_id``; ``KeyError`` if there is none."""
        return self._people_by_id[person_id]

    def commemoration(self, commemoration_id: str) -> Commemoration:
        """The commemoration with ``commemoration_id``; ``KeyError`` if there is none."""
        return self._commemorations_by_id[commemoration_id]
