"""``gedsi-bot demo`` as a newcomer runs it: a fresh data directory, no credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import icalendar
import openpyxl
import pytest
from sqlalchemy import func, select

from gedsi_bot.store import open_database
from gedsi_bot.store.tables import CertificateRow, RegistrationRow
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT

pytestmark = pytest.mark.slow

PEOPLE = 12
LIMIT = 300  # seconds: the demo promises two minutes; a loaded CI machine gets more


def test_demo_plays_an_episode_and_leaves_the_files(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GEDSI_", "TELEGRAM_", "ZOOM_"))
    }
    env.update(GEDSI_DATA_DIR=str(tmp_path), GEDSI_CATALOG=str(BUNDLED_CATALOG))

    done = subprocess.run(
        [sys.executable, "-m", "gedsi_bot", "demo", "--people", str(PEOPLE)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    root = tmp_path / "demo"
    database = open_database(f"sqlite:///{root / 'gedsi.db'}", migrate=False)
    try:
        with database.read() as db:
            attended = db.scalar(
                select(func.count())
                .select_from(RegistrationRow)
                .where(RegistrationRow.status == "attended")
            )
            certificates = db.scalar(select(func.count()).select_from(CertificateRow))
            statuses = set(db.scalars(select(RegistrationRow.status)))
    finally:
        database.dispose()
    assert attended
    assert attended == certificates
    assert {"attended", "no_show", "cancelled"} <= statuses
    assert f"{certificates} sertifikat" in done.stdout
    for folder in ("flyers", "calendar", "certificates/issued", "reports"):
        assert str(root / folder) in done.stdout

    assert {path.name.split(".")[-1] for path in (root / "flyers").glob("*")} >= {"png", "txt"}
    assert len(list((root / "certificates" / "issued").rglob("*.pdf"))) == certificates
    invitation = icalendar.Calendar.from_ical(next((root / "calendar").glob("*.ics")).read_bytes())
    assert [event.get("summary") for event in invitation.walk("VEVENT")]
    workbook = openpyxl.load_workbook(next((root / "reports").glob("*.xlsx")))
    assert {"Ringkasan", "Terpilah"} <= set(workbook.sheetnames)
