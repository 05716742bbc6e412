import datetime as dt

import pytest

from gedsi_bot.domain.model import (
    AgeBand,
    Availability,
    Commemoration,
    DateRange,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
    age_band,
    format_meeting_id,
    is_child,
    may_still_be_child,
)

ON = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (2026, AgeBand.A0_4),
        (2012, AgeBand.A10_14),
        (2011, AgeBand.A15_19),
        (2007, AgeBand.A15_19),
        (2006, AgeBand.A20_24),
        (1952, AgeBand.A70_74),
        (1951, AgeBand.A75_PLUS),
        (1920, AgeBand.A75_PLUS),
        (2030, AgeBand.A0_4),
    ],
)
def test_age_band_follows_bps_five_year_bands(birth_year: int, band: AgeBand) -> None:
    assert age_band(birth_year, ON) == band


def test_child_flag_is_under_eighteen_all_year() -> None:
    assert is_child(2009, ON)
    assert not is_child(2008, ON)
    assert may_still_be_child(2008, ON)
    assert not may_still_be_child(2007, ON)
    assert not may_still_be_child(2009, ON)


def test_commemoration_period_wraps_over_new_year() -> None:
    period = Commemoration("x", "X", start=(12, 20), end=(1, 5))
    assert period.covers(dt.date(2026, 12, 31))
    assert period.covers(dt.date(2027, 1, 5))
    assert not period.covers(dt.date(2027, 1, 6))
    assert period.months == frozenset({12, 1})


def test_sixteen_days_cover_november_and_december() -> None:
    sixteen = Commemoration("16", "16 HAKTP", start=(11, 25), end=(12, 10))
    assert sixteen.covers(dt.date(2026, 11, 26))
    assert sixteen.covers(dt.date(2026, 12, 10))
    assert not sixteen.covers(dt.date(2026, 12, 11))
    assert sixteen.months == frozenset({11, 12})


def test_availability_checks_weekday_window_and_blackouts() -> None:
    availability = Availability(
        weekdays=frozenset({3}),
        available_from=dt.date(2026, 12, 1),
        blackout=(DateRange(dt.date(2026, 12, 10), dt.date(2026, 12, 10)),),
    )
    assert availability.allows(dt.date(2026, 12, 3))
    assert not availability.allows(dt.date(2026, 12, 4))  # a Friday
    assert not availability.allows(dt.date(2026, 11, 26))  # before the window
    assert not availability.allows(dt.date(2026, 12, 10))  # blacked out


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("81234567890", "812 3456 7890"),
        ("812 3456 7890", "812 3456 7890"),
        ("8123456789", "812 345 6789"),
        ("812345678", "812 345 678"),
    ],
)
def test_meeting_id_is_grouped_like_zoom_shows_it(raw: str, shown: str) -> None:
    assert format_meeting_id(raw) == shown


def test_session_orders_speakers_and_finds_moderator() -> None:
    session = Session(
        id=1,
        number=7,
        theme_id="cegah-kdrt",
        starts_at=dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC),
        duration_minutes=120,
        status=SessionStatus.DRAFT,
        people=(
            SessionPerson("b", Role.SPEAKER, 1),
            SessionPerson("m", Role.MODERATOR),
            SessionPerson("a", Role.SPEAKER, 0),
        ),
    )
    assert session.speaker_ids == ("a", "b")
    assert session.moderator_id == "m"
    assert session.ends_at == dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
    assert not session.status.is_fixed
    assert SessionStatus.APPROVED.is_fixed
