"""The disaggregated (data terpilah) report: counts by sex, age, disability, category, area and
session turned into tables, indicators, satisfaction and theme demand, small cells protected.

What counts (the report's notes say the same to the office):

- *registered* (terdaftar): registrations that hold a seat — status registered, attended or
  no_show; *waitlisted* and *cancelled* are counted separately;
- *attended* (hadir): status attended; *feedback*: registrations with a feedback row;
- *attendance rate*: attended ÷ registered, over sessions whose attendance has been recorded
  (a session with at least one attended or no_show registration) — ``held`` counts that
  denominator;
- every count is of registrations (person × session): someone at three sessions counts three
  times; the distinct people are counted once, in the summary;
- who a person is (sex, age band, child, category, area, disability) is the snapshot taken when
  they registered, so people who deleted their data are still counted, anonymously;
- disability only for people who consented to the question; the share with disabilities is of
  those who answered it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gedsi_bot.domain.areas import OUTSIDE_CITY, Areas
from gedsi_bot.domain.model import ADULT_AGE, AgeBand, Category, Disability, Sex
from gedsi_bot.domain.suppression import THRESHOLD, Line, Mark, protect

UNKNOWN = "tidak_diketahui"


class Measure(StrEnum):
    REGISTERED = "terdaftar"
    ATTENDED = "hadir"
    HELD = "terdaftar_sesi_tercatat"  # the attendance rate's denominator
    FEEDBACK = "umpan_balik"
    WAITLISTED = "daftar_tunggu"
    CANCELLED = "batal"


class Dim(StrEnum):
    """A dimension of the report; the values are the CSV's dimension names."""

    SEX = "jenis_kelamin"
    AGE_BAND = "kelompok_umur"
    AGE_GROUP = "anak_dewasa"
    DISABILITY = "disabilitas"
    DISABILITY_TYPE = "jenis_disabilitas"
    CATEGORY = "unsur"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    SESSION = "sesi"
    AGE_SPLIT = "umur_15_19"  # never published: children and adults inside the 15-19 band


# Registered and attended are also split by sex for these dimensions (the cross tables); the
# other dimensions give totals only, which keeps intersections such as women × disability ×
# kelurahan — where one person is easily recognised — out of shared reports.
SPLIT_BY_SEX = (Measure.REGISTERED, Measure.ATTENDED)
SEX_SPLIT_DIMENSIONS = frozenset({Dim.CATEGORY, Dim.AGE_BAND, Dim.SESSION})


class Question(StrEnum):
    MATERIAL = "materi"
    SPEAKER = "narasumber"
    USEFULNESS = "manfaat"


SEXES = (Sex.MALE.value, Sex.FEMALE.value, UNKNOWN)
AGE_BANDS = (*(band.value for band in AgeBand), UNKNOWN)
CHILD, ADULT = "anak", "dewasa"
AGE_GROUPS = (CHILD, ADULT, UNKNOWN)
WITH_DISABILITY, WITHOUT_DISABILITY = "penyandang", "bukan"
NO_ANSWER, NOT_ASKED = "tidak_menjawab", "tidak_ditanya"
DISABILITY_STATUSES = (WITH_DISABILITY, WITHOUT_DISABILITY, NO_ANSWER, NOT_ASKED)
DISABILITY_TYPES = tuple(
    kind.value for kind in Disability if kind not in {Disability.TIDAK, Disability.TIDAK_MENJAWAB}
)
CATEGORIES = (*(category.value for category in Category), UNKNOWN)

Pair = tuple[Dim, str]
CellKey = tuple[Pair, ...]  # sorted pairs; () is everyone


def cell(*pairs: Pair) -> CellKey:
    return tuple(sorted(pairs))


# --- what the store counts ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """The measures of one group of registrations."""

    registered: int = 0
    attended: int = 0
    held: int = 0
    feedback: int = 0
    waitlisted: int = 0
    cancelled: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.registered + other.registered,
            self.attended + other.attended,
            self.held + other.held,
            self.feedback + other.feedback,
            self.waitlisted + other.waitlisted,
            self.cancelled + other.cancelled,
        )

    def of(self, measure: Measure) -> int:
        return {
            Measure.REGISTERED: self.registered,
            Measure.ATTENDED: self.attended,
            Measure.HELD: self.held,
            Measure.FEEDBACK: self.feedback,
            Measure.WAITLISTED: self.waitlisted,
            Measure.CANCELLED: self.cancelled,
        }[measure]


@dataclass(frozen=True, slots=True)
class SnapshotCounts:
    """Registrations grouped by the snapshot, each grouping keyed by (sex, value)."""

    by_age_band: Mapping[tuple[str | None, str | None], Counts]
    by_child: Mapping[tuple[str | None, bool | None], Counts]
    by_disability: Mapping[tuple[str | None, str | None], Counts]
    by_category: Mapping[tuple[str | None, str | None], Counts]
    by_area: Mapping[tuple[str | None, str | None], Counts]
    by_session: Mapping[tuple[str | None, int], Counts]  # keyed by session number
    unique_registered: int = 0
    unique_attended: int = 0


@dataclass(frozen=True, slots=True)
class RatingTotals:
    """How many people answered each rating question, and the sum of their answers."""

    answers: Mapping[Question, int]
    sums: Mapping[Question, int]


@dataclass(frozen=True, slots=True)
class ReportSession:
    number: int
    theme_id: str
    theme_title: str
    starts_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReportScope:
    """One session, or the sessions starting between two days (inclusive), or the whole series."""

    session_number: int | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def kind(self) -> str:
        if self.session_number is not None:
            return "session"
        if self.first_day is not None or self.last_day is not None:
            return "range"
        return "series"


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the store read for one report."""

    counts: SnapshotCounts
    sessions: tuple[ReportSession, ...]
    ratings: Mapping[int, RatingTotals]  # by session number
    suggested_themes: Mapping[str, int]  # theme id → how many suggested it
    free_suggestions: int  # suggestions written as free text


# --- what the report says -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """A published count and how it is shown."""

    value: int
    mark: Mark = Mark.SHOWN

    @property
    def shown(self) -> bool:
        return self.mark is Mark.SHOWN


@dataclass(frozen=True, slots=True)
class Row:
    """One group of a table: every measure, registered and attended also by sex."""

    dimension: Dim | None  # None for everyone
    value: str | None
    depth: int  # 1 for a kelurahan under its kecamatan, a disability under "penyandang"
    totals: Mapping[Measure, Figure]
    by_sex: Mapping[Measure, Mapping[str, Figure]]
    share: float | None  # percent of everyone registered
    attendance_rate: float | None  # percent

    def figure(self, measure: Measure, sex: str | None = None) -> Figure | None:
        if sex is None:
            return self.totals[measure]
        return self.by_sex.get(measure, {}).get(sex)


@dataclass(frozen=True, slots=True)
class Section:
    dimension: Dim
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Indicators:
    """Percentages (None when hidden or undefined)."""

    women_registered: float | None
    women_attended: float | None
    children_registered: float | None
    children_attended: float | None
    disability_registered: float | None  # of those who answered the question
    disability_attended: float | None
    attendance_rate: float | None


@dataclass(frozen=True, slots=True)
class GroupRate:
    """A group's attendance rate against everyone's, in percentage points."""

    dimension: Dim
    value: str
    registered: Figure
    attended: Figure
    rate: float
    gap: float | None


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    session_number: int | None  # None for all sessions of the report together
    responses: Figure
    averages: Mapping[Question, float | None]
    overall: float | None


@dataclass(frozen=True, slots=True)
class DemandRow:
    theme_id: str
    count: Figure


@dataclass(frozen=True, slots=True)
class Report:
    scope: ReportScope
    sessions: tuple[ReportSession, ...]
    generated_at: dt.datetime
    suppressed: bool
    total: Row
    sections: tuple[Section, ...]
    sexes: tuple[str, ...]  # the sex columns to show: L, P, and "unknown" only if anyone is
    indicators: Indicators
    attendance_by_group: tuple[GroupRate, ...]  # lowest rate first
    satisfaction: tuple[SatisfactionRow, ...]  # one per session
    satisfaction_overall: SatisfactionRow
    demand: tuple[DemandRow, ...]  # most suggested first
    free_suggestions: Figure
    unique_registered: Figure
    unique_attended: Figure
    threshold: int = THRESHOLD
    sections_by_dimension: Mapping[Dim, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "sections_by_dimension",
            {section.dimension: section for section in self.sections},
        )

    def section(self, dimension: Dim) -> Section:
        return self.sections_by_dimension[dimension]


# --- building the report -------------------------------------------------------------------


def build_report(
    data: ReportData,
    *,
    scope: ReportScope,
    areas: Areas,
    suppress: bool,
    generated_at: dt.datetime,
    threshold: int = THRESHOLD,
) -> Report:
    """The report of ``data``; with ``suppress`` it is fit to leave the office."""
    numbers = tuple(session.number for session in data.sessions)
    layout = Layout(areas, numbers if len(numbers) > 1 else ())
    values = tabulate(data.counts, areas, with_sessions=bool(layout.sessions))
    marks = protect_cells(values, layout, threshold=threshold) if suppress else {}

    def figure(measure: Measure, key: CellKey) -> Figure:
        return Figure(values[measure].get(key, 0), marks.get((measure, key), Mark.SHOWN))

    everyone = figure(Measure.REGISTERED, ())

    def row(dimension: Dim | None, value: str | None, depth: int = 0) -> Row:
        key = cell((dimension, value)) if dimension is not None and value is not None else ()
        totals = {measure: figure(measure, key) for measure in Measure}
        by_sex = {}
        if dimension is None or dimension in SEX_SPLIT_DIMENSIONS:  # everyone: the sex margins
            by_sex = {
                measure: {sex: figure(measure, cell(*key, (Dim.SEX, sex))) for sex in SEXES}
                for measure in SPLIT_BY_SEX
            }
        return Row(
            dimension=dimension,
            value=value,
            depth=depth,
            totals=totals,
            by_sex=by_sex,
            share=percent(totals[Measure.REGISTERED], everyone),
            attendance_rate=percent(totals[Measure.ATTENDED], totals[Measure.HELD]),
        )

    sections = tuple(
        Section(section, tuple(row(dimension, value, depth) for dimension, value, depth in rows))
        for section, rows in layout.section_rows(values)
    )
    total = row(None, None)
    left_out = layout.left_out(values)
    sexes = tuple(sex for sex in SEXES if (Dim.SEX, sex) not in left_out)

    def primary(value: int) -> Figure:
        return Figure(value, Mark.SMALL if suppress and 0 < value < threshold else Mark.SHOWN)

    satisfaction = satisfaction_rows(
        data,
        responses={
            session.number: figure(
                Measure.FEEDBACK,
                cell((Dim.SESSION, str(session.number))) if layout.sessions else (),
            )
            for session in data.sessions
        },
        threshold=threshold if suppress else 1,
    )
    return Report(
        scope=scope,
        sessions=data.sessions,
        generated_at=generated_at,
        suppressed=suppress,
        total=total,
        sections=sections,
        sexes=sexes,
        indicators=indicators(
            total, {(r.dimension, r.value): r for s in sections for r in s.rows}
        ),
        attendance_by_group=attendance_by_group(total, sections),
        satisfaction=satisfaction,
        satisfaction_overall=satisfaction_overall(
            data, figure(Measure.FEEDBACK, ()), threshold=threshold if suppress else 1
        ),
        demand=tuple(
            DemandRow(theme_id, primary(count))
            for theme_id, count in sorted(
                data.suggested_themes.items(), key=lambda item: (-item[1], item[0])
            )
        ),
        free_suggestions=primary(data.free_suggestions),
        unique_registered=primary(data.counts.unique_registered),
        unique_attended=primary(data.counts.unique_attended),
        threshold=threshold,
    )


def percent(part: Figure, whole: Figure) -> float | None:
    """``part`` as a percentage of ``whole``, when both are shown and ``whole`` is not zero."""
    if not (part.shown and whole.shown) or whole.value == 0:
        return None
    return 100 * part.value / whole.value


# --- from the store's groups to cells -----------------------------------------------------


def tabulate(
    counts: SnapshotCounts, areas: Areas, *, with_sessions: bool = True
) -> dict[Measure, dict[CellKey, int]]:
    """Every cell of the report for every measure, summed from the store's groups.

    The groups are already counted by the database; this only maps their values onto the
    report's (a kelurahan onto its kecamatan, a disability onto "with disability") and adds
    the few groups that share a cell.
    """
    sums: dict[CellKey, Counts] = defaultdict(Counts)

    def add(groups: Iterable[tuple[str | None, Sequence[Pair], Counts]]) -> None:
        for sex_value, pairs, group in groups:
            sex = _sex(sex_value)
            for pair in pairs:
                sums[cell(pair)] += group
                sums[cell(pair, (Dim.SEX, sex))] += group

    for (sex_value, _), group in counts.by_category.items():
        sums[()] += group
        sums[cell((Dim.SEX, _sex(sex_value)))] += group
    add((s, [(Dim.CATEGORY, _category(v))], g) for (s, v), g in counts.by_category.items())
    add((s, [(Dim.AGE_BAND, _age_band(v))], g) for (s, v), g in counts.by_age_band.items())
    add((s, [(Dim.AGE_GROUP, _age_group(v))], g) for (s, v), g in counts.by_child.items())
    add((s, _disability(v), g) for (s, v), g in counts.by_disability.items())
    add((s, _area(v, areas), g) for (s, v), g in counts.by_area.items())
    if with_sessions:
        add((s, [(Dim.SESSION, str(n))], g) for (s, n), g in counts.by_session.items())
    return {
        measure: {key: group.of(measure) for key, group in sums.items()} for measure in Measure
    }


def _sex(value: str | None) -> str:
    return value if value in (Sex.MALE.value, Sex.FEMALE.value) else UNKNOWN


def _age_band(value: str | None) -> str:
    return value if value in AGE_BANDS else UNKNOWN


def _age_group(is_child: bool | None) -> str:
    if is_child is None:
        return UNKNOWN
    return CHILD if is_child else ADULT


def _category(value: str | None) -> str:
    return value if value in CATEGORIES else UNKNOWN


def _disability(value: str | None) -> list[Pair]:
    if value is None:
        return [(Dim.DISABILITY, NOT_ASKED)]
    if value == Disability.TIDAK.value:
        return [(Dim.DISABILITY, WITHOUT_DISABILITY)]
    if value in DISABILITY_TYPES:
        return [(Dim.DISABILITY, WITH_DISABILITY), (Dim.DISABILITY_TYPE, value)]
    return [(Dim.DISABILITY, NO_ANSWER)]


def _area(code: str | None, areas: Areas) -> list[Pair]:
    if code == OUTSIDE_CITY:
        return [(Dim.KECAMATAN, OUTSIDE_CITY)]
    kecamatan = areas.kecamatan_of(code) if code else None
    if kecamatan is None or code is None:
        return [(Dim.KECAMATAN, UNKNOWN)]
    return [(Dim.KECAMATAN, kecamatan.code), (Dim.KELURAHAN, code)]


def _band_ages(band: str) -> tuple[int, int | None]:
    """The first and last age of a band (``None`` for an open end)."""
    first, _, last = band.rstrip("+").partition("-")
    return int(first), int(last) if last else None


def _child_bands() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Bands wholly of children, bands that mix children and adults, bands wholly of adults."""
    children, mixed, adults = [], [], []
    for band in AgeBand:
        first, last = _band_ages(band.value)
        if last is not None and last < ADULT_AGE:
            children.append(band.value)
        elif first >= ADULT_AGE:
            adults.append(band.value)
        else:
            mixed.append(band.value)
    return tuple(children), tuple(mixed), tuple(adults)


# --- the shape of the tables: what adds up to what ---------------------------------------


class Layout:
    """The rows of the report and the totals a reader can check them against."""

    def __init__(self, areas: Areas, sessions: tuple[int, ...]) -> None:
        self.areas = areas
        self.sessions = sessions
        kecamatan = (*(k.code for k in areas.kecamatan), OUTSIDE_CITY, UNKNOWN)
        self.partitions: tuple[tuple[Dim, tuple[str, ...]], ...] = (
            (Dim.SEX, SEXES),
            (Dim.AGE_BAND, AGE_BANDS),
            (Dim.AGE_GROUP, AGE_GROUPS),
            (Dim.DISABILITY, DISABILITY_STATUSES),
            (Dim.CATEGORY, CATEGORIES),
            (Dim.KECAMATAN, kecamatan),
            *(((Dim.SESSION, tuple(str(n) for n in sessions)),) if sessions else ()),
        )
        self.nested: tuple[tuple[Pair, Dim, tuple[str, ...]], ...] = (
            ((Dim.DISABILITY, WITH_DISABILITY), Dim.DISABILITY_TYPE, DISABILITY_TYPES),
            *(
                ((Dim.KECAMATAN, k.code), Dim.KELURAHAN, tuple(kel.code for kel in k.kelurahan))
                for k in areas.kecamatan
            ),
        )

    def groups(self) -> list[Pair]:
        """Every published group of one dimension."""
        pairs = [(dim, value) for dim, values in self.partitions for value in values]
        pairs += [(dim, value) for _, dim, values in self.nested for value in values]
        return pairs

    def lines(self, *, split_by_sex: bool) -> tuple[list[Line[CellKey]], list[CellKey]]:
        """The additive relations of one measure, and the unpublished cells they use."""
        lines: list[Line[CellKey]] = []
        for dim, values in self.partitions:
            lines.append(Line((), tuple(cell((dim, v)) for v in values)))
        for parent, dim, values in self.nested:
            lines.append(Line(cell(parent), tuple(cell((dim, v)) for v in values)))
        # Children aged 15-17 sit inside the 15-19 band: never published, but a reader can
        # still reason about them from the child/adult and the age band tables.
        children, mixed, adults = _child_bands()
        child_split = [cell((Dim.AGE_SPLIT, f"{band}/{CHILD}")) for band in mixed]
        adult_split = [cell((Dim.AGE_SPLIT, f"{band}/{ADULT}")) for band in mixed]
        lines.append(
            Line(
                cell((Dim.AGE_GROUP, CHILD)),
                (*(cell((Dim.AGE_BAND, b)) for b in children), *child_split),
            )
        )
        lines.append(
            Line(
                cell((Dim.AGE_GROUP, ADULT)),
                (*adult_split, *(cell((Dim.AGE_BAND, b)) for b in adults)),
            )
        )
        for band, child, adult in zip(mixed, child_split, adult_split, strict=True):
            lines.append(Line(cell((Dim.AGE_BAND, band)), (child, adult)))
        lines.append(Line(cell((Dim.AGE_GROUP, UNKNOWN)), (cell((Dim.AGE_BAND, UNKNOWN)),)))
        if split_by_sex:
            for dim, values in self.partitions:
                if dim not in SEX_SPLIT_DIMENSIONS:
                    continue
                lines += [  # each sex's column adds up to that sex
                    Line(
                        cell((Dim.SEX, sex)),
                        tuple(cell((dim, v), (Dim.SEX, sex)) for v in values),
                    )
                    for sex in SEXES
                ]
                lines += [  # each group's sexes add up to the group
                    Line(cell((dim, v)), tuple(cell((dim, v), (Dim.SEX, sex)) for sex in SEXES))
                    for v in values
                ]
        return lines, [*child_split, *adult_split]

    def left_out(self, values: Mapping[Measure, Mapping[CellKey, int]]) -> frozenset[Pair]:
        """The "unknown" groups no one is in: their rows (or sex column) are left out."""
        return frozenset(
            (dim, UNKNOWN)
            for dim, partition in self.partitions
            if UNKNOWN in partition
            and not any(values[m].get(cell((dim, UNKNOWN))) for m in Measure)
        )

    def section_rows(
        self, values: Mapping[Measure, Mapping[CellKey, int]]
    ) -> list[tuple[Dim, list[tuple[Dim, str, int]]]]:
        """The rows of each section: (dimension, value, depth); empty "unknown" rows left out."""
        nested = {parent: (dim, children) for parent, dim, children in self.nested}
        left_out = self.left_out(values)

        def wanted(dim: Dim, value: str) -> bool:
            return (dim, value) not in left_out

        sections = []
        for dim, partition in self.partitions:
            rows: list[tuple[Dim, str, int]] = []
            for value in partition:
                if not wanted(dim, value):
                    continue
                rows.append((dim, value, 0))
                child_dim, children = nested.get((dim, value), (None, ()))
                if child_dim is not None:
                    rows += [(child_dim, child, 1) for child in children]
            sections.append((dim, rows))
        return sections


def _granularity(key: CellKey) -> int:
    return sum(2 if dim in (Dim.KELURAHAN, Dim.DISABILITY_TYPE) else 1 for dim, _ in key)


MeasureCell = tuple[Measure, CellKey]


def protect_cells(
    values: Mapping[Measure, Mapping[CellKey, int]],
    layout: Layout,
    *,
    threshold: int = THRESHOLD,
) -> dict[MeasureCell, Mark]:
    """The mark of every published cell of every measure.

    A reader knows attended ≤ held ≤ registered for every group, so a group whose registered
    count is hidden has its held and attended counts hidden too (otherwise they would bound
    it from below): registered is protected first, then held, then attended, each starting
    from what the one before hid. A last check of the three together hides more only if two
    "<5" cells still pin each other. The other measures are protected each on its own.
    """
    marks: dict[MeasureCell, Mark] = {}
    left_out = layout.left_out(values)
    chain = (Measure.REGISTERED, Measure.HELD, Measure.ATTENDED)
    for index, measure in enumerate(chain):
        earlier = [
            (measure, key)
            for (hidden_in, key), mark in marks.items()
            if hidden_in in chain[:index] and mark is Mark.HIDDEN
        ]
        marks |= _protect_measures(
            (measure,), values, layout, threshold=threshold, hidden=earlier, left_out=left_out
        )
    hidden = [key for key, mark in marks.items() if mark is Mark.HIDDEN]
    marks |= _protect_measures(
        chain, values, layout, threshold=threshold, hidden=hidden, left_out=left_out
    )
    for measure in Measure:
        if measure not in chain:
            marks |= _protect_measures(
                (measure,), values, layout, threshold=threshold, left_out=left_out
            )
    return marks


_INDICATOR_DIMENSIONS = frozenset({Dim.SEX, Dim.AGE_GROUP, Dim.DISABILITY})
_ORDERED = (
    (Measure.ATTENDED, Measure.HELD),
    (Measure.HELD, Measure.REGISTERED),
    (Measure.ATTENDED, Measure.REGISTERED),
)


def _protect_measures(
    measures: Sequence[Measure],
    values: Mapping[Measure, Mapping[CellKey, int]],
    layout: Layout,
    *,
    threshold: int,
    hidden: Sequence[MeasureCell] = (),
    left_out: frozenset[Pair] = frozenset(),
) -> dict[MeasureCell, Mark]:
    cells: dict[MeasureCell, int] = {}
    lines: list[Line[MeasureCell]] = []
    unpublished: list[MeasureCell] = []
    for measure in measures:
        measure_lines, never_published = layout.lines(split_by_sex=measure in SPLIT_BY_SEX)
        skip = set(never_published)
        for line in measure_lines:
            lines.append(Line((measure, line.total), tuple((measure, p) for p in line.parts)))
            for key in (line.total, *line.parts):
                if key not in skip:
                    cells[(measure, key)] = values[measure].get(key, 0)
        unpublished += [(measure, key) for key in never_published]
    orders = [
        ((smaller, key), (larger, key))
        for smaller, larger in _ORDERED
        for measure, key in cells
        if measure is smaller and (larger, key) in cells
    ]
    order = list(Measure)

    def preference(key: MeasureCell) -> tuple[object, ...]:
        # Keep the grand total and the margins the indicators come from; hide the finest,
        # smallest cells.
        measure, cell_key = key
        return (
            cell_key == (),
            len(cell_key) == 1 and cell_key[0][0] in _INDICATOR_DIMENSIONS,
            -_granularity(cell_key),
            cells[key],
            order.index(measure),
            repr(key),
        )

    return protect(
        cells,
        lines,
        at_most=orders,
        unpublished=unpublished,
        threshold=threshold,
        preference=preference,
        hidden=hidden,
        known=[key for key in cells if any(pair in left_out for pair in key[1])],
    )


# --- indicators ---------------------------------------------------------------------------


def indicators(total: Row, rows: Mapping[tuple[Dim | None, str | None], Row]) -> Indicators:
    """Shares of women, children and people with disabilities, and the attendance rate."""

    def share(dim: Dim, value: str, measure: Measure) -> float | None:
        return percent(rows[(dim, value)].totals[measure], total.totals[measure])

    def disability(measure: Measure) -> float | None:
        with_ = rows[(Dim.DISABILITY, WITH_DISABILITY)].totals[measure]
        without = rows[(Dim.DISABILITY, WITHOUT_DISABILITY)].totals[measure]
        answered = Figure(
            with_.value + without.value,
            Mark.SHOWN if with_.shown and without.shown else Mark.HIDDEN,
        )
        return percent(with_, answered)

    return Indicators(
        women_registered=share(Dim.SEX, Sex.FEMALE.value, Measure.REGISTERED),
        women_attended=share(Dim.SEX, Sex.FEMALE.value, Measure.ATTENDED),
        children_registered=share(Dim.AGE_GROUP, CHILD, Measure.REGISTERED),
        children_attended=share(Dim.AGE_GROUP, CHILD, Measure.ATTENDED),
        disability_registered=disability(Measure.REGISTERED),
        disability_attended=disability(Measure.ATTENDED),
        attendance_rate=total.attendance_rate,
    )


_RATE_GROUPS = {
    Dim.SEX: None,
    Dim.AGE_GROUP: None,
    Dim.DISABILITY: frozenset({WITH_DISABILITY, WITHOUT_DISABILITY}),
    Dim.CATEGORY: None,
    Dim.KECAMATAN: None,
}


def attendance_by_group(total: Row, sections: Sequence[Section]) -> tuple[GroupRate, ...]:
    """Groups by attendance rate, lowest first: who drops off between registering and coming."""
    overall = total.attendance_rate
    found = []
    for section in sections:
        if section.dimension not in _RATE_GROUPS:
            continue
        allowed = _RATE_GROUPS[section.dimension]
        for row in section.rows:
            if row.depth or row.value is None or row.value == UNKNOWN:
                continue
            if (allowed is not None and row.value not in allowed) or row.attendance_rate is None:
                continue
            found.append(
                GroupRate(
                    dimension=section.dimension,
                    value=row.value,
                    registered=row.totals[Measure.REGISTERED],
                    attended=row.totals[Measure.ATTENDED],
                    rate=row.attendance_rate,
                    gap=None if overall is None else row.attendance_rate - overall,
                )
            )
    order = list(_RATE_GROUPS)
    return tuple(sorted(found, key=lambda g: (g.rate, order.index(g.dimension), g.value)))


# --- satisfaction -------------------------------------------------------------------------


def satisfaction_rows(
    data: ReportData, *, responses: Mapping[int, Figure], threshold: int
) -> tuple[SatisfactionRow, ...]:
    """Average ratings per session; an average of fewer than ``threshold`` answers is hidden,
    and so is a second one when the overall average would otherwise give it away."""
    hidden = {
        question: _hidden_averages(
            {n: data.ratings[n].answers.get(question, 0) for n in data.ratings},
            threshold=threshold,
        )
        for question in Question
    }
    rows = []
    for session in data.sessions:
        totals = data.ratings.get(session.number)
        averages: dict[Question, float | None] = {}
        for question in Question:
            answers = totals.answers.get(question, 0) if totals else 0
            if totals is None or answers == 0 or session.number in hidden[question]:
                averages[question] = None
            else:
                averages[question] = totals.sums.get(question, 0) / answers
        rows.append(
            SatisfactionRow(
                session_number=session.number,
                responses=responses[session.number],
                averages=averages,
                overall=_overall(totals, averages),
            )
        )
    return tuple(rows)


def satisfaction_overall(
    data: ReportData, responses: Figure, *, threshold: int
) -> SatisfactionRow:
    """Average ratings over every session of the report."""
    answers = {q: sum(t.answers.get(q, 0) for t in data.ratings.values()) for q in Question}
    sums = {q: sum(t.sums.get(q, 0) for t in data.ratings.values()) for q in Question}
    averages: dict[Question, float | None] = {
        q: sums[q] / answers[q] if answers[q] >= max(threshold, 1) else None for q in Question
    }
    return SatisfactionRow(
        session_number=None,
        responses=responses,
        averages=averages,
        overall=_overall(RatingTotals(answers, sums), averages),
    )


def _overall(
    totals: RatingTotals | None, averages: Mapping[Question, float | None]
) -> float | None:
    """The mean of every answer to every question, shown only when each average is."""
    if totals is None or any(average is None for average in averages.values()):
        return None
    answers = sum(totals.answers.get(q, 0) for q in Question)
    return sum(totals.sums.get(q, 0) for q in Question) / answers if answers else None


def _hidden_averages(answers: Mapping[int, int], *, threshold: int) -> set[int]:
    """Sessions whose average is hidden: too few answers, plus the fewest others needed so
    that the hidden ones together hold at least two sessions and ``threshold`` answers."""
    hidden = {n for n, count in answers.items() if 0 < count < threshold}
    others = sorted((count, n) for n, count in answers.items() if count >= threshold)
    while hidden and others and (len(hidden) < 2 or sum(answers[n] for n in hidden) < threshold):
        hidden.add(others.pop(0)[1])
    return hidden


# --- office-internal listings -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParticipantLine:
    """One registration for the office's own list of participants (never in shared files)."""

    session_number: int
    full_name: str | None
    sex: str | None
    age_band: str | None
    is_child: bool | None
    category: str | None
    institution: str | None
    area_code: str | None
    disability: str | None  # None unless the person consented to the question
    status: str
    attendance_minutes: int | None
    gave_feedback: bool
    certificate_serial: str | None


@dataclass(frozen=True, slots=True)
class FeedbackText:
    """What a participant wrote in the feedback conversation (office-internal)."""

    session_number: int
    suggested_theme: str | None
    most_useful: str | None
    comment: str | None
