"""``gedsi-bot session …`` as the office runs it: real processes, real exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import open_database
from gedsi_bot.store.sessions import get_session
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT
from tests.integration.test_cli import run
from tests.registration_factories import bundled_catalog
from tests.team_factories import add_team_session

ENV = {"GEDSI_BOT_USERNAME": "gedsi_test_bot", "GEDSI_FLYERS_DIR": str(REPO_ROOT / "flyers")}


@pytest.fixture
def office(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    return tmp_path


def _context(office: Path) -> ServiceContext:
    (office / "data").mkdir(exist_ok=True)
    database = open_database(f"sqlite:///{office / 'data' / 'gedsi.db'}")
    return ServiceContext.open(database, bundled_catalog())


def draft(office: Path) -> int:
    ctx = _context(office)
    try:
        return add_team_session(ctx.database, series_id=ctx.series_id).number
    finally:
        ctx.database.dispose()


def status_of(office: Path, number: int) -> SessionStatus:
    ctx = _context(office)
    try:
        with ctx.database.read() as db:
            return get_session(db, series_id=ctx.series_id, number=number).status
    finally:
        ctx.database.dispose()


def session(office: Path, *args: str) -> tuple[int, str, str]:
    result = run("session", *args, cwd=office, env=ENV)
    return result.returncode, result.stdout, result.stderr


def test_approve_then_publish_then_publish_again(office: Path) -> None:
    number = draft(office)

    code, out, err = session(office, "approve", str(number))
    assert code == 0, err
    assert out.startswith(f"✅ Sesi #{number} disetujui.")
    assert out.count("https://t.me/gedsi_test_bot?start=tim_") == 3

    code, out, err = session(office, "publish", str(number))
    assert code == 0, err
    first, flyer = out.strip().split("\n")
    assert first.startswith(f"📣 Sesi #{number} diterbitkan. Rapat: 812 3456 7890")
    assert Path(flyer).is_file()
    assert status_of(office, number) is SessionStatus.PUBLISHED

    code, out, _ = session(office, "publish", str(number))
    assert code == 0
    assert out.startswith(f"Sesi #{number} sudah diterbitkan; tidak ada yang dikirim dua kali.")


def test_publish_a_draft_exits_2_with_the_reason(office: Path) -> None:
    number = draft(office)

    code, _, err = session(office, "publish", str(number))

    assert code == 2
    assert f"Sesi #{number} berstatus draf; setujui dulu" in err


def test_invite_prints_each_persons_link(office: Path) -> None:
    number = draft(office)

    code, out, err = session(office, "invite", str(number))

    assert code == 0, err
    lines = out.strip().split("\n")
    assert len(lines) == 3
    assert all("\tpending\thttps://t.me/gedsi_test_bot?start=tim_" in line for line in lines)


def test_reschedule_and_a_bad_time(office: Path) -> None:
    number = draft(office)

    bad = session(office, "reschedule", str(number), "2026-12-17", "25.00")
    code, out, err = session(office, "reschedule", str(number), "2026-12-17", "10.00")

    assert bad[0] == 2
    assert code == 0, err
    assert out.startswith(f"📅 Sesi #{number} dipindahkan ke Kamis, 17 Desember 2026 pukul 10.00")


def test_cancel_with_yes_and_participants(office: Path) -> None:
    number = draft(office)

    code, out, err = session(office, "cancel", str(number), "--yes")
    listed = session(office, "participants", str(number))

    assert code == 0, err
    assert out.startswith(f"❌ Sesi #{number} dibatalkan.")
    assert status_of(office, number) is SessionStatus.CANCELLED
    assert listed[1].startswith(f"Peserta sesi #{number} — 0 terdaftar")
