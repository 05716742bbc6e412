import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from gedsi_bot.areas import load_areas
from gedsi_bot.domain.disaggregation import (
    SPLIT_BY_SEX,
    CellKey,
    Counts,
    Dim,
    Figure,
    Layout,
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
    protect_cells,
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


# A person as the store counts them: sex, age band, child, disability, category, kelurahan,
# session, and how far they got (registered, the session was held, attended).
people = st.lists(
    st.tuples(
        st.sampled_from(["L", "P", "P"]),
        st.sampled_from(["15-19", "20-24", "40-44"]),
        st.booleans(),
        st.sampled_from(["tidak", "fisik", None]),
        st.sampled_from(["kader", "asn", "pelajar_forum_anak"]),
        st.sampled_from(["35.74.01.1001", "35.74.01.1002", "35.74.03.1001"]),
        st.sampled_from([1, 2]),
        st.sampled_from([(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 1, 1)]),
    ),
    min_size=1,
    max_size=30,
)


Person = tuple[str, str, bool, str | None, str, str, int, tuple[int, int, int]]


def counted(group: list[Person]) -> SnapshotCounts:
    groups: dict[str, dict[tuple[str | None, object], Counts]] = defaultdict(dict)
    for sex, band, child, disability, category, area, session, (reg, held, att) in group:
        counts = Counts(registered=reg, held=held, attended=att)
        for name, value in (
            ("age", band),
            ("child", child and band == "15-19"),
            ("disability", disability),
            ("category", category),
            ("area", area),
            ("session", session),
        ):
            key = (sex, value)
            groups[name][key] = groups[name].get(key, Counts()) + counts
    return snapshot(**groups)


def pinned_by_an_exact_reader(
    values: Mapping[Measure, Mapping[CellKey, int]],
    layout: Layout,
    marks: Mapping[tuple[Measure, CellKey], Mark],
) -> list[tuple[Measure, CellKey]]:
    """The non-zero "<5" cells one CP-SAT model of every published table, every ordering
    (attended ≤ held ≤ registered) and the unpublished cells pins to their true value."""
    model = cp_model.CpModel()
    cells: dict[tuple[Measure, CellKey], cp_model.IntVar] = {}
    cap = 2 * sum(values[Measure.REGISTERED].values()) + 100
    for measure in Measure:
        lines, unpublished = layout.lines(split_by_sex=measure in SPLIT_BY_SEX)
        for key in unpublished:
            cells[(measure, key)] = model.new_int_var(0, cap, "")
        for line in lines:
            for key in (line.total, *line.parts):
                if (measure, key) not in cells:
                    value = values[measure].get(key, 0)
                    low, high = {
                        Mark.SHOWN: (value, value),
                        Mark.SMALL: (0, 4),
                        Mark.HIDDEN: (5, cap),
                    }[marks[(measure, key)]]
                    cells[(measure, key)] = model.new_int_var(low, high, "")
            model.add(cells[(measure, line.total)] == sum(cells[(measure, p)] for p in line.parts))
    for smaller, larger in (
        (Measure.ATTENDED, Measure.HELD),
        (Measure.HELD, Measure.REGISTERED),
    ):
        for measure, key in list(cells):
            if measure is smaller and (larger, key) in cells:
                model.add(cells[(smaller, key)] <= cells[(larger, key)])
    small = {
        target: value
        for target, mark in marks.items()
        if mark is Mark.SMALL and (value := values[target[0]].get(target[1], 0)) > 0
    }
    moved = {target: model.new_bool_var("") for target in small}
    for target, flag in moved.items():
        model.add(cells[target] != small[target]).only_enforce_if(flag)
    model.add_bool_or(list(moved.values()))  # some cell not yet seen moving moves
    solver = cp_model.CpSolver()
    pinned = list(small)
    while pinned:
        model.clear_assumptions()
        model.add_assumptions([~flag for target, flag in moved.items() if target not in pinned])
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        pinned = [target for target in pinned if solver.value(cells[target]) == small[target]]
    return pinned


@settings(max_examples=12, deadline=None)
@given(people)
def test_no_small_cell_of_the_report_can_be_worked_out(group: list[Person]) -> None:
    values = tabulate(counted(group), AREAS, with_sessions=True)
    layout = Layout(AREAS, (1, 2))
    marks = protect_cells(values, layout)
    assert pinned_by_an_exact_reader(values, layout, marks) == []
