"""`gedsi-bot attendance …` and `gedsi-bot certificate issue|verify`, run as the office does."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from gedsi_bot.domain.feedback import FeedbackAnswers
from gedsi_bot.services import feedback
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import open_database
from gedsi_bot.store.tables import OutboxRow
from tests.aftercare_factories import register_people
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT
from tests.integration.test_cli import run
from tests.registration_factories import FixedClock, bundled_catalog, publish

ENV = {"GEDSI_FLYERS_DIR": str(REPO_ROOT / "flyers")}


@pytest.fixture
def office(tmp_path: Path) -> tuple[Path, int, int]:
    """An office whose session 1 took place yesterday with one registration: the folder, the
    registration's id and the year the session was held in."""
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    database = open_database(f"sqlite:///{tmp_path / 'data' / 'gedsi.db'}")
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    clock = FixedClock(starts - dt.timedelta(days=2))
    ctx = ServiceContext.open(database, bundled_catalog(), clock=clock)
    session = publish(database, series_id=ctx.series_id, code="CLI1", starts_at=starts)
    ids = register_people(ctx, session, [1])
    clock.moment = starts + dt.timedelta(hours=3)
    target = feedback.feedback_target(ctx, telegram_user_id=1)
    feedback.submit_feedback(
        ctx,
        telegram_user_id=1,
        registration_id=target.registration_id,
        answers=FeedbackAnswers(
            material=4, speaker=4, usefulness=5, most_useful_answered=True, theme_answered=True
        ),
    )
    database.dispose()
    return tmp_path, ids[1], starts.astimezone(ctx.catalog.series.zone).year


def test_attendance_by_hand_then_certificate_issued_queued_and_verified(
    office: tuple[Path, int, int],
) -> None:
    folder, registration_id, year = office
    listed = run("attendance", "list", "1", cwd=folder, env=ENV)
    assert listed.returncode == 0, listed.stderr
    assert "0 dari 1 hadir" in listed.stdout
    assert "Peserta B" in listed.stdout

    marked = run("attendance", "mark", "1", str(registration_id), "77777", cwd=folder, env=ENV)
    assert marked.returncode == 0, marked.stderr
    assert "1 pendaftaran ditandai attended" in marked.stdout
    assert "77777" in marked.stderr

    issued = run("certificate", "issue", "1", cwd=folder, env=ENV)
    assert issued.returncode == 0, issued.stderr
    found = re.search(r"(CG-\d{4}-001-0001)\s+(\S+)\s+(\S+\.png)", issued.stdout)
    assert found is not None, issued.stdout
    assert found.group(1) == f"CG-{year}-001-0001"
    assert (folder / found.group(3)).read_bytes().startswith(b"\x89PNG")
    database = open_database(f"sqlite:///{folder / 'data' / 'gedsi.db'}")
    with database.read() as db:
        queued = db.scalars(select(OutboxRow.payload)).all()
    database.dispose()
    assert [payload["method"] for payload in queued] == ["sendPhoto", "sendDocument"]

    verified = run("certificate", "verify", found.group(2).lower(), cwd=folder, env=ENV)
    assert verified.returncode == 0, verified.stderr
    assert "SAH: Peserta B" in verified.stdout
    unknown = run("certificate", "verify", "ABCD-EFGH-JKMN", cwd=folder, env=ENV)
    assert unknown.returncode == 1
    assert "TIDAK DIKENAL" in unknown.stdout


def test_attendance_import_without_zoom_leaves_the_session_to_the_admins(
    office: tuple[Path, int, int],
) -> None:
    folder, _, _ = office
    result = run("attendance", "import", cwd=folder, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "Sesi #1: tidak ada laporan Zoom" in result.stdout
