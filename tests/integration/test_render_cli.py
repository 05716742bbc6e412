"""``gedsi-bot flyer`` and ``gedsi-bot certificate sample`` as the office runs them."""

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.store import open_database
from gedsi_bot.store.sessions import add_session, ensure_series, get_session
from tests.conftest import BUNDLED_CATALOG
from tests.integration.test_cli import run
from tests.render_factories import FLYERS_DIR, copy_flyers

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An office folder with the catalog, its flyers folder, and two stored sessions."""
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    database = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    with database.write() as db:
        series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
        for day, status in ((10, SessionStatus.APPROVED), (24, SessionStatus.CANCELLED)):
            add_session(
                db,
                series_id=series,
                theme_id="pug-dasar",
                starts_at=dt.datetime(2030, 12, day, 9, 0, tzinfo=JAKARTA),
                duration_minutes=120,
                speaker_ids=["analis-pug"],
                moderator_id="ketua-gow",
                status=status,
            )
    database.dispose()
    return tmp_path


def env(office: Path, **extra: str) -> dict[str, str]:
    return {
        "GEDSI_DATABASE_URL": f"sqlite:///{office / 'gedsi.db'}",
        "GEDSI_FLYERS_DIR": str(FLYERS_DIR),
        "GEDSI_BOT_USERNAME": "CaringGedsiBot",
        **extra,
    }


def test_flyer_of_one_session_in_one_format(office: Path) -> None:
    result = run("flyer", "1", "--format", "post", "--out", "keluar", cwd=office, env=env(office))
    assert result.returncode == 0, result.stderr
    flyer = office / "keluar" / "flyer-001-post.png"
    assert result.stdout.splitlines()[0] == str(Path("keluar") / "flyer-001-post.png")
    with Image.open(flyer) as image:
        assert image.size == (1080, 1350)
    caption = (office / "keluar" / "flyer-001.txt").read_text(encoding="utf-8")
    database = open_database(f"sqlite:///{office / 'gedsi.db'}")
    with database.read() as db:
        code = get_session(db, series_id=1, number=1).registration_code
    database.dispose()
    assert f"https://t.me/CaringGedsiBot?start=daftar_{code}" in caption
    assert "<b>" not in caption


def test_upcoming_flyers_in_every_format_into_the_data_folder(office: Path) -> None:
    result = run("flyer", "--upcoming", cwd=office, env=env(office, GEDSI_DATA_DIR="data"))
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (office / "data" / "flyers").iterdir())
    assert written == [
        "flyer-001-a4.png",
        "flyer-001-post.png",
        "flyer-001-square.png",
        "flyer-001-story.png",
        "flyer-001.txt",
    ]
    assert "5 berkas ditulis" in result.stdout


def test_without_the_bot_username_the_flyer_says_the_link_follows(office: Path) -> None:
    settings = env(office)
    del settings["GEDSI_BOT_USERNAME"]
    result = run("flyer", "1", "--format", "post", "--out", "keluar", cwd=office, env=settings)
    assert result.returncode == 0, result.stderr
    assert "GEDSI_BOT_USERNAME belum diatur" in result.stderr
    caption = (office / "keluar" / "flyer-001.txt").read_text(encoding="utf-8")
    assert "tautan dan kode QR menyusul" in caption


def test_cancelled_unknown_and_missing_sessions_exit_2(office: Path) -> None:
    cancelled = run("flyer", "2", cwd=office, env=env(office))
    assert cancelled.returncode == 2
    assert "Sesi 2 dibatalkan" in cancelled.stderr
    unknown = run("flyer", "9", cwd=office, env=env(office))
    assert unknown.returncode == 2
    nothing = run("flyer", cwd=office, env=env(office))
    assert nothing.returncode == 2
    assert "--upcoming" in nothing.stderr
    assert "Traceback" not in cancelled.stderr + unknown.stderr + nothing.stderr


def test_broken_template_is_reported_with_its_place(office: Path, tmp_path: Path) -> None:
    flyers = copy_flyers(tmp_path / "flyers-kantor")
    post = flyers / "templates" / "post.yaml"
    post.write_text(
        post.read_text(encoding="utf-8").replace("color: primary\n", "color: accent\n", 1),
        encoding="utf-8",
    )
    result = run("flyer", "1", cwd=office, env=env(office, GEDSI_FLYERS_DIR=str(flyers)))
    assert result.returncode == 2
    assert f"{post}:" in result.stderr
    assert "kontras 2.06:1, minimal 4.5:1" in result.stderr
    assert "Templat flyer atau sertifikat belum dapat dipakai: 1 masalah" in result.stderr


def test_certificate_sample(office: Path) -> None:
    result = run("certificate", "sample", "--out", "contoh", cwd=office, env=env(office))
    assert result.returncode == 0, result.stderr
    png = office / "contoh" / "sertifikat-contoh.png"
    with Image.open(png) as image:
        assert image.size == (3508, 2480)
    assert (office / "contoh" / "sertifikat-contoh.pdf").read_bytes().startswith(b"%PDF-")
