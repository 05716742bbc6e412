"""Report writers: the disaggregated report as an XLSX workbook, a tidy CSV and a text summary.

The charts (PNG) are in ``gedsi_bot.report_charts``. Every writer takes a ``ReportDocument``
(the report plus what is needed to name things) and a language; numbers hidden by small-cell
suppression are written as "<5" or "x", never as their value.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from gedsi_bot.domain.areas import OUTSIDE_CITY, Areas
from gedsi_bot.domain.disaggregation import (
    SPLIT_BY_SEX,
    UNKNOWN,
    Dim,
    FeedbackText,
    Figure,
    Measure,
    ParticipantLine,
    Question,
    Report,
    ReportSession,
    Row,
    SatisfactionRow,
)
from gedsi_bot.domain.model import Sex
from gedsi_bot.domain.suppression import Mark
from gedsi_bot.locale import Language, format_date, format_when, t

TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """A report and everything its writers need to name things."""

    report: Report
    series_name: str
    organiser: str
    zone: ZoneInfo
    areas: Areas
    theme_titles: Mapping[str, str]
    participants: tuple[ParticipantLine, ...] = ()  # only in the office-internal export
    feedback_texts: tuple[FeedbackText, ...] = ()  # only in the office-internal export
    sessions_by_number: Mapping[int, ReportSession] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_number = {session.number: session for session in self.report.sessions}
        object.__setattr__(self, "sessions_by_number", by_number)


# --- names and numbers --------------------------------------------------------------------


class Labels:
    """How a report names its groups and writes its numbers, in one language."""

    def __init__(self, document: ReportDocument, language: Language) -> None:
        self.document = document
        self.language = language
        self._kecamatan = {k.code: k.name for k in document.areas.kecamatan}
        self._plain: dict[str, str] = {}

    def t(self, key: str, **values: object) -> str:
        if values:
            return t(f"report.{key}", self.language, **values)
        if key not in self._plain:  # the participant list asks for the same few many times
            self._plain[key] = t(f"report.{key}", self.language)
        return self._plain[key]

    def dimension(self, dimension: Dim) -> str:
        return self.t(f"dimension.{dimension.value}")

    def measure(self, measure: Measure) -> str:
        return self.t(f"measure.{measure.value}")

    def sex(self, sex: str) -> str:
        return self.t("unknown") if sex == UNKNOWN else self.t(f"sex.{sex}")

    def value(self, dimension: Dim, value: str) -> str:  # noqa: PLR0911 - one case per dimension
        if value == UNKNOWN:
            return self.t("unknown")
        if dimension is Dim.SEX:
            return self.sex(value)
        if dimension is Dim.AGE_BAND:
            return self.t("age_band", band=value)
        if dimension is Dim.AGE_GROUP:
            return self.t(f"age_group.{value}")
        if dimension is Dim.DISABILITY:
            return self.t(f"disability.{value}")
        if dimension is Dim.DISABILITY_TYPE:
            return self.t(f"disability_type.{value}")
        if dimension is Dim.CATEGORY:
            return self.t(f"category.{value}")
        if dimension is Dim.KECAMATAN:
            if value == OUTSIDE_CITY:
                return self.t("area.luar_kota")
            return self.t("area.kecamatan", name=self._kecamatan.get(value, value))
        if dimension is Dim.KELURAHAN:
            try:
                return self.document.areas.kelurahan(value).name
            except KeyError:
                return value
        if dimension is Dim.SESSION:
            return self.session(int(value))
        return value

    def row(self, row: Row) -> str:
        if row.dimension is None or row.value is None:
            return self.t("everyone")
        return self.value(row.dimension, row.value)

    def session(self, number: int) -> str:
        session = self.document.sessions_by_number.get(number)
        if session is None:
            return self.t("session_label", number=number, date="")
        return self.t("session_label", number=number, date=self.short_date(session.starts_at))

    def short_date(self, moment: dt.datetime) -> str:
        day = moment.astimezone(self.document.zone).date()
        return babel_format_date(day, "d MMM y", locale=self.language)

    def theme(self, theme_id: str) -> str:
        return self.document.theme_titles.get(theme_id, theme_id)

    def mark(self, mark: Mark) -> str:
        return self.t("mark.small") if mark is Mark.SMALL else self.t("mark.hidden")

    def count(self, figure: Figure | None) -> str:
        if figure is None:
            return ""
        if not figure.shown:
            return self.mark(figure.mark)
        return format_decimal(figure.value, locale=self.language)

    def percent(self, value: float | None) -> str:
        if value is None:
            return self.t("mark.none")
        return f"{format_decimal(value, format='#,##0.0', locale=self.language)}%"

    def points(self, value: float | None) -> str:
        if value is None:
            return self.t("mark.none")
        return format_decimal(value, format="+#,##0.0;-#,##0.0", locale=self.language)

    def average(self, value: float | None) -> str:
        if value is None:
            return self.t("mark.none")
        return format_decimal(value, format="0.00", locale=self.language)

    def scope(self) -> str:
        report = self.document.report
        scope = report.scope
        count = len(report.sessions)
        if scope.kind == "session":
            if not report.sessions:
                return self.t("scope.none")
            session = report.sessions[0]
            return self.t(
                "scope.session",
                number=session.number,
                theme=session.theme_title,
                when=format_when(session.starts_at.astimezone(self.document.zone), self.language),
            )
        if scope.kind == "series":
            return self.t("scope.series", count=count)
        first = format_date(scope.first_day, self.language) if scope.first_day else None
        last = format_date(scope.last_day, self.language) if scope.last_day else None
        if first and last:
            return self.t("scope.range", first=first, last=last, count=count)
        if first:
            return self.t("scope.range_from", first=first, count=count)
        return self.t("scope.range_until", last=last, count=count)

    def generated(self) -> str:
        moment = self.document.report.generated_at.astimezone(self.document.zone)
        return self.t("generated", when=format_when(moment, self.language))

    def mode(self) -> str:
        return self.t("mode.shared") if self.document.report.suppressed else self.t("mode.full")

    def notes(self) -> list[str]:
        keys = [
            "registered",
            "attended",
            "rate",
            "feedback",
            "per_registration",
            "snapshot",
            "disability",
            "deleted",
            "small" if self.document.report.suppressed else "full",
        ]
        return [self.t(f"notes.{key}") for key in keys]

    def dimension_short(self, dimension: Dim) -> str:
        """ "Unsur" rather than the section's long title, for lists that mix dimensions."""
        return self.t(f"dimension_short.{dimension.value}")

    def disability_answer(self, value: str | None) -> str:
        """A participant's own answer to the disability question, for the office's list."""
        if value is None:
            return ""
        if value == "tidak":
            return self.t("disability.bukan")
        if value == "tidak_menjawab":
            return self.t("disability.tidak_menjawab")
        return self.t(f"disability_type.{value}")


# --- XLSX ---------------------------------------------------------------------------------

_INTEGER = "#,##0"
_PERCENT = "0.0%"
_AVERAGE = "0.00"
_POINTS = "+0.0;-0.0;0.0"
_HEADER_HEIGHT = 32
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", start_color="FFD9E2F3")
_SECTION_FILL = PatternFill("solid", start_color="FFF2F2F2")
_RIGHT = Alignment(horizontal="right")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True, slots=True)
class _Cell:
    value: Any
    style: str = "text"  # text | bold | title | header | section | int | pct | avg | pts | mark
    indent: int = 0


_Rows = list[list[_Cell]]


class _Writer:
    """Cells of one report as the workbook wants them."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels

    def count(self, figure: Figure | None) -> _Cell:
        if figure is None:
            return _Cell(None)
        if not figure.shown:
            return _Cell(self.labels.mark(figure.mark), "mark")
        return _Cell(figure.value, "int")

    def percent(self, value: float | None) -> _Cell:
        if value is None:
            return _Cell(self.labels.t("mark.none"), "mark")
        return _Cell(value / 100, "pct")

    def average(self, value: float | None) -> _Cell:
        if value is None:
            return _Cell(self.labels.t("mark.none"), "mark")
        return _Cell(value, "avg")

    def points(self, value: float | None) -> _Cell:
        if value is None:
            return _Cell(self.labels.t("mark.none"), "mark")
        return _Cell(value, "pts")


def xlsx_bytes(document: ReportDocument, language: Language) -> bytes:
    """The report as an XLSX workbook: Ringkasan, Terpilah, Peserta, Umpan Balik."""
    labels = Labels(document, language)
    writer = _Writer(labels)
    workbook = Workbook(write_only=True)
    sheets: list[tuple[str, _Rows, str, list[CellRange]]] = [
        (labels.t("sheet.summary"), _summary_rows(document, writer), "A5", []),
        (*_breakdown_sheet(document, writer, labels.t("sheet.breakdown")),),
        (labels.t("sheet.participants"), _participant_rows(document, writer), "A2", []),
        (labels.t("sheet.feedback"), _feedback_rows(document, writer), "A2", []),
    ]
    for title, rows, freeze, merged in sheets:
        _write_sheet(workbook, title, rows, freeze=freeze, merged=merged)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    workbook: Workbook, title: str, rows: _Rows, *, freeze: str, merged: list[CellRange]
) -> None:
    sheet = workbook.create_sheet(title=title)
    for index, width in enumerate(_widths(rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, row in enumerate(rows, start=1):
        if any(cell.style == "header" for cell in row):
            sheet.row_dimensions[number].height = _HEADER_HEIGHT  # room for wrapped headings
    sheet.freeze_panes = freeze
    for cell_range in merged:
        sheet.merged_cells.add(cell_range)
    for row in rows:
        sheet.append([_styled(sheet, cell) for cell in row])


def _styled(sheet: Any, spec: _Cell) -> WriteOnlyCell | object:
    """A styled cell, or the bare value when it needs no style (much faster to write)."""
    style = spec.style
    if style == "text" and not spec.indent:
        return spec.value
    cell = WriteOnlyCell(sheet, value=spec.value)
    if style == "title":
        cell.font = _TITLE
    elif style in ("bold", "section"):
        cell.font = _BOLD
        if style == "section":
            cell.fill = _SECTION_FILL
    elif style == "header":
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTER
    elif style == "int":
        cell.number_format = _INTEGER
    elif style == "pct":
        cell.number_format = _PERCENT
    elif style == "avg":
        cell.number_format = _AVERAGE
    elif style == "pts":
        cell.number_format = _POINTS
    elif style == "mark":
        cell.alignment = _RIGHT
    if spec.indent:
        cell.alignment = Alignment(indent=spec.indent)
    return cell


def _widths(rows: _Rows) -> list[float]:
    """Column widths from the longest value in each (titles and notes do not count)."""
    widths: dict[int, int] = {}
    for row in rows:
        if len(row) == 1 and row[0].style in ("title", "text", "bold"):
            continue  # a line of prose overflows to the right instead
        for index, spec in enumerate(row):
            if spec.value is None:
                continue
            if spec.style == "header":
                length = max(len(word) for word in str(spec.value).split()) + 2
                length = max(length, min(len(str(spec.value)), 16))
            elif spec.style in ("int", "pct", "avg", "pts"):
                length = 9
            else:
                length = len(str(spec.value)) + 2 * spec.indent
            widths[index] = max(widths.get(index, 8), min(length + 2, 60))
    return [float(widths.get(index, 10)) for index in range(max(widths, default=0) + 1)]


def _blank() -> list[_Cell]:
    return []


def _summary_rows(document: ReportDocument, writer: _Writer) -> _Rows:
    labels = writer.labels
    report = document.report
    total = report.total
    rows: _Rows = [
        [_Cell(labels.t("title", series=document.series_name), "title")],
        [_Cell(document.organiser)],
        [_Cell(labels.scope(), "bold")],
        [_Cell(f"{labels.generated()} · {labels.mode()}")],
        _blank(),
        [_Cell(labels.t("heading.key_figures"), "bold")],
        [
            _Cell(labels.t("column.measure"), "header"),
            *(_Cell(labels.sex(sex), "header") for sex in report.sexes),
            _Cell(labels.t("column.total"), "header"),
        ],
    ]
    for measure in Measure:
        if measure is Measure.HELD:
            continue
        split = [writer.count(total.figure(measure, sex)) for sex in report.sexes]
        if measure not in SPLIT_BY_SEX:
            split = [_Cell(None) for _ in report.sexes]
        rows.append([_Cell(labels.measure(measure)), *split, writer.count(total.totals[measure])])
    for key, figure in (
        ("unique_registered", report.unique_registered),
        ("unique_attended", report.unique_attended),
    ):
        blanks = [_Cell(None) for _ in report.sexes]
        rows.append([_Cell(labels.t(f"indicator.{key}")), *blanks, writer.count(figure)])

    indicators = report.indicators
    rows += [
        _blank(),
        [_Cell(labels.t("heading.indicators"), "bold")],
        [
            _Cell(labels.t("column.indicator"), "header"),
            _Cell(labels.measure(Measure.REGISTERED), "header"),
            _Cell(labels.measure(Measure.ATTENDED), "header"),
        ],
        [
            _Cell(labels.t("indicator.women")),
            writer.percent(indicators.women_registered),
            writer.percent(indicators.women_attended),
        ],
        [
            _Cell(labels.t("indicator.children")),
            writer.percent(indicators.children_registered),
            writer.percent(indicators.children_attended),
        ],
        [
            _Cell(labels.t("indicator.disability")),
            writer.percent(indicators.disability_registered),
            writer.percent(indicators.disability_attended),
        ],
        [
            _Cell(labels.t("indicator.attendance_rate")),
            _Cell(None),
            writer.percent(indicators.attendance_rate),
        ],
        _blank(),
        [_Cell(labels.t("heading.attendance_by_group"), "bold")],
        [
            _Cell(labels.t("column.group"), "header"),
            _Cell(labels.measure(Measure.REGISTERED), "header"),
            _Cell(labels.measure(Measure.ATTENDED), "header"),
            _Cell(labels.t("column.attendance_rate"), "header"),
            _Cell(labels.t("column.gap"), "header"),
        ],
    ]
    for group in report.attendance_by_group:
        rows.append(
            [
                _Cell(
                    f"{labels.dimension_short(group.dimension)}: "
                    f"{labels.value(group.dimension, group.value)}"
                ),
                writer.count(group.registered),
                writer.count(group.attended),
                writer.percent(group.rate),
                writer.points(group.gap),
            ]
        )
    overall = report.satisfaction_overall
    rows += [
        _blank(),
        [_Cell(labels.t("heading.satisfaction"), "bold")],
        [_Cell(labels.t("column.measure"), "header"), _Cell(labels.t("column.value"), "header")],
        [_Cell(labels.t("column.responses")), writer.count(overall.responses)],
        *(
            [_Cell(labels.t(f"question.{q.value}")), writer.average(overall.averages[q])]
            for q in Question
        ),
        [_Cell(labels.t("column.overall")), writer.average(overall.overall)],
        _blank(),
        [_Cell(labels.t("heading.notes"), "bold")],
        *([_Cell(note)] for note in labels.notes()),
    ]
    return rows


def _breakdown_sheet(
    document: ReportDocument, writer: _Writer, title: str
) -> tuple[str, _Rows, str, list[CellRange]]:
    """Every group with registered and attended by sex: two header rows, then the sections."""
    labels = writer.labels
    report = document.report
    sexes = report.sexes
    with_held = (
        report.total.totals[Measure.HELD].value != report.total.totals[Measure.REGISTERED].value
    )
    split = len(sexes) + 1
    top: list[_Cell] = [_Cell(labels.t("column.group"), "header")]
    sub: list[_Cell] = [_Cell(None, "header")]
    merged: list[CellRange] = [CellRange(min_col=1, max_col=1, min_row=1, max_row=2)]

    def grouped(name: str) -> None:
        start = len(top) + 1
        top.extend([_Cell(name, "header"), *(_Cell(None, "header") for _ in range(split - 1))])
        sub.extend([*(_Cell(labels.sex(sex), "header") for sex in sexes)])
        sub.append(_Cell(labels.t("column.total"), "header"))
        merged.append(CellRange(min_col=start, max_col=start + split - 1, min_row=1, max_row=1))

    def single(name: str) -> None:
        top.append(_Cell(name, "header"))
        sub.append(_Cell(None, "header"))
        merged.append(CellRange(min_col=len(top), max_col=len(top), min_row=1, max_row=2))

    grouped(labels.measure(Measure.REGISTERED))
    single(labels.t("column.share"))
    grouped(labels.measure(Measure.ATTENDED))
    if with_held:
        single(labels.measure(Measure.HELD))
    single(labels.t("column.attendance_rate"))
    for measure in (Measure.FEEDBACK, Measure.WAITLISTED, Measure.CANCELLED):
        single(labels.measure(measure))

    def line(row: Row, style: str = "text") -> list[_Cell]:
        cells = [_Cell(labels.row(row), style, indent=2 * row.depth)]
        for measure in SPLIT_BY_SEX:
            cells += [writer.count(row.figure(measure, sex)) for sex in sexes]
            cells.append(writer.count(row.totals[measure]))
            if measure is Measure.REGISTERED:
                cells.append(writer.percent(row.share))
        if with_held:
            cells.append(writer.count(row.totals[Measure.HELD]))
        cells.append(writer.percent(row.attendance_rate))
        cells += [
            writer.count(row.totals[m])
            for m in (Measure.FEEDBACK, Measure.WAITLISTED, Measure.CANCELLED)
        ]
        return cells

    rows: _Rows = [top, sub, line(report.total, "bold")]
    for section in report.sections:
        rows.append([_Cell(labels.dimension(section.dimension), "section")])
        rows += [line(row) for row in section.rows]
    return title, rows, "B3", merged


def _participant_rows(document: ReportDocument, writer: _Writer) -> _Rows:
    labels = writer.labels
    if document.report.suppressed:
        return [[_Cell(labels.t("participants_internal_only"), "bold")]]
    header = [
        labels.t("column.session"),
        labels.t("column.name"),
        labels.dimension_short(Dim.SEX),
        labels.dimension_short(Dim.AGE_BAND),
        labels.t("column.age_group"),
        labels.dimension_short(Dim.CATEGORY),
        labels.t("column.institution"),
        labels.dimension_short(Dim.KELURAHAN),
        labels.t("column.kecamatan"),
        labels.dimension_short(Dim.DISABILITY),
        labels.t("column.status"),
        labels.t("column.minutes"),
        labels.measure(Measure.FEEDBACK),
        labels.t("column.certificate"),
    ]
    rows: _Rows = [[_Cell(name, "header") for name in header]]
    if not document.participants:
        rows.append([_Cell(labels.t("no_participants"))])
    for person in document.participants:
        area = person.area_code
        kelurahan = labels.value(Dim.KELURAHAN, area) if area and area != OUTSIDE_CITY else ""
        kecamatan_code = _kecamatan_code(document.areas, area)
        rows.append(
            [
                _Cell(person.session_number),
                _Cell(person.full_name),
                _Cell(labels.sex(person.sex) if person.sex else ""),
                _Cell(person.age_band or ""),
                _Cell(_age_group_label(labels, person.is_child)),
                _Cell(labels.value(Dim.CATEGORY, person.category) if person.category else ""),
                _Cell(person.institution),
                _Cell(kelurahan),
                _Cell(labels.value(Dim.KECAMATAN, kecamatan_code) if kecamatan_code else ""),
                _Cell(labels.disability_answer(person.disability)),
                _Cell(labels.t(f"status.{person.status}")),
                _Cell(person.attendance_minutes),
                _Cell(labels.t("answer_yes") if person.gave_feedback else labels.t("answer_no")),
                _Cell(person.certificate_serial),
            ]
        )
    return rows


def _kecamatan_code(areas: Areas, area_code: str | None) -> str | None:
    if area_code is None:
        return None
    if area_code == OUTSIDE_CITY:
        return OUTSIDE_CITY
    kecamatan = areas.kecamatan_of(area_code)
    return kecamatan.code if kecamatan else UNKNOWN


def _age_group_label(labels: Labels, is_child: bool | None) -> str:
    if is_child is None:
        return ""
    return labels.t("age_group.anak") if is_child else labels.t("age_group.dewasa")


def _feedback_rows(document: ReportDocument, writer: _Writer) -> _Rows:
    labels = writer.labels
    report = document.report
    rows: _Rows = [
        [
            _Cell(labels.t("column.session"), "header"),
            _Cell(labels.t("column.theme"), "header"),
            _Cell(labels.t("column.date"), "header"),
            _Cell(labels.t("column.responses"), "header"),
            *(_Cell(labels.t(f"question.{q.value}"), "header") for q in Question),
            _Cell(labels.t("column.overall"), "header"),
        ]
    ]

    def satisfaction(row: SatisfactionRow, first: list[_Cell]) -> list[_Cell]:
        return [
            *first,
            writer.count(row.responses),
            *(writer.average(row.averages[q]) for q in Question),
            writer.average(row.overall),
        ]

    for row in report.satisfaction:
        session = document.sessions_by_number[row.session_number or 0]
        rows.append(
            satisfaction(
                row,
                [
                    _Cell(session.number, "int"),
                    _Cell(session.theme_title),
                    _Cell(labels.short_date(session.starts_at)),
                ],
            )
        )
    overall = report.satisfaction_overall
    rows.append(
        satisfaction(overall, [_Cell(labels.t("all_sessions"), "bold"), _Cell(None), _Cell(None)])
    )
    rows += [
        _blank(),
        [_Cell(labels.t("heading.demand"), "bold")],
        [
            _Cell(labels.t("column.theme"), "header"),
            _Cell(labels.t("column.suggestions"), "header"),
        ],
    ]
    rows += [[_Cell(labels.theme(d.theme_id)), writer.count(d.count)] for d in report.demand]
    rows.append([_Cell(labels.t("free_suggestions")), writer.count(report.free_suggestions)])
    rows += [_blank(), [_Cell(labels.t("heading.texts"), "bold")]]
    if report.suppressed:
        rows.append([_Cell(labels.t("texts_internal_only"))])
        return rows
    rows.append(
        [
            _Cell(labels.t("column.session"), "header"),
            _Cell(labels.t("column.suggested_theme"), "header"),
            _Cell(labels.t("column.most_useful"), "header"),
            _Cell(labels.t("column.comment"), "header"),
        ]
    )
    rows += [
        [
            _Cell(text.session_number, "int"),
            _Cell(text.suggested_theme),
            _Cell(text.most_useful),
            _Cell(text.comment),
        ]
        for text in document.feedback_texts
    ]
    return rows


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = ("dimensi", "kode", "label", "jenis_kelamin", "ukuran", "jumlah")
EVERYONE = "semua"
SUGGESTIONS = "usulan_tema"
FREE_TEXT = "teks_bebas"
UNIQUE_REGISTERED = "orang_terdaftar"
UNIQUE_ATTENDED = "orang_hadir"


def csv_value(figure: Figure, labels: Labels) -> str:
    return str(figure.value) if figure.shown else labels.mark(figure.mark)


def csv_rows(document: ReportDocument, language: Language) -> Iterator[tuple[str, ...]]:
    """One row per published number: dimension, code, label, sex ("" = all), measure, count."""
    labels = Labels(document, language)
    report = document.report

    def numbers(dimension: str, row: Row) -> Iterator[tuple[str, ...]]:
        code, label = row.value or "", labels.row(row)
        for measure in Measure:
            yield (
                dimension,
                code,
                label,
                "",
                measure.value,
                csv_value(row.totals[measure], labels),
            )
            if measure not in SPLIT_BY_SEX or row.dimension is Dim.SEX:
                continue
            for sex in report.sexes:
                figure = row.figure(measure, sex)
                if figure is not None:
                    yield (dimension, code, label, sex, measure.value, csv_value(figure, labels))

    yield from numbers(EVERYONE, report.total)
    everyone = labels.t("everyone")
    for measure, figure in (
        (UNIQUE_REGISTERED, report.unique_registered),
        (UNIQUE_ATTENDED, report.unique_attended),
    ):
        yield (EVERYONE, "", everyone, "", measure, csv_value(figure, labels))
    for section in report.sections:
        for row in section.rows:
            assert row.dimension is not None
            yield from numbers(row.dimension.value, row)
    for demand in report.demand:
        title = labels.theme(demand.theme_id)
        yield (SUGGESTIONS, demand.theme_id, title, "", "usulan", csv_value(demand.count, labels))
    free = csv_value(report.free_suggestions, labels)
    yield (SUGGESTIONS, FREE_TEXT, labels.t("free_suggestions"), "", "usulan", free)


def csv_text(document: ReportDocument, language: Language) -> str:
    """The report as one tidy CSV table (UTF-8, comma-separated, a header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(document, language))
    return buffer.getvalue()


# --- text summary -------------------------------------------------------------------------


def summary_lines(document: ReportDocument, language: Language) -> list[str]:
    """The report's main figures as short lines of plain text (not escaped)."""
    labels = Labels(document, language)
    report = document.report
    total = report.total
    female, male = Sex.FEMALE.value, Sex.MALE.value
    lines = [
        labels.t("title", series=document.series_name),
        labels.scope(),
        labels.t(
            "summary.registered",
            total=labels.count(total.totals[Measure.REGISTERED]),
            male=labels.count(total.figure(Measure.REGISTERED, male)),
            female=labels.count(total.figure(Measure.REGISTERED, female)),
        ),
        labels.t(
            "summary.attended",
            total=labels.count(total.totals[Measure.ATTENDED]),
            male=labels.count(total.figure(Measure.ATTENDED, male)),
            female=labels.count(total.figure(Measure.ATTENDED, female)),
        ),
        labels.t("summary.rate", rate=labels.percent(report.indicators.attendance_rate)),
        labels.t(
            "summary.others",
            feedback=labels.count(total.totals[Measure.FEEDBACK]),
            waitlisted=labels.count(total.totals[Measure.WAITLISTED]),
            cancelled=labels.count(total.totals[Measure.CANCELLED]),
        ),
        labels.t(
            "summary.shares",
            women=labels.percent(report.indicators.women_registered),
            children=labels.percent(report.indicators.children_registered),
            disability=labels.percent(report.indicators.disability_registered),
        ),
    ]
    lowest = [
        f"{labels.dimension_short(g.dimension)}: {labels.value(g.dimension, g.value)} "
        + labels.t("summary.gap", rate=labels.percent(g.rate), gap=labels.points(g.gap))
        for g in report.attendance_by_group[:3]
        if g.gap is not None and g.gap < 0
    ]
    if lowest:
        lines.append(labels.t("summary.lowest", groups="; ".join(lowest)))
    averages = report.satisfaction_overall.averages
    lines.append(
        labels.t(
            "summary.satisfaction",
            material=labels.average(averages[Question.MATERIAL]),
            speaker=labels.average(averages[Question.SPEAKER]),
            usefulness=labels.average(averages[Question.USEFULNESS]),
        )
    )
    themes = [f"{labels.theme(d.theme_id)} ({labels.count(d.count)})" for d in report.demand[:5]]
    lines.append(
        labels.t("summary.demand", themes="; ".join(themes))
        if themes
        else labels.t("no_suggestions")
    )
    lines.append(labels.t("summary.legend") if report.suppressed else labels.t("summary.internal"))
    return lines


def summary_html(document: ReportDocument, language: Language) -> str:
    """The summary as a Telegram message: escaped, the title in bold, at most 4096 characters."""
    lines = summary_lines(document, language)

    def render(raw: list[str]) -> str:
        escaped = [html.escape(line) for line in raw]
        escaped[0] = f"<b>{escaped[0]}</b>"
        escaped[1] = f"<i>{escaped[1]}</i>"
        return "\n".join(escaped)

    text = render(lines)
    while len(text) > TELEGRAM_TEXT_LIMIT:  # only with very long catalog titles
        longest = max(range(len(lines)), key=lambda index: len(lines[index]))
        excess = len(text) - TELEGRAM_TEXT_LIMIT
        lines[longest] = lines[longest][: max(0, len(lines[longest]) - excess - 1)] + "…"
        text = render(lines)
    return text
