import datetime as dt

import pytest

from gedsi_bot.domain.attendance import (
    AttendanceRecord,
    Attendee,
    MatchedBy,
    Registrant,
    attendance_status,
    normalise_name,
    present_seconds,
    status_after_attendance,
    summarise_attendance,
)
from gedsi_bot.domain.model import RegistrationStatus

START = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


def record(name: str, start: int, end: int, **extra: str) -> AttendanceRecord:
    return AttendanceRecord(name=name, joined_at=at(start), left_at=at(end), **extra)


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Ibu Siti Aminah, S.Pd., M.Si.", "siti aminah"),
        ("siti   AMINAH", "siti aminah"),
        ("Bu Siti Aminah (Kader Posyandu Mawar)", "siti aminah"),
        ("Dr. Hj. Siti Aminah", "siti aminah"),
        ("Pak Budi", "budi"),
        ("Bu", "bu"),
        ("Désirée Putri", "desiree putri"),
        ("Siti-Aminah", "siti aminah"),
    ],
)
def test_names_are_normalised_for_matching(name: str, normal: str) -> None:
    assert normalise_name(name) == normal


def test_overlapping_intervals_count_once() -> None:
    seconds = present_seconds([(at(0), at(60)), (at(30), at(90)), (at(90), at(100))])
    assert seconds == 100 * 60


def test_gaps_are_not_counted_and_reversed_records_ignored() -> None:
    seconds = present_seconds([(at(0), at(10)), (at(20), at(30)), (at(50), at(40))])
    assert seconds == 20 * 60


def test_person_joining_twice_is_summed_once_per_registration() -> None:
    records = [
        record("Siti", 0, 60, registrant_id="r1"),
        record("Siti HP", 45, 100, registrant_id="r1"),  # second device, overlapping
        record("Siti", 110, 120, registrant_id="r1"),
    ]
    summary = summarise_attendance(records, [Registrant(1, "Siti Aminah", registrant_id="r1")])
    assert summary.minutes == {1: 110}
    assert summary.matched_by == {1: MatchedBy.REGISTRANT}
    assert summary.unmatched == ()


def test_records_match_by_registrant_email_then_name() -> None:
    registrants = [
        Registrant(1, "Siti Aminah", email="peserta-1@peserta.invalid"),
        Registrant(2, "Ibu Rina Wati, S.Pd."),
    ]
    records = [
        record("Tablet", 0, 30, email="PESERTA-1@peserta.invalid"),
        record("rina wati", 0, 95),
    ]
    summary = summarise_attendance(records, registrants)
    assert summary.minutes == {1: 30, 2: 95}
    assert summary.matched_by == {1: MatchedBy.EMAIL, 2: MatchedBy.NAME}


def test_link_and_name_records_of_one_person_merge() -> None:
    registrants = [Registrant(1, "Siti Aminah", registrant_id="r1")]
    records = [record("Siti Aminah", 0, 50, registrant_id="r1"), record("Bu Siti Aminah", 40, 80)]
    summary = summarise_attendance(records, registrants)
    assert summary.minutes == {1: 80}
    assert summary.matched_by == {1: MatchedBy.REGISTRANT}


def test_ambiguous_and_unknown_names_are_listed_not_guessed() -> None:
    registrants = [
        Registrant(1, "Siti Aminah"),
        Registrant(2, "Siti Aminah"),
        Registrant(3, "Rina"),
    ]
    records = [
        record("Siti Aminah", 0, 30),
        record("Pak Budi", 0, 100),
        record("Pak Budi", 90, 110),
    ]
    summary = summarise_attendance(records, registrants)
    assert summary.minutes == {}
    assert summary.unmatched == (Attendee("Pak Budi", 110), Attendee("Siti Aminah", 30))


def test_unknown_registrant_id_falls_back_to_name() -> None:
    summary = summarise_attendance(
        [record("Rina", 0, 90, registrant_id="elsewhere")], [Registrant(3, "Rina")]
    )
    assert summary.minutes == {3: 90}
    assert summary.matched_by == {3: MatchedBy.NAME}


@pytest.mark.parametrize(
    ("minutes", "status"),
    [
        (84, RegistrationStatus.ATTENDED),
        (83, RegistrationStatus.NO_SHOW),
        (0, RegistrationStatus.NO_SHOW),
    ],
)
def test_threshold_is_a_share_of_the_session(minutes: int, status: RegistrationStatus) -> None:
    assert attendance_status(minutes=minutes, duration_minutes=120, threshold_percent=70) is status


@pytest.mark.parametrize(
    ("current", "minutes", "after"),
    [
        (RegistrationStatus.REGISTERED, None, RegistrationStatus.NO_SHOW),
        (RegistrationStatus.REGISTERED, 100, RegistrationStatus.ATTENDED),
        (RegistrationStatus.NO_SHOW, 100, RegistrationStatus.ATTENDED),
        (RegistrationStatus.ATTENDED, 10, RegistrationStatus.NO_SHOW),
        (RegistrationStatus.WAITLISTED, None, RegistrationStatus.WAITLISTED),
        (RegistrationStatus.WAITLISTED, 100, RegistrationStatus.ATTENDED),
        (RegistrationStatus.CANCELLED, 10, RegistrationStatus.CANCELLED),
    ],
)
def test_status_after_attendance(
    current: RegistrationStatus, minutes: int | None, after: RegistrationStatus
) -> None:
    decided = status_after_attendance(
        current, minutes=minutes, duration_minutes=120, threshold_percent=70
    )
    assert decided is after
