"""The disaggregated report of the fixture series (tests/report_fixture.py), counted by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.disaggregation import (
    Dim,
    Measure,
    Question,
    ReportScope,
    Row,
)
from gedsi_bot.domain.series import Catalog
from gedsi_bot.domain.suppression import Mark
from gedsi_bot.errors import NotFound
from gedsi_bot.reports import ReportDocument
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.registration import delete_personal_data
from gedsi_bot.services.reporting import InvalidDateRange, build_report_document
from gedsi_bot.store.engine import Database
from gedsi_bot.store.tables import ParticipantRow, RegistrationRow, SessionRow
from tests.conftest import BUNDLED_CATALOG
from tests.registration_factories import FixedClock
from tests.report_fixture import build_series

NOW = dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.UTC)
MEASURES = (
    Measure.REGISTERED,
    Measure.ATTENDED,
    Measure.HELD,
    Measure.FEEDBACK,
    Measure.WAITLISTED,
    Measure.CANCELLED,
)
Z = (0, 0, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG)


@pytest.fixture
def series(database: Database) -> int:
    with database.write() as db:
        return build_series(db)


def report_of(
    database: Database,
    catalog: Catalog,
    series: int,
    scope: ReportScope | None = None,
    *,
    full: bool = True,
) -> ReportDocument:
    ctx = ServiceContext(database, catalog, series, FixedClock(NOW))
    return build_report_document(ctx, scope=scope or ReportScope(), full=full)


def numbers(row: Row) -> tuple[int, ...]:
    """(registered, attended, held, feedback, waitlisted, cancelled) of a row."""
    return tuple(row.totals[m].value for m in MEASURES)


def table(document: ReportDocument, dimension: Dim) -> dict[str, tuple[int, ...]]:
    return {
        row.value: numbers(row)
        for row in document.report.section(dimension).rows
        if row.value is not None
    }


def by_sex(
    document: ReportDocument, dimension: Dim, measure: Measure
) -> dict[str, tuple[int, int]]:
    """(L, P) of every non-empty row."""
    found = {}
    for row in document.report.section(dimension).rows:
        male, female = row.figure(measure, "L"), row.figure(measure, "P")
        assert male is not None
        assert female is not None
        if male.value or female.value:
            found[str(row.value)] = (male.value, female.value)
    return found


def test_series_totals_count_seats_attendance_feedback_and_the_rest(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series)
    assert numbers(document.report.total) == (44, 29, 37, 23, 4, 1)
    assert [s.number for s in document.report.sessions] == [1, 2, 3]  # no draft, no other series
    assert document.report.unique_registered.value == 36
    assert document.report.unique_attended.value == 21


def test_series_by_sex(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series)
    assert table(document, Dim.SEX) == {"L": (11, 11, 11, 5, 4, 0), "P": (33, 18, 26, 18, 0, 1)}
    assert document.report.sexes == ("L", "P")


def test_series_by_age_band_and_child(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series)
    bands = {band: values for band, values in table(document, Dim.AGE_BAND).items() if values != Z}
    assert bands == {
        "10-14": (5, 5, 5, 5, 0, 0),
        "15-19": (4, 0, 4, 0, 0, 0),
        "20-24": (2, 0, 2, 0, 0, 0),
        "25-29": (0, 0, 0, 0, 0, 1),
        "30-34": (18, 18, 18, 18, 0, 0),
        "35-39": (2, 0, 2, 0, 0, 0),
        "40-44": (6, 6, 6, 0, 0, 0),
        "45-49": (7, 0, 0, 0, 0, 0),
        "50-54": (0, 0, 0, 0, 3, 0),
        "60-64": (0, 0, 0, 0, 1, 0),
    }
    assert len(table(document, Dim.AGE_BAND)) == 16  # every BPS band, none unknown
    assert table(document, Dim.AGE_GROUP) == {
        "anak": (9, 5, 9, 5, 0, 0),
        "dewasa": (35, 24, 28, 18, 4, 1),
    }


def test_series_by_disability_counts_only_consenting_people(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series)
    assert table(document, Dim.DISABILITY) == {
        "penyandang": (6, 0, 6, 0, 0, 1),
        "fisik": (4, 0, 4, 0, 0, 0),
        "intelektual": Z,
        "mental": Z,
        "sensorik_netra": (0, 0, 0, 0, 0, 1),
        "sensorik_rungu": (2, 0, 2, 0, 0, 0),
        "sensorik_wicara": Z,
        "ganda": Z,
        "bukan": (25, 18, 18, 18, 3, 0),
        "tidak_menjawab": (2, 0, 2, 0, 0, 0),
        "tidak_ditanya": (11, 11, 11, 5, 1, 0),
    }
    # 6 with disabilities of the 31 who answered yes or no.
    assert document.report.indicators.disability_registered == pytest.approx(100 * 6 / 31)
    assert document.report.indicators.disability_attended == 0.0


def test_series_by_category(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series)
    assert table(document, Dim.CATEGORY) == {
        "kader": (25, 18, 18, 18, 0, 0),
        "organisasi_perempuan": (2, 0, 2, 0, 0, 0),
        "pelajar_forum_anak": (9, 5, 9, 5, 0, 0),
        "kepala_sekolah": (0, 0, 0, 0, 3, 0),
        "asn": (8, 6, 8, 0, 0, 0),
        "masyarakat_umum": (0, 0, 0, 0, 0, 1),
        "lainnya": (0, 0, 0, 0, 1, 0),
    }


def test_series_by_kecamatan_and_kelurahan(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series)
    rows = document.report.section(Dim.KECAMATAN).rows
    kecamatan = {row.value: numbers(row) for row in rows if row.dimension is Dim.KECAMATAN}
    kelurahan = {
        row.value: numbers(row)
        for row in rows
        if row.dimension is Dim.KELURAHAN and numbers(row) != Z
    }
    assert kecamatan == {
        "35.74.01": (18, 18, 18, 18, 3, 0),  # Kademangan
        "35.74.02": (5, 5, 5, 5, 0, 0),  # Wonoasih
        "35.74.03": (12, 6, 12, 0, 0, 0),  # Mayangan
        "35.74.04": (7, 0, 0, 0, 0, 0),  # Kanigaran
        "35.74.05": (0, 0, 0, 0, 0, 1),  # Kedopok
        "luar_kota": (2, 0, 2, 0, 1, 0),
    }
    assert kelurahan == {
        "35.74.01.1001": (18, 18, 18, 18, 3, 0),  # Ketapang
        "35.74.02.1007": (5, 5, 5, 5, 0, 0),  # Wonoasih
        "35.74.03.1001": (8, 6, 8, 0, 0, 0),  # Mayangan
        "35.74.03.1004": (4, 0, 4, 0, 0, 0),  # Jati
        "35.74.04.1003": (7, 0, 0, 0, 0, 0),  # Kanigaran
        "35.74.05.1005": (0, 0, 0, 0, 0, 1),  # Kedopok
    }
    assert sum(1 for row in rows if row.dimension is Dim.KELURAHAN) == 29


def test_series_by_session(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series)
    assert table(document, Dim.SESSION) == {
        "1": (22, 16, 22, 10, 3, 1),
        "2": (15, 13, 15, 13, 0, 0),
        "3": (7, 0, 0, 0, 1, 0),
    }
    rates = {row.value: row.attendance_rate for row in document.report.section(Dim.SESSION).rows}
    assert rates == {
        "1": pytest.approx(100 * 16 / 22),
        "2": pytest.approx(100 * 13 / 15),
        "3": None,
    }


def test_series_cross_tables_by_sex(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series)
    assert by_sex(document, Dim.CATEGORY, Measure.REGISTERED) == {
        "kader": (0, 25),
        "organisasi_perempuan": (0, 2),
        "pelajar_forum_anak": (5, 4),
        "asn": (6, 2),
    }
    assert by_sex(document, Dim.CATEGORY, Measure.ATTENDED) == {
        "kader": (0, 18),
        "pelajar_forum_anak": (5, 0),
        "asn": (6, 0),
    }
    assert by_sex(document, Dim.AGE_BAND, Measure.REGISTERED) == {
        "10-14": (5, 0),
        "15-19": (0, 4),
        "20-24": (0, 2),
        "30-34": (0, 18),
        "35-39": (0, 2),
        "40-44": (6, 0),
        "45-49": (0, 7),
    }
    assert by_sex(document, Dim.SESSION, Measure.REGISTERED) == {
        "1": (6, 16),
        "2": (5, 10),
        "3": (0, 7),
    }


def test_series_indicators(database: Database, catalog: Catalog, series: int) -> None:
    indicators = report_of(database, catalog, series).report.indicators
    assert indicators.women_registered == pytest.approx(75.0)
    assert indicators.women_attended == pytest.approx(100 * 18 / 29)
    assert indicators.children_registered == pytest.approx(100 * 9 / 44)
    assert indicators.children_attended == pytest.approx(100 * 5 / 29)
    assert indicators.attendance_rate == pytest.approx(100 * 29 / 37)


def test_attendance_by_group_lists_who_drops_off_first(
    database: Database, catalog: Catalog, series: int
) -> None:
    groups = report_of(database, catalog, series).report.attendance_by_group
    listed = [(g.dimension, g.value, round(g.rate, 2)) for g in groups]
    assert listed == [
        (Dim.DISABILITY, "penyandang", 0.0),
        (Dim.CATEGORY, "organisasi_perempuan", 0.0),
        (Dim.KECAMATAN, "luar_kota", 0.0),
        (Dim.KECAMATAN, "35.74.03", 50.0),
        (Dim.AGE_GROUP, "anak", 55.56),
        (Dim.CATEGORY, "pelajar_forum_anak", 55.56),
        (Dim.SEX, "P", 69.23),
        (Dim.CATEGORY, "asn", 75.0),
        (Dim.AGE_GROUP, "dewasa", 85.71),
        (Dim.SEX, "L", 100.0),
        (Dim.DISABILITY, "bukan", 100.0),
        (Dim.CATEGORY, "kader", 100.0),
        (Dim.KECAMATAN, "35.74.01", 100.0),
        (Dim.KECAMATAN, "35.74.02", 100.0),
    ]
    assert groups[0].gap == pytest.approx(-100 * 29 / 37)


def test_satisfaction_per_question_per_session_and_overall(
    database: Database, catalog: Catalog, series: int
) -> None:
    report = report_of(database, catalog, series).report
    first, second, third = report.satisfaction
    assert (first.responses.value, second.responses.value, third.responses.value) == (10, 13, 0)
    assert first.averages == {
        Question.MATERIAL: 5.0,
        Question.SPEAKER: 4.0,
        Question.USEFULNESS: 5.0,
    }
    assert first.overall == pytest.approx(140 / 30)
    assert second.averages == {
        Question.MATERIAL: pytest.approx(47 / 13),
        Question.SPEAKER: pytest.approx(57 / 13),
        Question.USEFULNESS: pytest.approx(44 / 13),
    }
    assert third.overall is None
    overall = report.satisfaction_overall
    assert overall.responses.value == 23
    assert overall.averages == {
        Question.MATERIAL: pytest.approx(97 / 23),
        Question.SPEAKER: pytest.approx(97 / 23),
        Question.USEFULNESS: pytest.approx(94 / 23),
    }
    assert overall.overall == pytest.approx(288 / 69)


def test_theme_demand_counts_suggestions_and_lists_texts_without_deleted_people(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series)
    demand = [(d.theme_id, d.count.value) for d in document.report.demand]
    assert demand == [("kesehatan-mental", 15), ("uu-tpks", 6)]
    assert document.report.free_suggestions.value == 2  # "Rahasia" is counted, anonymously
    texts = [
        (t.session_number, t.suggested_theme, t.most_useful, t.comment)
        for t in document.feedback_texts
    ]
    assert texts == [(2, "Parenting digital", "Contoh kasus", None)]


def test_participant_list_leaves_out_people_who_deleted_their_data(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series)
    names = [p.full_name for p in document.participants]
    # 49 registrations in the three sessions, less the two of the person who deleted theirs.
    assert len(names) == 47
    assert None not in names
    assert "Peserta G1-1" not in names
    assert "Peserta G1-2" in names
    ketapang = next(p for p in document.participants if p.full_name == "Peserta G1-2")
    assert (ketapang.session_number, ketapang.status, ketapang.gave_feedback) == (
        1,
        "attended",
        True,
    )


def test_shared_report_has_no_names_and_no_texts(
    database: Database, catalog: Catalog, series: int
) -> None:
    document = report_of(database, catalog, series, full=False)
    assert document.participants == ()
    assert document.feedback_texts == ()
    assert document.report.suppressed


def test_session_report(database: Database, catalog: Catalog, series: int) -> None:
    document = report_of(database, catalog, series, ReportScope(session_number=1))
    assert numbers(document.report.total) == (22, 16, 22, 10, 3, 1)
    assert table(document, Dim.SEX) == {"L": (6, 6, 6, 0, 3, 0), "P": (16, 10, 16, 10, 0, 1)}
    assert Dim.SESSION not in document.report.sections_by_dimension
    assert len(document.participants) == 26 - 1  # the person who deleted their data left out


def test_unknown_session_is_not_found(database: Database, catalog: Catalog, series: int) -> None:
    with pytest.raises(NotFound):
        report_of(database, catalog, series, ReportScope(session_number=99))


def test_date_range_keeps_sessions_starting_on_those_days(
    database: Database, catalog: Catalog, series: int
) -> None:
    scope = ReportScope(first_day=dt.date(2026, 2, 1), last_day=dt.date(2026, 3, 31))
    document = report_of(database, catalog, series, scope)
    assert [s.number for s in document.report.sessions] == [2, 3]
    assert numbers(document.report.total) == (22, 13, 15, 13, 1, 0)
    assert table(document, Dim.SEX) == {"L": (5, 5, 5, 5, 1, 0), "P": (17, 8, 10, 8, 0, 0)}


def test_date_range_days_are_in_the_series_timezone(
    database: Database, catalog: Catalog, series: int
) -> None:
    # Session 1 starts 06.30 WIB on 8 January, which is still 7 January in UTC.
    on_the_day = ReportScope(first_day=dt.date(2026, 1, 8), last_day=dt.date(2026, 1, 8))
    day_before = ReportScope(first_day=dt.date(2026, 1, 7), last_day=dt.date(2026, 1, 7))
    assert [
        s.number for s in report_of(database, catalog, series, on_the_day).report.sessions
    ] == [1]
    empty = report_of(database, catalog, series, day_before)
    assert empty.report.sessions == ()
    assert numbers(empty.report.total) == Z


def test_open_ended_date_range(database: Database, catalog: Catalog, series: int) -> None:
    until = report_of(database, catalog, series, ReportScope(last_day=dt.date(2026, 2, 12)))
    since = report_of(database, catalog, series, ReportScope(first_day=dt.date(2026, 2, 13)))
    assert [s.number for s in until.report.sessions] == [1, 2]
    assert [s.number for s in since.report.sessions] == [3]


def test_date_range_the_wrong_way_round_is_refused(
    database: Database, catalog: Catalog, series: int
) -> None:
    scope = ReportScope(first_day=dt.date(2026, 3, 1), last_day=dt.date(2026, 2, 1))
    with pytest.raises(InvalidDateRange):
        report_of(database, catalog, series, scope)


def test_shared_series_report_marks_small_cells(
    database: Database, catalog: Catalog, series: int
) -> None:
    report = report_of(database, catalog, series, full=False).report
    bands = {
        row.value: row.totals[Measure.REGISTERED] for row in report.section(Dim.AGE_BAND).rows
    }
    assert bands["15-19"].mark is Mark.SMALL
    assert bands["20-24"].mark is Mark.SMALL
    assert bands["30-34"].mark is Mark.SHOWN
    assert bands["30-34"].value == 18
    assert bands["50-54"].mark is Mark.SMALL  # nobody: every count under 5 is written "<5"
    assert report.total.totals[Measure.REGISTERED].mark is Mark.SHOWN
    assert report.total.totals[Measure.REGISTERED].value == 44


def test_disability_comes_only_from_the_consented_snapshot(
    database: Database, catalog: Catalog, series: int
) -> None:
    # A participant whose profile says "mental" but who gave no consent: the registration's
    # snapshot has no disability, so the report counts them as not asked.
    with database.write() as db:
        session_id = db.scalar(
            select(SessionRow.id).where(SessionRow.series_id == series, SessionRow.number == 3)
        )
        person = ParticipantRow(
            telegram_user_id=777, full_name="Tanpa persetujuan", sex="P", disability="mental"
        )
        db.add(person)
        db.flush()
        db.add(
            RegistrationRow(
                session_id=session_id,
                participant_id=person.id,
                status="registered",
                sex="P",
                age_band="25-29",
                is_child=False,
                category="masyarakat_umum",
                area_code="luar_kota",
                disability=None,
            )
        )
    disability = table(report_of(database, catalog, series), Dim.DISABILITY)
    assert disability["mental"] == Z
    assert disability["tidak_ditanya"] == (12, 11, 11, 5, 1, 0)


def test_deleting_ones_data_leaves_every_count_as_it_was(
    database: Database, catalog: Catalog, series: int
) -> None:
    before = report_of(database, catalog, series)
    ctx = ServiceContext(database, catalog, series, FixedClock(NOW))
    assert delete_personal_data(ctx, telegram_user_id=1002) is not None  # "Peserta G1-2"
    after = report_of(database, catalog, series)
    for dimension in before.report.sections_by_dimension:
        assert table(after, dimension) == table(before, dimension), dimension
    assert numbers(after.report.total) == numbers(before.report.total)
    assert after.report.unique_registered == before.report.unique_registered
    assert after.report.satisfaction_overall == before.report.satisfaction_overall
    names = [p.full_name for p in after.participants]
    assert len(names) == len(before.participants) - 2  # their two sessions
    assert "Peserta G1-2" not in names
