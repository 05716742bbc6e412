"""``themes.yaml`` → a typed, validated ``Catalog``.

Validation reports every problem it finds, each as ``PATH:LINE:COLUMN: message`` in the
office's language, so the team can fix the whole file in one go. The YAML is composed once
to remember where each value stands; pydantic checks shapes and types; cross-checks (duplicate
ids, dangling references, files, dates) run on whatever parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from gedsi_bot.domain.model import (
    Availability,
    Commemoration,
    DateRange,
    Person,
    PersonKind,
    Role,
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
    Signatory,
    TeamMember,
)
from gedsi_bot.errors import CatalogError, CatalogIssue
from gedsi_bot.locale import DEFAULT_LANGUAGE, Language, t

Loc = tuple[str | int, ...]

_ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INDONESIAN_DAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
WEEKDAYS: Mapping[str, int] = {
    name: index for names in (_ENGLISH_DAYS, _INDONESIAN_DAYS) for index, name in enumerate(names)
}
_DURATION = re.compile(r"^\s*(\d+)\s*(m|h|d|w)\s*$")
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_COLOUR = r"^#[0-9A-Fa-f]{6}$"

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _parse_duration(value: object) -> object:
    """Read "7d", "1h", "30m" or "2w" as a timedelta; leave anything else for pydantic."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError("duration")
        amount, unit = match.groups()
        return dt.timedelta(**{_DURATION_UNITS[unit]: int(amount)})
    return value


Duration = Annotated[dt.timedelta, BeforeValidator(_parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- the file's shape ----------------------------------------------------------------------


class _CadenceSpec(_Model):
    frequency: Frequency
    weekday: str
    weeks_of_month: list[int] = Field(default_factory=list)
    anchor: dt.date | None = None

    @field_validator("weekday")
    @classmethod
    def _known_weekday(cls, value: str) -> str:
        if value.lower() not in WEEKDAYS:
            raise ValueError("weekday")
        return value.lower()

    @field_validator("weeks_of_month")
    @classmethod
    def _real_weeks(cls, weeks: list[int]) -> list[int]:
        if any(week not in (1, 2, 3, 4, 5, -1) for week in weeks):
            raise ValueError("cadence_week_range")
        if len(set(weeks)) != len(weeks):
            raise ValueError("cadence_week_repeated")
        return weeks

    @model_validator(mode="after")
    def _possible(self) -> _CadenceSpec:
        weeks = self.weeks_of_month
        if self.frequency is Frequency.MONTHLY:
            if not weeks:
                raise ValueError("cadence_monthly_needs_weeks")
        elif weeks:
            raise ValueError("cadence_weeks_only_monthly")
        if self.frequency is Frequency.BIWEEKLY:
            if self.anchor is None:
                raise ValueError("cadence_biweekly_needs_anchor")
            if self.anchor.weekday() != WEEKDAYS[self.weekday]:
                raise ValueError("cadence_anchor_weekday")
        return self


class _ContactSpec(_Model):
    name: Text
    phone: Text | None = None
    telegram: Text | None = None


class _RangeSpec(_Model):
    from_: dt.date = Field(alias="from")
    until: dt.date
    reason: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _RangeSpec:
        if self.until < self.from_:
            raise ValueError("range_order")
        return self


def _single_day_as_range(value: object) -> object:
    """A bare date in a list of dates is a one-day range."""
    if isinstance(value, dt.date | str) and not isinstance(value, dt.datetime):
        return {"from": value, "until": value}
    return value


DateOrRange = Annotated[_RangeSpec, BeforeValidator(_single_day_as_range)]


class _SeriesSpec(_Model):
    id: Identifier
    name: Text
    tagline: Text
    organiser: Text
    platform: Text = "Zoom"
    timezone: str
    cadence: _CadenceSpec
    start_time: str
    duration_minutes: int = Field(ge=30, le=480)
    capacity: int = Field(ge=1, le=100_000)
    certificate_jp: int = Field(ge=0, le=100)
    retention_days: int = Field(ge=30, le=3650)
    contact: _ContactSpec
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    blackout_dates: list[DateOrRange] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("timezone") from None
        return value

    @field_validator("start_time", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if isinstance(value, int):  # YAML 1.1 reads an unquoted 9:30 as 570
            raise ValueError("time_quoted")
        if isinstance(value, str) and not re.fullmatch(r"([01]\d|2[0-3])[:.][0-5]\d", value):
            raise ValueError("time")
        return value

    @model_validator(mode="after")
    def _within_day(self) -> _SeriesSpec:
        hours, minutes = int(self.start_time[:2]), int(self.start_time[3:])
        if hours * 60 + minutes + self.duration_minutes > 24 * 60:
            raise ValueError("crosses_midnight")
        return self


class _SignatorySpec(_Model):
    name: Text
    title: Text
    signature: str | None = None


class _BrandingSpec(_Model):
    colors: dict[Identifier, Annotated[str, StringConstraints(pattern=_COLOUR)]]
    logos: list[str] = Field(default_factory=list)
    signatory: _SignatorySpec | None = None


_WEIGHTS = PlanningWeights()
_PLANNING = PlanningRules()
_REMINDERS = ReminderTimings()
_CERTIFICATES = CertificatePolicy()
Weight = Annotated[int, Field(ge=0, le=100)]


class _WeightsSpec(_Model):
    expertise: Weight = _WEIGHTS.expertise
    commemoration: Weight = _WEIGHTS.commemoration
    fair_load: Weight = _WEIGHTS.fair_load
    gender_balance: Weight = _WEIGHTS.gender_balance
    disability_inclusion: Weight = _WEIGHTS.disability_inclusion
    demand: Weight = _WEIGHTS.demand
    stability: Weight = _WEIGHTS.stability
    group_balance: Weight = _WEIGHTS.group_balance
    women_speakers: Weight = _WEIGHTS.women_speakers


class _PlanningSpec(_Model):
    min_speakers: int = Field(_PLANNING.min_speakers, ge=1, le=2)
    max_speakers: int = Field(_PLANNING.max_speakers, ge=1, le=2)
    min_gap_weeks: int = Field(_PLANNING.min_gap_weeks, ge=0, le=52)
    max_per_quarter: int = Field(_PLANNING.max_per_quarter, ge=1, le=13)
    theme_repeat_months: int = Field(_PLANNING.theme_repeat_months, ge=0, le=60)
    max_consecutive_group: int = Field(_PLANNING.max_consecutive_group, ge=1, le=52)
    lead_days: int = Field(_PLANNING.lead_days, ge=0, le=365)
    weights: _WeightsSpec = Field(default_factory=_WeightsSpec)

    @model_validator(mode="after")
    def _speaker_bounds(self) -> _PlanningSpec:
        if self.min_speakers > self.max_speakers:
            raise ValueError("speaker_bounds")
        return self


class _RemindersSpec(_Model):
    participant_before: list[Duration] = Field(
        default_factory=lambda: list(_REMINDERS.participant_before)
    )
    team_before: list[Duration] = Field(default_factory=lambda: list(_REMINDERS.team_before))
    started_nudge_after: Duration | None = _REMINDERS.started_nudge_after
    feedback_after_end: Duration = _REMINDERS.feedback_after_end


class _RegistrationSpec(_Model):
    consent_version: Text
    ask_institution: bool = True
    ask_area: bool = True
    ask_disability: bool = True
    ask_accessibility: bool = True
    waitlist: bool = True
    closes_before_start: Duration = dt.timedelta(0)


class _CertificatesSpec(_Model):
    require_attendance: bool = _CERTIFICATES.require_attendance
    require_feedback: bool = _CERTIFICATES.require_feedback
    attendance_threshold_percent: int = Field(
        _CERTIFICATES.attendance_threshold_percent, ge=0, le=100
    )
    self_declared_attendance: bool = _CERTIFICATES.self_declared_attendance


class _CommemorationSpec(_Model):
    id: Identifier
    name: Text
    date: str | None = None
    from_: str | None = Field(None, alias="from")
    until: str | None = None
    women_speakers: bool = False

    @field_validator("date", "from_", "until")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None:
            match = _MONTH_DAY.match(value)
            if match is None or not _real_month_day(int(match[1]), int(match[2])):
                raise ValueError("month_day")
        return value

    @model_validator(mode="after")
    def _one_form(self) -> _CommemorationSpec:
        single = self.date is not None
        ranged = self.from_ is not None and self.until is not None
        if single == ranged or (self.from_ is None) != (self.until is None):
            raise ValueError("commemoration_form")
        return self


class _ThemeSpec(_Model):
    id: Identifier
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=160)]
    group: ThemeGroup
    summary: LongText
    tags: list[Identifier] = Field(min_length=1)
    months: list[Annotated[int, Field(ge=1, le=12)]] = Field(default_factory=list)
    months_only: bool = False
    commemorations: list[Identifier] = Field(default_factory=list)
    last_used: dt.date | None = None

    @model_validator(mode="after")
    def _months_for_months_only(self) -> _ThemeSpec:
        if self.months_only and not self.months:
            raise ValueError("months_only_needs_months")
        return self


class _AvailabilitySpec(_Model):
    weekdays: list[str] = Field(
        default_factory=lambda: ["monday", "tuesday", "wednesday", "thursday", "friday"]
    )
    from_: dt.date | None = Field(None, alias="from")
    until: dt.date | None = None
    blackout: list[DateOrRange] = Field(default_factory=list)

    @field_validator("weekdays")
    @classmethod
    def _known_weekdays(cls, value: list[str]) -> list[str]:
        if not value or any(day.lower() not in WEEKDAYS for day in value):
            raise ValueError("weekday")
        return [day.lower() for day in value]


class _PersonSpec(_Model):
    id: Identifier
    name: Text
    title: Text
    organisation: Text
    kind: PersonKind
    gender: Sex
    roles: list[Role] = Field(min_length=1)
    expertise: list[Identifier] = Field(default_factory=list)
    has_disability: bool = False
    availability: _AvailabilitySpec = Field(default_factory=_AvailabilitySpec)
    max_per_quarter: int | None = Field(None, ge=1, le=13)
    telegram: (
        Annotated[str, StringConstraints(pattern=r"^(@[A-Za-z0-9_]{5,32}|\d{1,15})$")] | None
    ) = None
    photo: str | None = None


class _TeamSpec(_Model):
    name: Text
    telegram_id: int | None = Field(None, ge=1)
    telegram: Annotated[str, StringConstraints(pattern=r"^@[A-Za-z0-9_]{5,32}$")] | None = None
    role: Literal["admin"] = "admin"

    @model_validator(mode="after")
    def _reachable(self) -> _TeamSpec:
        if self.telegram_id is None and self.telegram is None:
            raise ValueError("team_contact")
        return self


class _CatalogSpec(_Model):
    series: _SeriesSpec
    branding: _BrandingSpec
    planning: _PlanningSpec = Field(default_factory=_PlanningSpec)
    reminders: _RemindersSpec = Field(default_factory=_RemindersSpec)
    registration: _RegistrationSpec
    certificates: _CertificatesSpec = Field(default_factory=_CertificatesSpec)
    tags: dict[Identifier, Text]
    commemorations: list[_CommemorationSpec] = Field(default_factory=list)
    themes: list[_ThemeSpec] = Field(min_length=1)
    people: list[_PersonSpec] = Field(min_length=1)
    team: list[_TeamSpec] = Field(default_factory=list)


def _real_month_day(month: int, day: int) -> bool:
    try:
        dt.date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        return False
    return True


# --- where values stand in the file --------------------------------------------------------


@dataclass
class _Located:
    """The parsed document and the line/column (1-based) of every value and key in it."""

    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    duplicate_keys: list[Loc] = field(default_factory=list)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The nearest known place for ``loc``: itself, or its closest parent that exists."""
        table = self.keys if key else self.values
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


# libyaml's parser, where PyYAML was built with it, reads the catalog eight times faster than
# the pure-Python one; both give the same nodes and marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> _Located:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return _Located(data=None)
        located = _Located(data=loader.construct_document(root))
        _walk(loader, root, (), located)
    finally:
        loader.dispose()
    return located


# A catalog holds about a thousand values. Aliases can make a small file stand for billions
# (the "billion laughs"); walking or validating those would exhaust memory, so stop early.
MAX_VALUES = 100_000


class _TooManyValues(yaml.MarkedYAMLError):
    def __init__(self, node: yaml.Node) -> None:
        problem = f"more than {MAX_VALUES} values once aliases (*name) are expanded"
        super().__init__(problem=problem, problem_mark=node.start_mark)


def _walk(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, into: _Located) -> None:
    if len(into.values) >= MAX_VALUES:
        raise _TooManyValues(node)
    into.values[loc] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            child = (*loc, key if isinstance(key, str | int) else str(key))
            if key in seen:
                into.duplicate_keys.append(child)
            seen.add(key)
            into.keys[child] = _mark(key_node)
            _walk(loader, value_node, child, into)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(loader, item, (*loc, index), into)


# --- turning problems into the office's words ----------------------------------------------


_PYDANTIC_MESSAGES = {
    "missing": "catalog.missing",
    "extra_forbidden": "catalog.unknown_key",
    "string_type": "catalog.want_text",
    "int_type": "catalog.want_int",
    "int_parsing": "catalog.want_int",
    "int_from_float": "catalog.want_int",
    "bool_type": "catalog.want_bool",
    "bool_parsing": "catalog.want_bool",
    "list_type": "catalog.want_list",
    "dict_type": "catalog.want_mapping",
    "model_type": "catalog.want_mapping",
    "model_attributes_type": "catalog.want_mapping",
    "date_type": "catalog.want_date",
    "date_parsing": "catalog.want_date",
    "date_from_datetime_parsing": "catalog.want_date",
    "date_from_datetime_inexact": "catalog.want_date",
    "timedelta_type": "catalog.want_duration",
    "timedelta_parsing": "catalog.want_duration",
    "string_too_short": "catalog.text_empty",
    "string_too_long": "catalog.text_too_long",
    "string_pattern_mismatch": "catalog.pattern",
    "too_short": "catalog.list_too_short",
    "too_long": "catalog.list_too_long",
    "greater_than_equal": "catalog.at_least",
    "less_than_equal": "catalog.at_most",
    "enum": "catalog.one_of",
    "literal_error": "catalog.one_of",
}


def _describe(error: ErrorDetails, language: Language, rules: str = "catalog.rule") -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "value_error":
        code = str(ctx.get("error", ""))
        key = f"{rules}.{code}"
        try:
            return t(key, language, value=error.get("input"))
        except KeyError:
            return code
    message_key = _PYDANTIC_MESSAGES.get(kind)
    if message_key is None:
        return error["msg"]
    values = {
        "value": error.get("input"),
        "key": error["loc"][-1] if error["loc"] else "",
        "min": ctx.get("min_length", ctx.get("ge", "")),
        "max": ctx.get("max_length", ctx.get("le", "")),
        "expected": str(ctx.get("expected", "")).replace(" or ", t("catalog.or", language)),
        "pattern": _pattern_hint(error["loc"], language),
    }
    return t(message_key, language, **values)


def _pattern_hint(loc: Loc, language: Language) -> str:
    names = [part for part in loc if isinstance(part, str)]
    last = names[-1] if names else ""
    if last in {"telegram"}:
        return t("catalog.hint.telegram", language)
    if names and names[0] == "branding":
        return t("catalog.hint.colour", language)
    return t("catalog.hint.identifier", language)


def _clean_loc(loc: Sequence[str | int], located: _Located) -> Loc:
    """Drop pydantic's internal steps (union member names) and map aliases back to keys."""
    cleaned: list[str | int] = []
    for part in loc:
        step = part.rstrip("_") if isinstance(part, str) and part.endswith("_") else part
        candidate = (*cleaned, step)
        if candidate in located.values or candidate in located.keys:
            cleaned.append(step)
        elif isinstance(step, str) and step.startswith(("function-", "tagged-union", "json-or")):
            continue
        else:
            cleaned.append(step)
    return tuple(cleaned)


# --- cross-checks that need the whole document ---------------------------------------------


def _items(data: Any, section: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(section) if isinstance(data, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _series_today(data: dict[str, Any], now: dt.datetime) -> dt.date:
    """Today in the series' timezone (UTC when the timezone is unusable)."""
    series = data.get("series")
    zone_name = series.get("timezone") if isinstance(series, dict) else None
    try:
        zone = ZoneInfo(zone_name) if isinstance(zone_name, str) else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return now.astimezone(zone).date()


def _cross_check(
    data: Any, base: Path, now: dt.datetime, language: Language
) -> Iterator[tuple[Loc, str]]:
    if not isinstance(data, dict):
        return
    today = _series_today(data, now)
    yield from _duplicate_ids(data, language)
    tags = data.get("tags") if isinstance(data.get("tags"), dict) else None
    known_commemorations = {
        item["id"] for _, item in _items(data, "commemorations") if isinstance(item.get("id"), str)
    }
    tag_ids = set(tags) if tags is not None else None
    for index, theme in _items(data, "themes"):
        here: Loc = ("themes", index)
        if tag_ids is not None:
            yield from _unknown_refs(
                theme, key="tags", loc=here, known=tag_ids, what="tag", language=language
            )
        yield from _unknown_refs(
            theme,
            key="commemorations",
            loc=here,
            known=known_commemorations,
            what="commemoration",
            language=language,
        )
    for index, person in _items(data, "people"):
        if tag_ids is not None:
            yield from _unknown_refs(
                person,
                key="expertise",
                loc=("people", index),
                known=tag_ids,
                what="tag",
                language=language,
            )
        photo = person.get("photo")
        if isinstance(photo, str) and not (base / photo).is_file():
            yield ("people", index, "photo"), t("catalog.file_missing", language, path=photo)
        roles = person.get("roles")
        if isinstance(roles, list) and "speaker" in roles and not person.get("expertise"):
            yield ("people", index, "roles"), t("catalog.speaker_without_expertise", language)
    branding = data.get("branding")
    if isinstance(branding, dict):
        yield from _missing_files(branding, base, language)
    series = data.get("series")
    if isinstance(series, dict):
        ends_on = series.get("ends_on")
        if isinstance(ends_on, dt.date) and ends_on < today:
            yield ("series", "ends_on"), t("catalog.date_past", language, date=ends_on)
        starts_on = series.get("starts_on")
        if isinstance(starts_on, dt.date) and isinstance(ends_on, dt.date) and ends_on < starts_on:
            yield ("series", "ends_on"), t("catalog.rule.range_order", language)


def _duplicate_ids(data: dict[str, Any], language: Language) -> Iterator[tuple[Loc, str]]:
    for section in ("themes", "people", "commemorations"):
        first_seen: dict[str, int] = {}
        for index, item in _items(data, section):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first_seen:
                yield (
                    (section, index, "id"),
                    t("catalog.duplicate_id", language, id=ident, first=first_seen[ident] + 1),
                )
            else:
                first_seen[ident] = index


def _unknown_refs(
    item: dict[str, Any],
    *,
    key: str,
    loc: Loc,
    known: set[Any],
    what: str,
    language: Language,
) -> Iterator[tuple[Loc, str]]:
    refs = item.get(key)
    if not isinstance(refs, list):
        return
    for index, ref in enumerate(refs):
        if isinstance(ref, str) and ref not in known:
            yield (*loc, key, index), t(f"catalog.unknown_{what}", language, id=ref)


def _missing_files(
    branding: dict[str, Any], base: Path, language: Language
) -> Iterator[tuple[Loc, str]]:
    logos = branding.get("logos")
    if isinstance(logos, list):
        for index, logo in enumerate(logos):
            if isinstance(logo, str) and not (base / logo).is_file():
                yield ("branding", "logos", index), t("catalog.file_missing", language, path=logo)
    signatory = branding.get("signatory")
    if isinstance(signatory, dict):
        signature = signatory.get("signature")
        if isinstance(signature, str) and not (base / signature).is_file():
            yield (
                ("branding", "signatory", "signature"),
                t("catalog.file_missing", language, path=signature),
            )


# --- building the domain values ------------------------------------------------------------


def _range(item: _RangeSpec) -> DateRange:
    return DateRange(item.from_, item.until)


def _month_day_tuple(text: str) -> tuple[int, int]:
    return (int(text[:2]), int(text[3:]))


def _build(spec: _CatalogSpec, source: Path) -> Catalog:
    base = source.parent
    series = spec.series
    cadence = series.cadence
    branding = spec.branding
    weights = spec.planning.weights
    return Catalog(
        source=source,
        series=SeriesConfig(
            id=series.id,
            name=series.name,
            tagline=series.tagline,
            organiser=series.organiser,
            platform=series.platform,
            timezone=series.timezone,
            cadence=Cadence(
                frequency=cadence.frequency,
                weekday=WEEKDAYS[cadence.weekday],
                weeks_of_month=tuple(cadence.weeks_of_month),
                anchor=cadence.anchor,
            ),
            start_time=dt.time(int(series.start_time[:2]), int(series.start_time[3:])),
            duration_minutes=series.duration_minutes,
            capacity=series.capacity,
            certificate_jp=series.certificate_jp,
            retention_days=series.retention_days,
            contact=Contact(series.contact.name, series.contact.phone, series.contact.telegram),
            starts_on=series.starts_on,
            ends_on=series.ends_on,
            blackout=tuple(_range(item) for item in series.blackout_dates),
        ),
        branding=Branding(
            colors=dict(branding.colors),
            logos=tuple(base / logo for logo in branding.logos),
            signatory=(
                Signatory(
                    branding.signatory.name,
                    branding.signatory.title,
                    base / branding.signatory.signature if branding.signatory.signature else None,
                )
                if branding.signatory
                else None
            ),
        ),
        planning=PlanningRules(
            min_speakers=spec.planning.min_speakers,
            max_speakers=spec.planning.max_speakers,
            min_gap_weeks=spec.planning.min_gap_weeks,
            max_per_quarter=spec.planning.max_per_quarter,
            theme_repeat_months=spec.planning.theme_repeat_months,
            max_consecutive_group=spec.planning.max_consecutive_group,
            lead_days=spec.planning.lead_days,
            weights=PlanningWeights(**weights.model_dump()),
        ),
        reminders=ReminderTimings(
            participant_before=tuple(spec.reminders.participant_before),
            team_before=tuple(spec.reminders.team_before),
            started_nudge_after=spec.reminders.started_nudge_after,
            feedback_after_end=spec.reminders.feedback_after_end,
        ),
        registration=RegistrationOptions(**spec.registration.model_dump()),
        certificates=CertificatePolicy(**spec.certificates.model_dump()),
        tags=dict(spec.tags),
        commemorations=tuple(
            Commemoration(
                id=item.id,
                name=item.name,
                start=_month_day_tuple(item.date or item.from_ or ""),
                end=_month_day_tuple(item.date or item.until or ""),
                women_speakers=item.women_speakers,
            )
            for item in spec.commemorations
        ),
        themes=tuple(
            Theme(
                id=theme.id,
                title=theme.title,
                group=theme.group,
                summary=theme.summary,
                tags=frozenset(theme.tags),
                preferred_months=frozenset(theme.months),
                commemorations=tuple(theme.commemorations),
                last_used=theme.last_used,
                months_only=theme.months_only,
            )
            for theme in spec.themes
        ),
        people=tuple(_person(person, base) for person in spec.people),
        team=tuple(
            TeamMember(
                name=member.name,
                telegram_id=member.telegram_id,
                telegram_username=member.telegram,
                role=member.role,
            )
            for member in spec.team
        ),
    )


def _person(spec: _PersonSpec, base: Path) -> Person:
    availability = spec.availability
    return Person(
        id=spec.id,
        name=spec.name,
        title=spec.title,
        organisation=spec.organisation,
        kind=spec.kind,
        gender=spec.gender,
        roles=frozenset(spec.roles),
        expertise=frozenset(spec.expertise),
        availability=Availability(
            weekdays=frozenset(WEEKDAYS[day] for day in availability.weekdays),
            available_from=availability.from_,
            available_until=availability.until,
            blackout=tuple(_range(item) for item in availability.blackout),
        ),
        max_per_quarter=spec.max_per_quarter,
        has_disability=spec.has_disability,
        telegram=spec.telegram,
        photo=str(base / spec.photo) if spec.photo else None,
    )


# --- the entry points ----------------------------------------------------------------------


def parse_catalog(
    text: str,
    *,
    source: Path,
    now: dt.datetime,
    language: Language = DEFAULT_LANGUAGE,
) -> Catalog:
    """Validate catalog ``text`` read from ``source``; raise ``CatalogError`` with every issue.

    ``now`` (aware) decides which dates count as past, in the series' timezone; files named in
    the catalog are looked up relative to ``source``'s folder.
    """
    shown = str(source)
    try:
        located = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or error.context or "YAML"
        raise CatalogError(
            [
                CatalogIssue(
                    shown, line, column, t("catalog.yaml_syntax", language, problem=problem)
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        raise CatalogError(
            [CatalogIssue(shown, 1, 1, t("catalog.yaml_syntax", language, problem=str(error)))]
        ) from None

    problems: list[tuple[Loc, str, bool]] = [
        (loc, t("catalog.duplicate_key", language, key=loc[-1]), True)
        for loc in located.duplicate_keys
    ]
    if not isinstance(located.data, dict):
        problems.append(((), t("catalog.want_mapping", language), False))
        raise _catalog_error(problems, located, shown)

    spec: _CatalogSpec | None = None
    try:
        spec = _CatalogSpec.model_validate(located.data)
    except ValidationError as error:
        for detail in error.errors():
            loc = _clean_loc(detail["loc"], located)
            on_key = detail["type"] == "extra_forbidden"
            problems.append((loc, _describe(detail, language), on_key))
    for loc, message in _cross_check(located.data, source.parent, now, language):
        problems.append((loc, message, False))

    if problems or spec is None:
        raise _catalog_error(problems, located, shown)
    return _build(spec, source)


ModelT = TypeVar("ModelT", bound=BaseModel)


class YamlPlaces:
    """Where the values of a parsed YAML file stand, to report a later check at its line."""

    def __init__(self, located: _Located, source: Path) -> None:
        self._located = located
        self.source = source
        self._shown = str(source)

    def issue(self, loc: Loc, message: str, *, on_key: bool = False) -> CatalogIssue:
        """A problem with the value at ``loc`` (or with its key), as ``PATH:LINE:COLUMN``."""
        return CatalogIssue(self._shown, *self._located.position(loc, key=on_key), message)


def parse_yaml_as(
    text: str,
    model: type[ModelT],
    *,
    source: Path,
    language: Language = DEFAULT_LANGUAGE,
    rules: str = "catalog.rule",
) -> tuple[ModelT, YamlPlaces]:
    """Validate YAML ``text`` against ``model`` the way the catalog is validated.

    Every problem is reported at once as ``PATH:LINE:COLUMN: message`` in a ``CatalogError``;
    ``rules`` is the locale prefix of the messages for the model's own ``ValueError`` codes.
    Other files with their own schema (flyer templates) use this to speak like the catalog.
    """
    shown = str(source)
    try:
        located = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or error.context or "YAML"
        message = t("catalog.yaml_syntax", language, problem=problem)
        raise CatalogError([CatalogIssue(shown, line, column, message)]) from None
    except yaml.YAMLError as error:
        message = t("catalog.yaml_syntax", language, problem=str(error))
        raise CatalogError([CatalogIssue(shown, 1, 1, message)]) from None
    problems: list[tuple[Loc, str, bool]] = [
        (loc, t("catalog.duplicate_key", language, key=loc[-1]), True)
        for loc in located.duplicate_keys
    ]
    if not isinstance(located.data, dict):
        problems.append(((), t("catalog.want_mapping", language), False))
        raise _catalog_error(problems, located, shown)
    try:
        spec = model.model_validate(located.data)
    except ValidationError as error:
        for detail in error.errors():
            loc = _clean_loc(detail["loc"], located)
            on_key = detail["type"] == "extra_forbidden"
            problems.append((loc, _describe(detail, language, rules), on_key))
        raise _catalog_error(problems, located, shown) from None
    if problems:
        raise _catalog_error(problems, located, shown)
    return spec, YamlPlaces(located, source)


def _catalog_error(
    problems: list[tuple[Loc, str, bool]], located: _Located, shown: str
) -> CatalogError:
    issues = {
        CatalogIssue(shown, *located.position(loc, key=on_key), message)
        for loc, message, on_key in problems
    }
    return CatalogError(
        sorted(issues, key=lambda issue: (issue.line, issue.column, issue.message))
    )


def load_catalog(
    path: Path, *, now: dt.datetime | None = None, language: Language = DEFAULT_LANGUAGE
) -> Catalog:
    """Read and validate the catalog file at ``path`` (see ``parse_catalog``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise CatalogError(
            [CatalogIssue(str(path), 1, 1, t("catalog.unreadable", language, reason=reason))]
        ) from None
    if now is None:
        now = dt.datetime.now(dt.UTC)
    return parse_catalog(text, source=path, now=now, language=language)
