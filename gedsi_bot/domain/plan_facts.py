"""What the planner knows before it searches: who may do what, when, and which rules bind where.

Everything here is plain arithmetic on the catalog, the dates to fill and the sessions that
stay as they are ("fixtures": approved, published or past sessions, and drafts outside the
planned period). The CP-SAT model, the pre-checks and the reasons all read the same facts,
so a rule is written once.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gedsi_bot.domain.model import (
    Commemoration,
    InvitationResponse,
    Person,
    Role,
    Session,
    SessionStatus,
    Theme,
    ThemeGroup,
)
from gedsi_bot.domain.series import Catalog, PlanningRules

# Commemoration strength of a theme on a date (0 = none).
NEAR_DAYS = 7  # a session within a week of a commemorative day (or in its period) marks it
LEVEL_NEAR = 3
LEVEL_MONTH = 2
LEVEL_PREFERRED = 1  # a theme in one of its own ``months`` (on top of any commemoration)
DEMAND_LEVELS = 3  # demand scores are scaled to 0..3 against the most asked-for theme
FAIR_LOAD_LOOKBACK = dt.timedelta(days=365)
DISABILITY_SHARE = 4  # aim for a speaker with a disability in at least one session in four


def quarter_of(day: dt.date) -> tuple[int, int]:
    """The calendar quarter (year, 1..4) of ``day``."""
    return (day.year, (day.month - 1) // 3 + 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def too_soon_for_theme(earlier: dt.date, later: dt.date, months: int) -> bool:
    """Whether a theme used on ``earlier`` may not come back on ``later`` yet."""
    return months > 0 and later < add_months(earlier, months)


def too_soon_for_person(first: dt.date, second: dt.date, weeks: int) -> bool:
    """Whether one person appearing on both days breaks the gap of ``weeks`` weeks."""
    return weeks > 0 and first != second and abs((second - first).days) < weeks * 7


class Blocker(StrEnum):
    """Why a person cannot take a role on a date, before any search."""

    ROLE = "role"
    UNAVAILABLE = "unavailable"
    DECLINED = "declined"
    GAP = "gap"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class PersonBlock:
    blocker: Blocker
    other_day: dt.date | None = None  # the fixture's day for GAP
    limit: int | None = None  # the quarter limit for QUARTER


@dataclass(frozen=True, slots=True)
class ThemeRepeat:
    """A theme used on ``day`` (by a fixture, or the catalog's ``last_used``)."""

    theme_id: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class Mark:
    """A session marking one year's occurrence of a commemoration, at some strength."""

    commemoration: Commemoration
    year: int
    level: int

    @property
    def occurrence(self) -> tuple[str, int]:
        return (self.commemoration.id, self.year)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One session in time order: a slot to fill (``slot``) or a fixture's group."""

    day: dt.date
    slot: int | None
    group: ThemeGroup | None


@dataclass
class PlanFacts:
    """The precomputed planning problem; indices follow catalog order and slot order."""

    catalog: Catalog
    slots: tuple[dt.datetime, ...]
    days: tuple[dt.date, ...]
    fixtures: tuple[Session, ...]
    drafts: tuple[Session, ...]
    demand: Mapping[str, int]
    disability_goal: int | None = None  # overrides the share-based target (see restricted)
    balance_period: tuple[dt.date, dt.date] | None = None  # default: first to last slot
    parent: PlanFacts | None = field(default=None, repr=False, compare=False)
    parent_slots: tuple[int, ...] = field(default=(), repr=False, compare=False)
    themes: tuple[Theme, ...] = field(init=False)
    people: tuple[Person, ...] = field(init=False)
    rules: PlanningRules = field(init=False)
    speaker_ok: list[list[bool]] = field(init=False)  # [slot][person]
    moderator_ok: list[list[bool]] = field(init=False)
    theme_ok: list[list[bool]] = field(init=False)  # [slot][theme]
    compatible: list[frozenset[int]] = field(init=False)  # theme -> speakers covering a tag
    fixture_load: list[int] = field(init=False)  # per person, fixtures in the fairness window
    fixture_speakers_by_sex: dict[str, int] = field(init=False)
    fixture_disability_sessions: int = field(init=False)
    period_group_counts: dict[ThemeGroup, int] = field(init=False)
    _fixture_days: list[list[dt.date]] = field(init=False, repr=False)
    _declined: set[tuple[dt.datetime, str]] = field(init=False, repr=False)
    _uses_by_theme: dict[str, list[ThemeRepeat]] = field(init=False, repr=False)
    _theme_index: dict[str, int] = field(init=False, repr=False)
    _tag_masks: list[list[int]] = field(init=False, repr=False)
    _potential: dict[tuple[int, int], int] = field(init=False, repr=False)
    _levels: dict[tuple[dt.date, int], tuple[Mark, ...]] = field(init=False, repr=False)
    _compatible_masks: list[int] = field(init=False, repr=False)
    _speaker_masks: list[int] = field(init=False, repr=False)
    _demand_levels: list[int] = field(init=False, repr=False)
    _person_index: dict[str, int] = field(init=False, repr=False)
    quarter_room: dict[tuple[int, tuple[int, int]], int] = field(init=False)
    repeats: list[ThemeRepeat] = field(init=False)
    timeline: list[TimelineItem] = field(init=False)
    fixture_marks: dict[tuple[str, int], int] = field(init=False)
    period_fixtures: int = field(init=False)

    def __post_init__(self) -> None:
        self.themes = self.catalog.themes
        self.people = self.catalog.people
        self.rules = self.catalog.planning
        parent = self.parent
        if parent is not None:
            self._share_catalog_facts(parent)
        else:
            self._catalog_facts()
        self._count_fixtures()
        if parent is not None and not any(_people_of(extra) for extra in self.fixtures):
            rows = self.parent_slots
            self.speaker_ok = [parent.speaker_ok[s] for s in rows]
            self.moderator_ok = [parent.moderator_ok[s] for s in rows]
        else:
            self.speaker_ok = [
                [self.person_block(s, p, Role.SPEAKER) is None for p in range(len(self.people))]
                for s in range(len(self.slots))
            ]
            self.moderator_ok = [
                [self.person_block(s, p, Role.MODERATOR) is None for p in range(len(self.people))]
                for s in range(len(self.slots))
            ]
        self._speaker_masks = [
            sum(1 << p for p, ok in enumerate(row) if ok) for row in self.speaker_ok
        ]
        self.repeats = self._theme_uses()
        self._uses_by_theme = defaultdict(list)
        for use in self.repeats:
            self._uses_by_theme[use.theme_id].append(use)
        self.theme_ok = [
            [self.theme_block(s, t) is None for t in range(len(self.themes))]
            for s in range(len(self.slots))
        ]
        self.timeline = self._timeline()
        self.fixture_marks = self._fixture_marks()

    def _fixture_marks(self) -> dict[tuple[str, int], int]:
        """The commemoration occurrences fixtures already mark, and how strongly."""
        found: dict[tuple[str, int], int] = {}
        for session in self.fixtures:
            theme = self.theme_index(session.theme_id)
            if theme is None:
                continue
            for commemoration_id in self.themes[theme].commemorations:
                try:
                    commemoration = self.catalog.commemoration(commemoration_id)
                except KeyError:
                    continue
                level, year = commemoration_strength(commemoration, self.day_of(session))
                if level:
                    key = (commemoration.id, year)
                    found[key] = max(found.get(key, 0), level)
        return found

    def _catalog_facts(self) -> None:
        """What follows from the catalog alone: indices, who knows which theme, demand."""
        self._theme_index = {theme.id: index for index, theme in enumerate(self.themes)}
        self._person_index = {person.id: index for index, person in enumerate(self.people)}
        self.compatible = [
            frozenset(
                index
                for index, person in enumerate(self.people)
                if person.can_speak and person.expertise & theme.tags
            )
            for theme in self.themes
        ]
        self._tag_masks = [
            [
                sum(1 << i for i, tag in enumerate(sorted(theme.tags)) if tag in person.expertise)
                for person in self.people
            ]
            for theme in self.themes
        ]
        self._potential = {}
        self._levels = {}
        self._compatible_masks = [sum(1 << p for p in speakers) for speakers in self.compatible]
        top = max(self.demand.values(), default=0)
        self._demand_levels = [
            _demand_level(self.demand.get(theme.id, 0), top) for theme in self.themes
        ]

    def _share_catalog_facts(self, parent: PlanFacts) -> None:
        self._theme_index = parent._theme_index
        self._person_index = parent._person_index
        self.compatible = parent.compatible
        self._tag_masks = parent._tag_masks
        self._potential = parent._potential  # keyed by theme and speakers, not by slot
        self._levels = parent._levels  # keyed by day
        self._compatible_masks = parent._compatible_masks
        self._demand_levels = parent._demand_levels

    # --- indices ----------------------------------------------------------------------------

    def theme_index(self, theme_id: str) -> int | None:
        return self._theme_index.get(theme_id)

    def person_index(self, person_id: str) -> int | None:
        return self._person_index.get(person_id)

    @property
    def min_speakers(self) -> int:
        return self.rules.min_speakers

    def person_limit(self, person: Person) -> int:
        if person.max_per_quarter is not None:
            return person.max_per_quarter
        return self.rules.max_per_quarter

    # --- fixtures -----------------------------------------------------------------------------

    @property
    def _period(self) -> tuple[dt.date, dt.date]:
        if self.balance_period is not None:
            return self.balance_period
        return (self.days[0], self.days[-1])

    def _count_fixtures(self) -> None:
        load = [0] * len(self.people)
        by_sex: dict[str, int] = defaultdict(int)
        used_in_quarter: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
        days_by_person: list[list[dt.date]] = [[] for _ in self.people]
        self.fixture_disability_sessions = 0
        self.period_fixtures = 0
        self.period_group_counts = defaultdict(int)
        for session in self.fixtures:
            day = self.day_of(session)
            in_window = (
                bool(self.days) and self.days[0] - FAIR_LOAD_LOOKBACK <= day <= self.days[-1]
            )
            in_period = bool(self.days) and self._period[0] <= day <= self._period[1]
            self.period_fixtures += int(in_period)
            group = self._group_of(session.theme_id)
            if in_period and group is not None:
                self.period_group_counts[group] += 1
            for person_id in _people_of(session):
                index = self.person_index(person_id)
                if index is None:
                    continue
                days_by_person[index].append(day)
                used_in_quarter[(index, quarter_of(day))] += 1
                load[index] += int(in_window)
            speakers = [self.person_index(person_id) for person_id in session.speaker_ids]
            known = [self.people[index] for index in speakers if index is not None]
            if in_window:
                for person in known:
                    by_sex[person.gender.value] += 1
            if in_period and any(person.has_disability for person in known):
                self.fixture_disability_sessions += 1
        self.fixture_load = load
        self.fixture_speakers_by_sex = dict(by_sex)
        self._fixture_days = [sorted(days) for days in days_by_person]
        self.quarter_room = {
            (p, quarter): self.person_limit(self.people[p]) - used
            for (p, quarter), used in used_in_quarter.items()
        }
        self._declined = {
            (draft.starts_at, person.person_id)
            for draft in self.drafts
            for person in draft.people
            if person.response is InvitationResponse.DECLINED
        }

    def day_of(self, session: Session) -> dt.date:
        """A session's calendar day in the series' timezone."""
        return session.starts_at.astimezone(self.catalog.series.zone).date()

    def _theme_uses(self) -> list[ThemeRepeat]:
        uses = [
            ThemeRepeat(theme.id, theme.last_used)
            for theme in self.themes
            if theme.last_used is not None
        ]
        uses.extend(ThemeRepeat(s.theme_id, self.day_of(s)) for s in self.fixtures)
        return sorted(uses, key=lambda use: (use.day, use.theme_id))

    def _timeline(self) -> list[TimelineItem]:
        items = [
            TimelineItem(self.day_of(session), None, self._group_of(session.theme_id))
            for session in self.fixtures
        ]
        items.extend(TimelineItem(day, s, None) for s, day in enumerate(self.days))
        return sorted(items, key=lambda item: (item.day, -1 if item.slot is None else item.slot))

    def _group_of(self, theme_id: str) -> ThemeGroup | None:
        index = self.theme_index(theme_id)
        return None if index is None else self.themes[index].group

    # --- who and what may go where ------------------------------------------------------------

    def person_block(self, slot: int, person: int, role: Role) -> PersonBlock | None:
        """Why ``person`` cannot take ``role`` in ``slot``, or ``None`` if nothing rules it out."""
        who = self.people[person]
        if role not in who.roles:
            return PersonBlock(Blocker.ROLE)
        day = self.days[slot]
        if not who.availability.allows(day):
            return PersonBlock(Blocker.UNAVAILABLE)
        if self.declined(slot, who.id):
            return PersonBlock(Blocker.DECLINED)
        other = self._nearest_fixture_day(person, day)
        if other is not None and (
            other == day or too_soon_for_person(other, day, self.rules.min_gap_weeks)
        ):
            return PersonBlock(Blocker.GAP, other_day=other)
        if self.quarter_room.get((person, quarter_of(day)), 1) <= 0:
            return PersonBlock(Blocker.QUARTER, limit=self.person_limit(who))
        return None

    def _nearest_fixture_day(self, person: int, day: dt.date) -> dt.date | None:
        days = self._fixture_days[person]
        at = bisect_left(days, day)
        near = [days[i] for i in (at - 1, at) if 0 <= i < len(days)]
        return min(near, key=lambda other: (abs((other - day).days), other), default=None)

    def declined(self, slot: int, person_id: str) -> bool:
        """Whether ``person_id`` declined the draft session that sits on this slot's time."""
        return (self.slots[slot], person_id) in self._declined

    def theme_repeat_block(self, slot: int, theme: int) -> ThemeRepeat | None:
        """A fixture's use of ``theme`` too close to ``slot``, if there is one."""
        months = self.rules.theme_repeat_months
        day = self.days[slot]
        theme_id = self.themes[theme].id
        for use in self._uses_by_theme.get(theme_id, ()):
            earlier, later = sorted((use.day, day))
            if use.day == day or too_soon_for_theme(earlier, later, months):
                return use
        return None

    def available_speakers(self, slot: int, theme: int) -> list[int]:
        return [p for p in sorted(self.compatible[theme]) if self.speaker_ok[slot][p]]

    def out_of_season(self, slot: int, theme: int) -> bool:
        """Whether ``theme`` is kept to its own months and ``slot`` is not in one of them."""
        subject = self.themes[theme]
        return subject.months_only and self.days[slot].month not in subject.preferred_months

    def theme_block(self, slot: int, theme: int) -> str | None:
        """``"season"``, ``"repeat"`` or ``"speakers"`` if ``theme`` cannot go in ``slot``."""
        if self.out_of_season(slot, theme):
            return "season"
        available = self._speaker_masks[slot] & self._compatible_masks[theme]
        if available.bit_count() < self.min_speakers:
            return "speakers"
        if self.theme_repeat_block(slot, theme) is not None:
            return "repeat"
        return None

    # --- windows of the counting rules --------------------------------------------------------

    def gap_windows(self) -> list[list[int]]:
        """Maximal runs of slots any two of which are closer than the person gap."""
        weeks = self.rules.min_gap_weeks
        return _maximal_windows(self.days, lambda a, b: a == b or too_soon_for_person(a, b, weeks))

    def theme_windows(self) -> list[list[int]]:
        """Maximal runs of slots any two of which are too close for one theme."""
        months = self.rules.theme_repeat_months
        return _maximal_windows(self.days, lambda a, b: a == b or too_soon_for_theme(a, b, months))

    def quarters(self) -> dict[tuple[int, int], list[int]]:
        found: dict[tuple[int, int], list[int]] = defaultdict(list)
        for s, day in enumerate(self.days):
            found[quarter_of(day)].append(s)
        return dict(found)

    def group_windows(self) -> list[list[TimelineItem]]:
        """Every run of ``max_consecutive_group + 1`` sessions in a row with a slot in it."""
        size = self.rules.max_consecutive_group + 1
        runs = []
        for start in range(len(self.timeline) - size + 1):
            run = self.timeline[start : start + size]
            if any(item.slot is not None for item in run):
                runs.append(run)
        return runs

    # --- soft-goal levels ---------------------------------------------------------------------

    def marks(self, slot: int, theme: int) -> tuple[Mark, ...]:
        """The commemorations ``theme`` marks on the day of ``slot``, strongest first."""
        subject = self.themes[theme]
        if not subject.commemorations:
            return ()
        key = (self.days[slot], theme)
        if key not in self._levels:
            found = []
            for commemoration_id in subject.commemorations:
                try:
                    commemoration = self.catalog.commemoration(commemoration_id)
                except KeyError:
                    continue
                level, year = commemoration_strength(commemoration, self.days[slot])
                if level:
                    found.append(Mark(commemoration, year, level))
            self._levels[key] = tuple(sorted(found, key=lambda m: (-m.level, m.commemoration.id)))
        return self._levels[key]

    def women_days(self, theme: int) -> tuple[Commemoration, ...]:
        """The days about women ``theme`` belongs to: its speakers should be women."""
        found = []
        for commemoration_id in self.themes[theme].commemorations:
            try:
                commemoration = self.catalog.commemoration(commemoration_id)
            except KeyError:
                continue
            if commemoration.women_speakers:
                found.append(commemoration)
        return tuple(found)

    def preferred(self, slot: int, theme: int) -> bool:
        """Whether the slot falls in one of the theme's own ``months``."""
        return self.days[slot].month in self.themes[theme].preferred_months

    def demand_level(self, theme: int) -> int:
        """The theme's demand on a 0–3 scale against the most asked-for theme."""
        return self._demand_levels[theme]

    def staffing_potential(self, slot: int, theme: int) -> int:
        """The most theme tags the slot's available speakers could cover (before other slots)."""
        available = self._speaker_masks[slot] & self._compatible_masks[theme]
        key = (theme, available)
        if key not in self._potential:
            masks = {
                self._tag_masks[theme][p] for p in self.compatible[theme] if available >> p & 1
            }
            best = max((mask.bit_count() for mask in masks), default=0)
            if self.rules.max_speakers >= 2:
                ordered = sorted(masks)
                for i, first in enumerate(ordered):
                    for second in ordered[i + 1 :]:
                        best = max(best, (first | second).bit_count())
            self._potential[key] = best
        return self._potential[key]

    def theme_value(self, slot: int, theme: int) -> int:
        """What ``theme`` on ``slot`` is worth on its own, before people are chosen: its own
        month, demand, and the expertise cover the available speakers could give. (Marking a
        commemoration counts once per occurrence, in the model, not per session.)"""
        weights = self.rules.weights
        return (
            weights.commemoration * LEVEL_PREFERRED * self.preferred(slot, theme)
            + weights.demand * self._demand_levels[theme]
            + weights.expertise * self.staffing_potential(slot, theme)
        )

    def disabled_speaker_possible(self, slot: int, theme: int) -> bool:
        """Whether a speaker with a disability could give ``theme`` in ``slot``."""
        return any(
            self.people[p].has_disability and self.speaker_ok[slot][p]
            for p in self.compatible[theme]
        )

    def draft_themes(self) -> dict[int, int]:
        """The theme each current draft holds, by the slot it sits on."""
        slot_at = {starts: s for s, starts in enumerate(self.slots)}
        found = {}
        for draft in self.drafts:
            s = slot_at.get(draft.starts_at)
            t = self.theme_index(draft.theme_id)
            if s is not None and t is not None:
                found[s] = t
        return found

    def restricted(
        self,
        slots: Sequence[int],
        *,
        extra: Sequence[Session] = (),
        disability_goal: int | None = None,
        whole_period: bool = False,
    ) -> PlanFacts:
        """The same problem on some slots only, with ``extra`` sessions taken as fixtures.

        ``whole_period`` keeps the group shares of the whole plan, with ``extra`` counted in
        them, so the part's group balance is the whole plan's given the rest.
        """
        return PlanFacts(
            catalog=self.catalog,
            slots=tuple(self.slots[s] for s in slots),
            days=tuple(self.days[s] for s in slots),
            fixtures=tuple(sorted((*self.fixtures, *extra), key=lambda f: f.starts_at)),
            drafts=self.drafts,
            demand=self.demand,
            disability_goal=disability_goal,
            balance_period=(self.days[0], self.days[-1]) if whole_period else None,
            parent=self,
            parent_slots=tuple(slots),
        )

    def disability_target(self) -> int:
        if self.disability_goal is not None:
            return self.disability_goal
        sessions = len(self.slots) + self.period_fixtures
        wanted = math.ceil(sessions / DISABILITY_SHARE) if sessions else 0
        return max(0, wanted - self.fixture_disability_sessions)


def _demand_level(votes: int, top: int) -> int:
    if top <= 0 or votes <= 0:
        return 0
    return max(1, round(DEMAND_LEVELS * votes / top))


def commemoration_strength(commemoration: Commemoration, day: dt.date) -> tuple[int, int]:
    """How strongly a session on ``day`` marks the commemoration, and which year's occurrence.

    3 within a week of its day or period, 2 in one of its months, else 0. The occurrence is
    named by the year its period starts in (a period may cross the new year).
    """
    for shift in range(NEAR_DAYS + 1):
        for moved in {day + dt.timedelta(days=shift), day - dt.timedelta(days=shift)}:
            if commemoration.covers(moved):
                return LEVEL_NEAR, _occurrence_year(commemoration, moved)
    if day.month in commemoration.months:
        return LEVEL_MONTH, _occurrence_year(commemoration, day)
    return 0, day.year


def _occurrence_year(commemoration: Commemoration, day: dt.date) -> int:
    wraps = commemoration.start > commemoration.end
    if wraps and (day.month, day.day) <= commemoration.end:
        return day.year - 1
    if wraps and day.month < commemoration.start[0]:
        return day.year - 1
    return day.year


def _people_of(session: Session) -> tuple[str, ...]:
    moderator = session.moderator_id
    return (*session.speaker_ids, *((moderator,) if moderator else ()))


def _maximal_windows(
    days: Sequence[dt.date], clash: Callable[[dt.date, dt.date], bool]
) -> list[list[int]]:
    """Maximal index runs ``[i, j)`` of sorted ``days`` where the first clashes with the last."""
    windows: list[list[int]] = []
    end = 0
    previous_end = -1
    for start in range(len(days)):
        end = max(end, start + 1)
        while end < len(days) and clash(days[start], days[end]):
            end += 1
        if end > previous_end and end - start >= 2:
            windows.append(list(range(start, end)))
        previous_end = max(previous_end, end)
    return windows


def split_sessions(
    sessions: Sequence[Session],
    *,
    period: tuple[dt.datetime, dt.datetime],
    keep_before: dt.datetime | None = None,
) -> tuple[tuple[Session, ...], tuple[Session, ...]]:
    """(fixtures, drafts in the period) out of a series' stored sessions.

    Fixtures are every session that is neither a draft nor cancelled, plus drafts after the
    period and drafts before ``keep_before`` (too close to change: kept, and respected).
    Drafts before the period are stale and ignored; cancelled sessions never happened.
    """
    fixtures: list[Session] = []
    drafts: list[Session] = []
    start, end = period
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.number)):
        if session.status is SessionStatus.CANCELLED:
            continue
        too_close = keep_before is not None and start <= session.starts_at < keep_before
        if session.status is not SessionStatus.DRAFT or too_close:
            fixtures.append(session)
        elif start <= session.starts_at <= end:
            drafts.append(session)
        elif session.starts_at > end:
            fixtures.append(session)
    return tuple(fixtures), tuple(drafts)
