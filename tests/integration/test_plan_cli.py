"""``gedsi-bot plan`` as the office runs it: real processes, real exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import BUNDLED_CATALOG
from tests.integration.test_cli import run

FROM = "2026-11-24"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """The bundled catalog without a lead time, so plans from ``FROM`` do not depend on the
    day the tests run (the lead time is measured from the real today)."""
    text = BUNDLED_CATALOG.read_text(encoding="utf-8")
    (tmp_path / "themes.yaml").write_text(
        text.replace("  lead_days: 14 ", "  lead_days: 0 "), encoding="utf-8"
    )
    return tmp_path


def test_plan_starts_new_sessions_after_the_lead_time(tmp_path: Path) -> None:
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    result = run("plan", "--count", "2", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    firsts = [
        dt.date.fromisoformat(s["starts_at"][:10]) for s in json.loads(result.stdout)["sessions"]
    ]
    assert len(firsts) == 2
    assert min(firsts) >= today + dt.timedelta(days=14)


def test_plan_prints_a_table_of_twelve_sessions(office: Path) -> None:
    result = run("plan", "--from", FROM, "--count", "12", cwd=office)
    assert result.returncode == 0, result.stderr
    assert "Kamis, 26 November 2026 pukul 09.00 WIB" in result.stdout
    assert "Kamis, 10 Desember 2026 pukul 09.00 WIB │ Hari Ibu:" in result.stdout
    assert "Status penjadwal: OPTIMAL — terbukti rencana terbaik. 12 sesi" in result.stdout
    assert "Kamis, 24 Desember 2026 — Cuti Bersama Hari Raya Natal" in result.stdout


def test_plan_json_has_the_documented_fields_and_save_stores_drafts(office: Path) -> None:
    result = run("plan", "--from", FROM, "--count", "12", "--format", "json", "--save", cwd=office)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["status"] == "OPTIMAL"
    assert plan["saved"] == {"kept": 0, "updated": 0, "added": 12, "removed": 0}
    first = plan["sessions"][0]
    assert first["starts_at"] == "2026-11-26T09:00:00+07:00"
    assert set(first) >= {
        "starts_at",
        "theme_id",
        "speaker_ids",
        "moderator_id",
        "score",
        "reasons",
    }
    assert first["reasons"][0].startswith("memperingati 16 Hari Anti Kekerasan")
    listed = run("sessions", "list", "--format", "json", cwd=office)
    stored = json.loads(listed.stdout)
    assert [s["number"] for s in stored] == list(range(1, 13))
    assert [s["theme_id"] for s in stored] == [s["theme_id"] for s in plan["sessions"]]


def test_plan_csv_has_a_header_and_a_row_per_session(office: Path) -> None:
    result = run("plan", "--from", FROM, "--count", "3", "--format", "csv", cwd=office)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["starts_at"][:10] for row in rows] == ["2026-11-26", "2026-12-10", "2027-01-14"]
    assert rows[1]["theme_id"] == "hari-ibu"


def test_an_impossible_plan_exits_2_with_the_blocking_rule(office: Path) -> None:
    catalog = office / "themes.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("min_gap_weeks: 4", "min_gap_weeks: 52"), encoding="utf-8")
    result = run("plan", "--from", FROM, "--count", "12", "--save", cwd=office)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Rencana tidak dapat disusun:" in result.stderr
    assert "min_gap_weeks" in result.stderr
    assert "Tidak ada yang disimpan." in result.stderr
    assert json.loads(run("sessions", "list", "--format", "json", cwd=office).stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--count", "3", "--until", "2027-03-01"), "Pilih salah satu: --count atau --until"),
        (("--from", "14-01-2027"), "Tanggal '14-01-2027' tidak dikenal"),
    ],
)
def test_wrong_options_exit_2_with_a_clear_message(
    office: Path, args: tuple[str, ...], message: str
) -> None:
    result = run("plan", *args, cwd=office)
    assert result.returncode == 2
    assert message in result.stderr
