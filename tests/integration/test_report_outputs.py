"""The report's files — XLSX, CSV, PNG — and the chat summary, for the fixture series."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image
from PIL.ImageFont import FreeTypeFont
from sqlalchemy import func, select

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.disaggregation import Measure, ReportScope
from gedsi_bot.domain.series import Catalog
from gedsi_bot.report_charts import chart_png, font
from gedsi_bot.reports import CSV_COLUMNS, ReportDocument, csv_text, summary_html, xlsx_bytes
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.reporting import build_report_document, report_for_chat, save_report_files
from gedsi_bot.store.engine import Database
from gedsi_bot.store.tables import RegistrationRow, SessionRow
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT
from tests.registration_factories import FixedClock
from tests.report_fixture import build_series

NOW = dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.UTC)
SEATS = ("registered", "attended", "no_show")
MARKS = ("<5", "x")
FONTS = REPO_ROOT / "flyers" / "fonts"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG)


@pytest.fixture
def series(database: Database) -> int:
    with database.write() as db:
        return build_series(db)


def document(
    database: Database,
    catalog: Catalog,
    series: int,
    *,
    full: bool,
    scope: ReportScope | None = None,
) -> ReportDocument:
    ctx = ServiceContext(database, catalog, series, FixedClock(NOW))
    return build_report_document(ctx, scope=scope or ReportScope(), full=full)


def workbook(doc: ReportDocument) -> Any:
    return load_workbook(io.BytesIO(xlsx_bytes(doc, "id")))


def breakdown_columns(sheet: Worksheet) -> dict[tuple[str, str | None], int]:
    """Column numbers by (group heading, sub-heading) from the two header rows."""
    columns: dict[tuple[str, str | None], int] = {}
    group = ""
    for number in range(2, sheet.max_column + 1):
        top, sub = sheet.cell(1, number).value, sheet.cell(2, number).value
        group = top or group
        columns[(group, sub)] = number
    return columns


def rows_by_label(sheet: Worksheet) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if row[0] is not None and row[0] not in found:
            found[str(row[0])] = list(row)
    return found


def seats(database: Database, series: int, **where: str) -> tuple[int, int]:
    """(registered, attended) counted straight from the registrations table."""
    with database.read() as db:
        query = (
            select(
                func.count().filter(RegistrationRow.status.in_(SEATS)),
                func.count().filter(RegistrationRow.status == "attended"),
            )
            .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
            .where(SessionRow.series_id == series, SessionRow.status != "draft")
        )
        for column, value in where.items():
            query = query.where(getattr(RegistrationRow, column) == value)
        registered, attended = db.execute(query).one()
    return int(registered), int(attended)


def test_workbook_has_four_sheets_with_frozen_headers(
    database: Database, catalog: Catalog, series: int
) -> None:
    book = workbook(document(database, catalog, series, full=True))
    assert book.sheetnames == ["Ringkasan", "Terpilah", "Peserta", "Umpan Balik"]
    assert [book[name].freeze_panes for name in book.sheetnames] == ["A5", "B3", "A2", "A2"]
    assert book["Terpilah"].column_dimensions["A"].width >= 20


def test_breakdown_sheet_matches_the_database(
    database: Database, catalog: Catalog, series: int
) -> None:
    sheet = workbook(document(database, catalog, series, full=True))["Terpilah"]
    columns = breakdown_columns(sheet)
    rows = rows_by_label(sheet)
    registered, attended = "Terdaftar", "Hadir"
    for label, column, value in (
        ("Kader", "category", "kader"),
        ("ASN", "category", "asn"),
        ("Pelajar / Forum Anak", "category", "pelajar_forum_anak"),
        ("30-34 tahun", "age_band", "30-34"),
        ("10-14 tahun", "age_band", "10-14"),
        ("Jati", "area_code", "35.74.03.1004"),
        ("Ketapang", "area_code", "35.74.01.1001"),
    ):
        row = rows[label]
        if column == "area_code":  # areas are not split by sex
            assert row[columns[(registered, "Laki-laki")] - 1] is None
            continue
        for sex, heading in (("L", "Laki-laki"), ("P", "Perempuan")):
            expected = seats(database, series, **{column: value, "sex": sex})
            found = (
                row[columns[(registered, heading)] - 1],
                row[columns[(attended, heading)] - 1],
            )
            assert found == expected, (label, sex)
    for label, column, value in (
        ("Jati", "area_code", "35.74.03.1004"),
        ("Ketapang", "area_code", "35.74.01.1001"),
        ("Kader", "category", "kader"),
        ("Penyandang disabilitas", "disability", "fisik"),
    ):
        row = rows[label]
        total = (row[columns[(registered, "Jumlah")] - 1], row[columns[(attended, "Jumlah")] - 1])
        expected = seats(database, series, **{column: value})
        if column == "disability":  # fisik and sensorik_rungu together
            rungu = seats(database, series, disability="sensorik_rungu")
            expected = (expected[0] + rungu[0], expected[1] + rungu[1])
        assert total == expected, label
    everyone = rows["Jumlah"]
    assert (
        everyone[columns[(registered, "Jumlah")] - 1],
        everyone[columns[(attended, "Jumlah")] - 1],
    ) == seats(database, series)


def test_breakdown_sheet_number_formats(database: Database, catalog: Catalog, series: int) -> None:
    sheet = workbook(document(database, catalog, series, full=True))["Terpilah"]
    columns = breakdown_columns(sheet)
    total_row = 3
    assert sheet.cell(total_row, columns[("Terdaftar", "Jumlah")]).number_format == "#,##0"
    assert sheet.cell(total_row, columns[("% dari terdaftar", None)]).number_format == "0.0%"
    rate = sheet.cell(total_row, columns[("Tingkat kehadiran", None)])
    assert rate.number_format == "0.0%"
    assert rate.value == pytest.approx(29 / 37)


def test_summary_sheet_key_figures(database: Database, catalog: Catalog, series: int) -> None:
    sheet = workbook(document(database, catalog, series, full=True))["Ringkasan"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Terdaftar"][:4] == ("Terdaftar", 11, 33, 44)
    assert rows["Hadir"][:4] == ("Hadir", 11, 18, 29)
    assert rows["Perempuan (%)"][1] == pytest.approx(0.75)
    assert rows["Orang berbeda yang terdaftar"][3] == 36


def test_internal_workbook_lists_participants_but_not_deleted_ones(
    database: Database, catalog: Catalog, series: int
) -> None:
    book = workbook(document(database, catalog, series, full=True))
    names = [row[1] for row in book["Peserta"].iter_rows(min_row=2, values_only=True)]
    assert len(names) == 47
    assert "Peserta G1-1" not in names
    feedback = [row for row in book["Umpan Balik"].iter_rows(values_only=True) if row[0] == 2]
    assert ("Parenting digital", "Contoh kasus") in [(row[1], row[2]) for row in feedback]
    assert all("Rahasia" not in row for row in feedback)


def all_values(book: Any) -> list[Any]:
    return [value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row]


def test_shared_workbook_has_no_names_no_texts_and_marks_small_cells(
    database: Database, catalog: Catalog, series: int
) -> None:
    book = workbook(document(database, catalog, series, full=False))
    values = all_values(book)
    assert not [v for v in values if isinstance(v, str) and v.startswith("Peserta G")]
    assert "Parenting digital" not in values
    assert "Instansi G1" not in values
    rows = rows_by_label(book["Terpilah"])
    columns = breakdown_columns(book["Terpilah"])
    assert rows["15-19 tahun"][columns[("Terdaftar", "Jumlah")] - 1] == "<5"
    assert rows["Jati"][columns[("Terdaftar", "Jumlah")] - 1] == "<5"
    assert rows["30-34 tahun"][columns[("Terdaftar", "Jumlah")] - 1] == 18


def test_shared_workbook_shows_only_true_numbers(
    database: Database, catalog: Catalog, series: int
) -> None:
    shared = workbook(document(database, catalog, series, full=False))["Terpilah"]
    full = workbook(document(database, catalog, series, full=True))["Terpilah"]
    compared = 0
    for shared_row, full_row in zip(
        shared.iter_rows(min_row=3, values_only=True),
        full.iter_rows(min_row=3, values_only=True),
        strict=True,
    ):
        for mine, true in zip(shared_row, full_row, strict=True):
            if mine in MARKS:
                assert isinstance(true, int)
                assert mine == "x" or 0 <= true <= 4
            elif mine != "–":
                assert mine == true
                compared += 1
    assert compared > 300


def sections(sheet: Worksheet) -> list[list[tuple[int, list[Any]]]]:
    """The rows of each section, with their indent (0 for a group, 2 for a sub-group)."""
    found: list[list[tuple[int, list[Any]]]] = []
    for cells in sheet.iter_rows(min_row=4):
        values = [cell.value for cell in cells]
        if all(value is None for value in values[1:]):
            found.append([])
            continue
        found[-1].append((int(cells[0].alignment.indent or 0), values))
    return found


def test_shared_workbook_never_leaves_one_hidden_number_beside_its_total(
    database: Database, catalog: Catalog, series: int
) -> None:
    """A total with exactly one hidden number among its parts would give that number away."""
    sheet = workbook(document(database, catalog, series, full=False))["Terpilah"]
    columns = breakdown_columns(sheet)
    count_columns = [
        number
        for (group, sub), number in columns.items()
        if group not in ("% dari terdaftar", "Tingkat kehadiran")
    ]
    everyone = [cell.value for cell in sheet[3]]

    def check(total: Any, parts: list[Any], where: str) -> None:
        hidden = [part for part in parts if part in MARKS]
        if isinstance(total, int) and len(hidden) == 1:
            # Only a "<5" that works out to nobody may stand alone beside its total.
            known = sum(part for part in parts if isinstance(part, int))
            assert hidden == ["<5"], where
            assert total - known == 0, where

    for section in sections(sheet):
        groups = [values for indent, values in section if indent == 0]
        for number in count_columns:
            check(
                everyone[number - 1], [values[number - 1] for values in groups], f"column {number}"
            )
        for values in groups:  # a row's sexes add up to its total
            for group in ("Terdaftar", "Hadir"):
                parts = [values[columns[(group, sex)] - 1] for sex in ("Laki-laki", "Perempuan")]
                check(values[columns[(group, "Jumlah")] - 1], parts, f"{values[0]} {group}")
        parent: list[Any] | None = None
        children: list[list[Any]] = []
        for indent, values in [*section, (0, [])]:  # sub-groups add up to their group
            if indent == 0:
                if parent is not None and children:
                    for number in count_columns:
                        check(
                            parent[number - 1], [c[number - 1] for c in children], str(parent[0])
                        )
                parent, children = values, []
            else:
                children.append(values)


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("full", [True, False])
def test_csv_round_trip(database: Database, catalog: Catalog, series: int, full: bool) -> None:
    doc = document(database, catalog, series, full=full)
    text = csv_text(doc, "id")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = parse_csv(text)
    read = {(r["dimensi"], r["kode"], r["jenis_kelamin"], r["ukuran"]): r["jumlah"] for r in rows}
    assert len(read) == len(rows)  # one row per number
    report = doc.report
    expected = {}
    for section in report.sections:
        for row in section.rows:
            assert row.dimension is not None
            for measure in Measure:
                figure = row.totals[measure]
                expected[(row.dimension.value, row.value, "", measure.value)] = figure
                for sex, split in row.by_sex.get(measure, {}).items():
                    if sex in report.sexes:
                        expected[(row.dimension.value, row.value, sex, measure.value)] = split
    for key, figure in expected.items():
        written = read[key]
        if figure.shown:
            assert written == str(figure.value), key
        else:
            assert written in MARKS, key
    assert read[("semua", "", "", "terdaftar")] == "44"
    assert read[("usulan_tema", "kesehatan-mental", "", "usulan")] == "15"
    assert read[("usulan_tema", "teks_bebas", "", "usulan")] == ("2" if full else "<5")


def test_files_are_written_where_asked(
    database: Database, catalog: Catalog, series: int, tmp_path: Path
) -> None:
    doc = document(database, catalog, series, full=False)
    written = save_report_files(
        doc,
        language="id",
        xlsx=tmp_path / "out" / "laporan.xlsx",
        csv=tmp_path / "laporan.csv",
        png=tmp_path / "laporan.png",
    )
    assert [path.name for path in written] == ["laporan.xlsx", "laporan.csv", "laporan.png"]
    assert (
        parse_csv((tmp_path / "laporan.csv").read_text(encoding="utf-8"))[0]["dimensi"] == "semua"
    )
    assert load_workbook(tmp_path / "out" / "laporan.xlsx").sheetnames[0] == "Ringkasan"


def test_chart_uses_the_bundled_font_and_falls_back_to_dejavu(tmp_path: Path) -> None:
    regular, bold = font(30, folder=FONTS), font(30, bold=True, folder=FONTS)
    assert isinstance(regular, FreeTypeFont)
    assert isinstance(bold, FreeTypeFont)
    assert Path(str(regular.path)).name == "PlusJakartaSans-Regular.woff2"
    assert Path(str(bold.path)).name == "PlusJakartaSans-ExtraBold.woff2"
    fallback = font(30, folder=tmp_path)
    assert isinstance(fallback, FreeTypeFont)
    assert Path(str(fallback.path)).name == "DejaVuSans.ttf"


def test_chart_is_a_phone_sized_png(database: Database, catalog: Catalog, series: int) -> None:
    png = chart_png(document(database, catalog, series, full=False), "id", fonts=FONTS)
    with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
        assert image.width == 1080
        assert 1000 < image.height < 4000
        assert image.convert("L").getextrema()[0] < 100  # there is dark ink on it


def png_height(png: bytes) -> int:
    with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
        return image.height


def test_shared_chart_keeps_empty_age_bands_so_none_stands_out(
    database: Database, catalog: Catalog, series: int
) -> None:
    scope = ReportScope(session_number=2)  # three age bands have anyone in them
    shared = chart_png(document(database, catalog, series, full=False, scope=scope), "id")
    internal = chart_png(document(database, catalog, series, full=True, scope=scope), "id")
    rows_more = (png_height(shared) - png_height(internal)) / 78  # a row: two bars and a gap
    assert rows_more == 16 - 3


def test_chat_summary_is_escaped_and_fits_a_message(
    database: Database, catalog: Catalog, series: int
) -> None:
    doc = dataclasses.replace(
        document(database, catalog, series, full=False),
        series_name="Seri <Uji> & Co",
        theme_titles={"kesehatan-mental": "Tema " + "panjang " * 1000},
    )
    text = summary_html(doc, "id")
    assert len(text) <= 4096
    assert "<b>Laporan Data Terpilah — Seri &lt;Uji&gt; &amp; Co</b>" in text
    # Women × pelajar/forum anak (4) could be pinned from the sex and category margins by
    # combining inequalities; suppression hides category cells rather than the sex margins
    # the share of women comes from.
    assert "Terdaftar: 44 (L 11 · P 33)" in text
    assert text.count("<b>") == text.count("</b>") == 1


def test_report_for_chat_brings_summary_chart_and_workbook(
    database: Database, catalog: Catalog, series: int
) -> None:
    ctx = ServiceContext(database, catalog, series, FixedClock(NOW))
    message = report_for_chat(ctx, session_number=2, language="id", fonts=FONTS)
    assert "Sesi 2: Mengenali dan Mencegah Kekerasan dalam Rumah Tangga" in message.text
    assert "Terdaftar: 15 (L 5 · P 10)" in message.text
    assert message.png.startswith(b"\x89PNG")
    assert (message.png_name, message.xlsx_name) == ("laporan-sesi-2.png", "laporan-sesi-2.xlsx")
    assert load_workbook(io.BytesIO(message.xlsx))["Peserta"].max_row == 1  # shared: no names
