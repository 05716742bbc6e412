import dataclasses
import datetime as dt

import pytest

from gedsi_bot.domain.calendar import SkipReason, cadence_days, candidate_dates
from gedsi_bot.domain.model import DateRange
from gedsi_bot.domain.series import Cadence, Frequency
from tests.factories import JAKARTA, catalog, person, theme

THURSDAY = 3
NONE: dict[dt.date, str] = {}


def series(cadence: Cadence, **changes: object):  # type: ignore[no-untyped-def]
    base = catalog([theme("a")], [person("p", "umum")], cadence=cadence).series
    return dataclasses.replace(base, **changes)


def days(found: object) -> list[dt.date]:
    return [start.date() for start in found.starts]  # type: ignore[attr-defined]


def test_second_and_fourth_thursday_of_each_month() -> None:
    monthly = series(Cadence(Frequency.MONTHLY, THURSDAY, weeks_of_month=(2, 4)))
    found = candidate_dates(
        monthly, start=dt.date(2027, 1, 1), end=dt.date(2027, 2, 28), holidays=NONE
    )
    assert days(found) == [
        dt.date(2027, 1, 14),
        dt.date(2027, 1, 28),
        dt.date(2027, 2, 11),
        dt.date(2027, 2, 25),
    ]


def test_starts_are_aware_at_the_series_time_in_its_zone() -> None:
    monthly = series(Cadence(Frequency.MONTHLY, THURSDAY, weeks_of_month=(2,)))
    (start,) = candidate_dates(monthly, start=dt.date(2027, 1, 1), count=1, holidays=NONE).starts
    assert start == dt.datetime(2027, 1, 14, 9, 0, tzinfo=JAKARTA)
    assert start.utcoffset() == dt.timedelta(hours=7)


def test_last_week_rule_takes_the_last_such_weekday_even_in_five_week_months() -> None:
    last = series(Cadence(Frequency.MONTHLY, THURSDAY, weeks_of_month=(-1,)))
    found = candidate_dates(last, start=dt.date(2027, 3, 1), count=3, holidays=NONE)
    # March 2027 has four Thursdays, April five, May four.
    assert days(found) == [dt.date(2027, 3, 25), dt.date(2027, 4, 29), dt.date(2027, 5, 27)]


def test_fifth_week_only_in_months_that_have_one() -> None:
    fifth = series(Cadence(Frequency.MONTHLY, THURSDAY, weeks_of_month=(5,)))
    found = candidate_dates(
        fifth, start=dt.date(2027, 1, 1), end=dt.date(2027, 6, 30), holidays=NONE
    )
    assert days(found) == [dt.date(2027, 4, 29)]


def test_weekly_starts_on_the_first_matching_weekday() -> None:
    weekly = series(Cadence(Frequency.WEEKLY, THURSDAY))
    found = candidate_dates(weekly, start=dt.date(2027, 1, 15), count=2, holidays=NONE)
    assert days(found) == [dt.date(2027, 1, 21), dt.date(2027, 1, 28)]


@pytest.mark.parametrize("start", [dt.date(2026, 12, 1), dt.date(2027, 2, 1)])
def test_biweekly_keeps_the_anchor_rhythm_on_either_side_of_it(start: dt.date) -> None:
    anchor = dt.date(2027, 1, 14)
    fortnightly = series(Cadence(Frequency.BIWEEKLY, THURSDAY, anchor=anchor))
    found = days(candidate_dates(fortnightly, start=start, count=4, holidays=NONE))
    assert all((day - anchor).days % 14 == 0 for day in found)
    assert all(day.weekday() == THURSDAY for day in found)
    assert found == sorted(found)
    assert len(found) == 4


def test_cuti_bersama_and_christmas_are_skipped_with_their_indonesian_names() -> None:
    thursdays = series(Cadence(Frequency.WEEKLY, THURSDAY))
    fridays = series(Cadence(Frequency.WEEKLY, 4))
    around_christmas = {"start": dt.date(2026, 12, 14), "end": dt.date(2026, 12, 27)}
    on_thursdays = candidate_dates(thursdays, **around_christmas)
    on_fridays = candidate_dates(fridays, **around_christmas)
    assert days(on_thursdays) == [dt.date(2026, 12, 17)]
    assert days(on_fridays) == [dt.date(2026, 12, 18)]
    assert [(s.day, s.reason, s.name) for s in on_thursdays.skipped] == [
        (dt.date(2026, 12, 24), SkipReason.HOLIDAY, "Cuti Bersama Hari Raya Natal")
    ]
    assert [(s.day, s.reason, s.name) for s in on_fridays.skipped] == [
        (dt.date(2026, 12, 25), SkipReason.HOLIDAY, "Hari Raya Natal")
    ]


def test_blackout_ranges_are_skipped() -> None:
    closed = series(
        Cadence(Frequency.WEEKLY, THURSDAY),
        blackout=(DateRange(dt.date(2027, 1, 20), dt.date(2027, 2, 5)),),
    )
    found = candidate_dates(closed, start=dt.date(2027, 1, 14), count=3, holidays=NONE)
    assert days(found) == [dt.date(2027, 1, 14), dt.date(2027, 2, 11), dt.date(2027, 2, 18)]
    assert [(s.day, s.reason) for s in found.skipped] == [
        (dt.date(2027, 1, 21), SkipReason.BLACKOUT),
        (dt.date(2027, 1, 28), SkipReason.BLACKOUT),
        (dt.date(2027, 2, 4), SkipReason.BLACKOUT),
    ]


def test_series_bounds_and_taken_days_limit_the_dates() -> None:
    bounded = series(
        Cadence(Frequency.WEEKLY, THURSDAY),
        starts_on=dt.date(2027, 1, 10),
        ends_on=dt.date(2027, 2, 5),
    )
    found = candidate_dates(
        bounded,
        start=dt.date(2027, 1, 1),
        count=10,
        holidays=NONE,
        taken=[dt.date(2027, 1, 21)],
    )
    assert days(found) == [dt.date(2027, 1, 14), dt.date(2027, 1, 28), dt.date(2027, 2, 4)]


def test_an_end_or_a_count_is_needed() -> None:
    with pytest.raises(ValueError, match="end or a count"):
        candidate_dates(series(Cadence(Frequency.WEEKLY, THURSDAY)), start=dt.date(2027, 1, 1))


def test_cadence_days_never_go_before_the_start() -> None:
    cadence = Cadence(Frequency.MONTHLY, THURSDAY, weeks_of_month=(-1, 1))
    generated = cadence_days(cadence, start=dt.date(2027, 1, 15))
    first_three = [next(generated) for _ in range(3)]
    assert first_three == [dt.date(2027, 1, 28), dt.date(2027, 2, 4), dt.date(2027, 2, 25)]
