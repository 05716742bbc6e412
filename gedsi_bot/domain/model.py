"""The vocabulary of gedsi-bot: enums and frozen value types shared by every layer.

Everything here is plain Python. The catalog, the store and the bot translate their own
representations into these types and back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Sex(StrEnum):
    """Sex as the office's gender-mainstreaming report counts it (L = laki-laki, P = perempuan)."""

    MALE = "L"
    FEMALE = "P"


class ThemeGroup(StrEnum):
    """The three areas of work of the women's-empowerment division."""

    PUG_INKLUSI = "pug_inklusi"  # gender mainstreaming and social inclusion
    PERLINDUNGAN = "perlindungan"  # protection of women and children
    PEMENUHAN_HAK = "pemenuhan_hak"  # fulfilment of women's and children's rights


class PersonKind(StrEnum):
    FORUM_PUSPA = "forum_puspa"
    PSIKOLOG = "psikolog"
    ORGANISASI_PEREMPUAN = "organisasi_perempuan"
    ASN = "asn"
    AKADEMISI = "akademisi"
    TOKOH_MASYARAKAT = "tokoh_masyarakat"
    ORGANISASI_DISABILITAS = "organisasi_disabilitas"
    LAINNYA = "lainnya"


class Role(StrEnum):
    """What a person does in a session."""

    SPEAKER = "speaker"
    MODERATOR = "moderator"


class Category(StrEnum):
    """The participant's category (unsur) in the disaggregated report."""

    KADER = "kader"
    ORGANISASI_PEREMPUAN = "organisasi_perempuan"
    PELAJAR_FORUM_ANAK = "pelajar_forum_anak"
    KEPALA_SEKOLAH = "kepala_sekolah"
    ASN = "asn"
    MASYARAKAT_UMUM = "masyarakat_umum"
    LAINNYA = "lainnya"


class Disability(StrEnum):
    """Self-reported disability, asked only after consent (UU 8/2016 categories)."""

    TIDAK = "tidak"
    FISIK = "fisik"
    INTELEKTUAL = "intelektual"
    MENTAL = "mental"
    SENSORIK_NETRA = "sensorik_netra"
    SENSORIK_RUNGU = "sensorik_rungu"
    SENSORIK_WICARA = "sensorik_wicara"
    GANDA = "ganda"
    TIDAK_MENJAWAB = "tidak_menjawab"


class AccessibilityNeed(StrEnum):
    SIGN_LANGUAGE = "juru_bahasa_isyarat"
    CAPTIONS = "teks_takarir"


class SessionStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    LIVE = "live"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_fixed(self) -> bool:
        """Whether the planner must keep this session exactly as it is."""
        return self is not SessionStatus.DRAFT


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class MeetingSource(StrEnum):
    API = "api"
    MANUAL = "manual"


class InvitationResponse(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AgeBand(StrEnum):
    """BPS five-year age bands."""

    A0_4 = "0-4"
    A5_9 = "5-9"
    A10_14 = "10-14"
    A15_19 = "15-19"
    A20_24 = "20-24"
    A25_29 = "25-29"
    A30_34 = "30-34"
    A35_39 = "35-39"
    A40_44 = "40-44"
    A45_49 = "45-49"
    A50_54 = "50-54"
    A55_59 = "55-59"
    A60_64 = "60-64"
    A65_69 = "65-69"
    A70_74 = "70-74"
    A75_PLUS = "75+"


_AGE_BANDS = tuple(AgeBand)
ADULT_AGE = 18


def age_in_year(birth_year: int, on: dt.date) -> int:
    """The age a person born in ``birth_year`` reaches during the year of ``on``."""
    return on.year - birth_year


def age_band(birth_year: int, on: dt.date) -> AgeBand:
    """The BPS five-year band of the age reached in the year of ``on`` (never negative)."""
    age = max(0, age_in_year(birth_year, on))
    return _AGE_BANDS[min(age // 5, len(_AGE_BANDS) - 1)]


def is_child(birth_year: int, on: dt.date) -> bool:
    """Whether the person is under 18 all through the year of ``on`` (the report's child flag)."""
    return age_in_year(birth_year, on) < ADULT_AGE


def may_still_be_child(birth_year: int, on: dt.date) -> bool:
    """Whether only the exact birthday tells if the person is 18 yet on ``on``.

    Only the birth year is asked, so someone turning 18 this year is asked whether they are 18
    already before the adult path is taken.
    """
    return age_in_year(birth_year, on) == ADULT_AGE


# --- catalog values -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of calendar dates."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Commemoration:
    """A day or period the series likes to mark (Hari Kartini, 16 HAKTP, …), repeating yearly."""

    id: str
    name: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]  # (month, day), inclusive; equal to start for a single day
    women_speakers: bool = False  # a day about women: its themes should be given by women

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the commemoration (ranges may wrap over the new year)."""
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end

    @property
    def months(self) -> frozenset[int]:
        """The months the commemoration touches."""
        first, last = self.start[0], self.end[0]
        if first <= last:
            return frozenset(range(first, last + 1))
        return frozenset([*range(first, 13), *range(1, last + 1)])


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    title: str
    group: ThemeGroup
    summary: str
    tags: frozenset[str]
    preferred_months: frozenset[int] = frozenset()
    commemorations: tuple[str, ...] = ()
    last_used: dt.date | None = None
    months_only: bool = False  # only in ``preferred_months`` (a theme named after its day)


@dataclass(frozen=True, slots=True)
class Availability:
    """When a person can take part: weekdays (0 = Monday), date windows and blackout dates."""

    weekdays: frozenset[int] = frozenset(range(5))
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    blackout: tuple[DateRange, ...] = ()

    def allows(self, day: dt.date) -> bool:
        """Whether the person is available on ``day``."""
        if day.weekday() not in self.weekdays:
            return False
        if self.available_from is not None and day < self.available_from:
            return False
        if self.available_until is not None and day > self.available_until:
            return False
        return not any(day in blocked for blocked in self.blackout)


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker or moderator from the catalog."""

    id: str
    name: str
    title: str
    organisation: str
    kind: PersonKind
    gender: Sex
    roles: frozenset[Role]
    expertise: frozenset[str]
    availability: Availability = field(default_factory=Availability)
    max_per_quarter: int | None = None
    has_disability: bool = False
    telegram: str | None = None  # "@username" or a numeric user id as text
    photo: str | None = None  # path to the photo file, resolved against the catalog's folder

    @property
    def can_speak(self) -> bool:
        return Role.SPEAKER in self.roles

    @property
    def can_moderate(self) -> bool:
        return Role.MODERATOR in self.roles


# --- stored values --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meeting:
    """The video meeting of a session, created through the API or entered by hand."""

    meeting_id: str  # digits only; format with ``format_meeting_id`` for people
    passcode: str | None
    join_url: str
    source: MeetingSource
    host_url: str | None = None
    uses_registration: bool = False


def format_meeting_id(meeting_id: str) -> str:
    """Group a meeting ID the way Zoom shows it: 3-4-4 for 11 digits, 3-3-4 for 10, 3-3-3 for 9."""
    digits = "".join(ch for ch in meeting_id if ch.isdigit())
    if len(digits) == 11:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if len(digits) == 9:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits


@dataclass(frozen=True, slots=True)
class SessionPerson:
    """A person's place in one session and their answer to the invitation."""

    person_id: str
    role: Role
    position: int = 0
    response: InvitationResponse = InvitationResponse.PENDING


@dataclass(frozen=True, slots=True)
class Session:
    """One episode of the series."""

    id: int
    number: int
    theme_id: str
    starts_at: dt.datetime  # timezone-aware
    duration_minutes: int
    status: SessionStatus
    people: tuple[SessionPerson, ...] = ()
    capacity: int | None = None
    meeting: Meeting | None = None
    registration_code: str | None = None
    plan_score: float | None = None
    plan_reasons: tuple[str, ...] = ()

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def speaker_ids(self) -> tuple[str, ...]:
        speakers = sorted(
            (p for p in self.people if p.role is Role.SPEAKER), key=lambda p: p.position
        )
        return tuple(p.person_id for p in speakers)

    @property
    def moderator_id(self) -> str | None:
        return next((p.person_id for p in self.people if p.role is Role.MODERATOR), None)


@dataclass(frozen=True, slots=True)
class Participant:
    """One person who registers, identified by their Telegram account."""

    id: int
    telegram_user_id: int | None
    language_code: str | None = None
    full_name: str | None = None
    sex: Sex | None = None
    birth_year: int | None = None
    category: Category | None = None
    institution: str | None = None
    area_code: str | None = None  # kelurahan code, or "luar_kota"
    disability: Disability | None = None  # None unless the person consented to the question
    accessibility_needs: frozenset[AccessibilityNeed] = frozenset()
    guardian_name: str | None = None
    guardian_consent_at: dt.datetime | None = None
    consent_version: str | None = None
    consent_at: dt.datetime | None = None
    subscribed: bool = False
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    session_id: int
    participant_id: int
    status: RegistrationStatus
    created_at: dt.datetime
    attendance_minutes: int | None = None
    personal_join_url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """Something to send later: a row with a due time and a key that makes it unique."""

    id: int
    kind: str
    chat_id: int
    payload: dict[str, object]
    due_at: dt.datetime
    status: OutboxStatus
    attempts: int
    dedupe_key: str
    session_id: int | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None
