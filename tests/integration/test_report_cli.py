"""``gedsi-bot report`` as the office runs it: a real process on a SQLite file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gedsi_bot.cli import app
from gedsi_bot.errors import InvalidInput
from gedsi_bot.store import open_database
from tests.conftest import BUNDLED_CATALOG
from tests.integration.test_cli import run
from tests.report_fixture import build_series


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office folder with the bundled catalog and the fixture series in data/gedsi.db."""
    folder = tmp_path_factory.mktemp("office")
    shutil.copy(BUNDLED_CATALOG, folder / "themes.yaml")
    database = open_database(f"sqlite:///{folder / 'data' / 'gedsi.db'}")
    with database.write() as db:
        build_series(db)
    database.dispose()
    return folder


def test_series_report_prints_a_summary_and_writes_the_files(office: Path) -> None:
    result = run(
        "report",
        "--series",
        "--xlsx",
        "out/seri.xlsx",
        "--csv",
        "out/seri.csv",
        "--png",
        "out/seri.png",
        cwd=office,
    )
    assert result.returncode == 0, result.stderr
    assert "Seluruh seri: 3 sesi" in result.stdout
    assert "Ekspor untuk dibagikan" in result.stdout
    assert "Ditulis: out/seri.xlsx" in result.stdout
    book = load_workbook(office / "out" / "seri.xlsx")
    assert book.sheetnames == ["Ringkasan", "Terpilah", "Peserta", "Umpan Balik"]
    with (office / "out" / "seri.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"dimensi": "semua", "ukuran": "terdaftar", "jumlah": "44"}.items() <= rows[0].items()
    assert (office / "out" / "seri.png").read_bytes().startswith(b"\x89PNG")


def test_session_report_with_full_numbers_warns_on_stderr(office: Path) -> None:
    result = run("report", "1", "--full", "--xlsx", "internal.xlsx", cwd=office)
    assert result.returncode == 0, result.stderr
    assert "Jangan dibagikan" in result.stderr
    assert "Sesi 1: Mengenal Pengarusutamaan Gender" in result.stdout
    names = [
        row[1]
        for row in load_workbook(office / "internal.xlsx")["Peserta"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert "Peserta G1-2" in names


def test_date_range_report(office: Path) -> None:
    result = run("report", "--from", "2026-02-01", "--until", "2026-03-31", cwd=office)
    assert result.returncode == 0, result.stderr
    assert ": 2 sesi" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "9"), "Tidak ditemukan: sesi 9."),
        (("report", "--from", "2026-03-01", "--until", "2026-02-01"), "jatuh setelah"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    office: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(*args, cwd=office)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2", "--series"], "Pilih satu"),
        (["--from", "1-2-2026"], 'Tanggal "1-2-2026" tidak dikenali'),
    ],
)
def test_options_are_checked_before_anything_is_read(
    office: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(office)
    result = CliRunner().invoke(app, ["report", *args])
    assert isinstance(result.exception, InvalidInput)
    assert message in str(result.exception)
