import datetime as dt

from gedsi_bot.areas import load_areas
from gedsi_bot.domain.disaggregation import (
    Counts,
    Dim,
    Figure,
    Measure,
    Question,
    RatingTotals,
    ReportData,
    ReportScope,
    ReportSession,
    SnapshotCounts,
    build_report,
    cell,
    percent,
    tabulate,
)
from gedsi_bot.domain.suppression import Mark

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
AREAS = load_areas()


def snapshot(**groups: dict[tuple[str | None, object], Counts]) -> SnapshotCounts:
    everyone = {("P", "kader"): Counts(registered=10, attended=8, held=10)}
    return SnapshotCounts(
        by_age_band=groups.get(
            "age", {("P", "30-34"): Counts(registered=10, attended=8, held=10)}
        ),
        by_child=groups.get("child", {("P", False): Counts(registered=10, attended=8, held=10)}),
        by_disability=groups.get(
            "disability", {("P", "tidak"): Counts(registered=10, attended=8, held=10)}
        ),
        by_category=groups.get("category", everyone),
        by_area=groups.get(
            "area", {("P", "35.74.01.1001"): Counts(registered=10, attended=8, held=10)}
        ),
        by_session=groups.get("session", {("P", 1): Counts(registered=10, attended=8, held=10)}),
    )


def data(
    counts: SnapshotCounts, ratings: dict[int, RatingTotals] | None = None, sessions: int = 1
) -> ReportData:
    return ReportData(
        counts=counts,
        sessions=tuple(
            ReportSession(n, "pug-dasar", "PUG", dt.datetime(2026, 1, n, 2, tzinfo=dt.UTC))
            for n in range(1, sessions + 1)
        ),
        ratings=ratings or {},
        suggested_themes={},
        free_suggestions=0,
    )


def test_kelurahan_count_toward_their_kecamatan_and_odd_codes_are_unknown() -> None:
    values = tabulate(
        snapshot(
            area={
                ("P", "35.74.01.1001"): Counts(registered=3),  # Ketapang, Kademangan
                ("L", "35.74.01.1009"): Counts(registered=2),  # Pilang, Kademangan
                ("P", "luar_kota"): Counts(registered=4),
                ("P", "99.99"): Counts(registered=1),
                (None, None): Counts(registered=1),
            }
        ),
        AREAS,
    )[Measure.REGISTERED]
    assert values[cell((Dim.KECAMATAN, "35.74.01"))] == 5
    assert values[cell((Dim.KELURAHAN, "35.74.01.1009"))] == 2
    assert values[cell((Dim.KECAMATAN, "luar_kota"))] == 4
    assert values[cell((Dim.KECAMATAN, "tidak_diketahui"))] == 2
    assert values[cell((Dim.KECAMATAN, "tidak_diketahui"), (Dim.SEX, "tidak_diketahui"))] == 1


def test_disability_answers_map_to_status_and_type() -> None:
    values = tabulate(
        snapshot(
            disability={
                ("P", None): Counts(registered=7),  # not asked or no consent
                ("P", "tidak"): Counts(registered=5),
                ("L", "sensorik_netra"): Counts(registered=2),
                ("P", "ganda"): Counts(registered=1),
                ("P", "tidak_menjawab"): Counts(registered=3),
            }
        ),
        AREAS,
    )[Measure.REGISTERED]
    assert values[cell((Dim.DISABILITY, "tidak_ditanya"))] == 7
    assert values[cell((Dim.DISABILITY, "bukan"))] == 5
    assert values[cell((Dim.DISABILITY, "penyandang"))] == 3
    assert values[cell((Dim.DISABILITY_TYPE, "sensorik_netra"))] == 2
    assert values[cell((Dim.DISABILITY, "tidak_menjawab"))] == 3


def test_percent_needs_both_numbers_shown_and_a_whole() -> None:
    assert percent(Figure(3), Figure(12)) == 25.0
    assert percent(Figure(3, Mark.SMALL), Figure(12)) is None
    assert percent(Figure(0), Figure(0)) is None


def test_an_empty_report_has_no_indicators() -> None:
    empty = SnapshotCounts({}, {}, {}, {}, {}, {})
    report = build_report(
        data(empty, sessions=0), scope=ReportScope(), areas=AREAS, suppress=True, generated_at=NOW
    )
    assert report.total.totals[Measure.REGISTERED].value == 0
    assert report.indicators.women_registered is None
    assert report.indicators.attendance_rate is None
    assert report.attendance_by_group == ()


def ratings(answers: int, value: int) -> RatingTotals:
    return RatingTotals(
        answers=dict.fromkeys(Question, answers), sums=dict.fromkeys(Question, answers * value)
    )


def test_an_average_of_few_answers_is_hidden_and_so_is_one_more() -> None:
    # Session 1: 3 answers (too few); the overall average would give it away next to
    # session 2's, so session 2's (the fewest answers left) is hidden too; session 3 stays.
    result = build_report(
        data(snapshot(), {1: ratings(3, 5), 2: ratings(8, 4), 3: ratings(20, 3)}, sessions=3),
        scope=ReportScope(),
        areas=AREAS,
        suppress=True,
        generated_at=NOW,
    )
    averages = [row.averages[Question.MATERIAL] for row in result.satisfaction]
    assert averages == [None, None, 3.0]
    assert result.satisfaction_overall.averages[Question.MATERIAL] == (15 + 32 + 60) / 31


def test_internal_report_shows_every_average() -> None:
    result = build_report(
        data(snapshot(), {1: ratings(3, 5), 2: ratings(8, 4)}, sessions=2),
        scope=ReportScope(),
        areas=AREAS,
        suppress=False,
        generated_at=NOW,
    )
    assert [row.averages[Question.SPEAKER] for row in result.satisfaction] == [5.0, 4.0]
    assert result.satisfaction[0].overall == 5.0


def test_shared_report_never_shows_a_count_under_five() -> None:
    women = Counts(registered=18, attended=15, held=18)
    men = Counts(registered=2, attended=2, held=2)
    counts = SnapshotCounts(
        by_age_band={("P", "30-34"): women, ("L", "40-44"): men},
        by_child={("P", False): women, ("L", False): men},
        by_disability={("P", "tidak"): women, ("L", None): men},
        by_category={
            ("P", "kader"): Counts(registered=12, attended=9, held=12),
            ("L", "asn"): men,
            ("P", "asn"): Counts(registered=6, attended=6, held=6),
        },
        by_area={("P", "35.74.01.1001"): women, ("L", "35.74.03.1001"): men},
        by_session={("P", 1): women, ("L", 1): men},
    )
    report = build_report(
        data(counts), scope=ReportScope(), areas=AREAS, suppress=True, generated_at=NOW
    )
    for section in report.sections:
        for row in section.rows:
            figures = [
                *row.totals.values(),
                *(f for split in row.by_sex.values() for f in split.values()),
            ]
            for figure in figures:
                assert figure.mark is not Mark.SHOWN or not 0 < figure.value < 5, (
                    row.value,
                    figure,
                )
    asn = next(row for row in report.section(Dim.CATEGORY).rows if row.value == "asn")
    assert asn.figure(Measure.REGISTERED, "L") == Figure(2, Mark.SMALL)
    assert asn.figure(Measure.REGISTERED, "P") == Figure(6, Mark.HIDDEN)  # else 8 - 6 = 2
    assert report.total.totals[Measure.REGISTERED] == Figure(20)
