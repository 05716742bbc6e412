"""Candidate dates of a series: its cadence at its start time, minus holidays and blackouts.

Indonesian national holidays and cuti bersama come from the ``holidays`` package (a pure
library of rules, no I/O); callers may pass their own mapping instead, which tests do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import holidays as holidays_lib

from gedsi_bot.domain.model import DateRange
from gedsi_bot.domain.series import Cadence, Frequency, SeriesConfig

HOLIDAY_CATEGORIES = ("public", "government")  # national holidays and cuti bersama
# No series plans further ahead than this; it bounds a search for ``count`` dates.
MAX_HORIZON_DAYS = 366 * 10


class SkipReason(StrEnum):
    HOLIDAY = "holiday"
    BLACKOUT = "blackout"


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A cadence day the series does not meet on, and why (``name`` names the holiday)."""

    day: dt.date
    reason: SkipReason
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Candidates:
    """The start times a series may meet at, and the cadence days left out on the way."""

    starts: tuple[dt.datetime, ...]
    skipped: tuple[SkippedDay, ...]


def indonesian_holidays() -> Mapping[dt.date, str]:
    """Indonesia's national holidays and cuti bersama, named in Indonesian, for any year."""
    return holidays_lib.country_holidays(
        "ID", categories=HOLIDAY_CATEGORIES, language="id", expand=True
    )


def cadence_days(cadence: Cadence, *, start: dt.date) -> Iterator[dt.date]:
    """Every day the cadence falls on, from ``start`` on (endless; stop it yourself)."""
    if cadence.frequency is Frequency.MONTHLY:
        yield from _monthly_days(cadence, start=start)
        return
    step = 7 if cadence.frequency is Frequency.WEEKLY else 14
    day = start + dt.timedelta(days=(cadence.weekday - start.weekday()) % 7)
    anchor = cadence.anchor
    if cadence.frequency is Frequency.BIWEEKLY and anchor is not None and (day - anchor).days % 14:
        day += dt.timedelta(days=7)  # onto the anchor's fortnightly rhythm, on either side of it
    while True:
        yield day
        day += dt.timedelta(days=step)


def _monthly_days(cadence: Cadence, *, start: dt.date) -> Iterator[dt.date]:
    year, month = start.year, start.month
    while True:
        for day in sorted(_weekdays_of_month(year, month, cadence)):
            if day >= start:
                yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _weekdays_of_month(year: int, month: int, cadence: Cadence) -> set[dt.date]:
    first = dt.date(year, month, 1)
    first_match = first + dt.timedelta(days=(cadence.weekday - first.weekday()) % 7)
    matches = []
    day = first_match
    while day.month == month:
        matches.append(day)
        day += dt.timedelta(days=7)
    chosen = set()
    for week in cadence.weeks_of_month:
        if week == -1:
            chosen.add(matches[-1])
        elif week <= len(matches):
            chosen.add(matches[week - 1])
    return chosen


def candidate_dates(
    series: SeriesConfig,
    *,
    start: dt.date,
    end: dt.date | None = None,
    count: int | None = None,
    holidays: Mapping[dt.date, str] | None = None,
    taken: Sequence[dt.date] = (),
) -> Candidates:
    """The series' start times from ``start`` to ``end`` (inclusive) or the first ``count``.

    Skips national holidays and cuti bersama, the series' blackout dates, days in ``taken``
    (they already hold a session) and anything outside ``series.starts_on``/``ends_on``.
    At least one of ``end`` and ``count`` must be given.
    """
    if end is None and count is None:
        raise ValueError("candidate_dates needs an end or a count")
    holiday_names = indonesian_holidays() if holidays is None else holidays
    first = max(start, series.starts_on) if series.starts_on else start
    last = first + dt.timedelta(days=MAX_HORIZON_DAYS)
    for bound in (end, series.ends_on):
        if bound is not None:
            last = min(last, bound)
    occupied = frozenset(taken)
    starts: list[dt.datetime] = []
    skipped: list[SkippedDay] = []
    for day in cadence_days(series.cadence, start=first):
        if day > last or (count is not None and len(starts) >= count):
            break
        if day in occupied:
            continue
        left_out = _skip_reason(day, holiday_names, series.blackout)
        if left_out is not None:
            skipped.append(left_out)
            continue
        starts.append(dt.datetime.combine(day, series.start_time, tzinfo=series.zone))
    return Candidates(starts=tuple(starts), skipped=tuple(skipped))


def _skip_reason(
    day: dt.date, holiday_names: Mapping[dt.date, str], blackout: Sequence[DateRange]
) -> SkippedDay | None:
    name = holiday_names.get(day)
    if name is not None:
        return SkippedDay(day, SkipReason.HOLIDAY, name)
    if any(day in blocked for blocked in blackout):
        return SkippedDay(day, SkipReason.BLACKOUT)
    return None
