"""Registration codes and the flyer contents of stored sessions (SQLite and PostgreSQL)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.services.flyers import (
    SessionCancelled,
    new_registration_code,
    session_flyer_contents,
)
from gedsi_bot.store.engine import Database
from gedsi_bot.store.sessions import add_session, ensure_registration_code, ensure_series
from tests.render_factories import bundled_catalog

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_registration_code_is_made_once_and_kept(db: Session) -> None:
    series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
    add_session(
        db,
        series_id=series,
        theme_id="pug-dasar",
        starts_at=dt.datetime(2026, 12, 10, 9, 0, tzinfo=JAKARTA),
        duration_minutes=120,
        speaker_ids=["analis-pug"],
        moderator_id=None,
    )
    codes = iter(["kode1pertama", "kode2kedua"])
    first = ensure_registration_code(db, series_id=series, number=1, new_code=lambda: next(codes))
    again = ensure_registration_code(db, series_id=series, number=1, new_code=lambda: next(codes))
    assert (first, again) == ("kode1pertama", "kode1pertama")


def test_registration_code_skips_a_code_already_taken(db: Session) -> None:
    series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
    for day in (10, 24):
        add_session(
            db,
            series_id=series,
            theme_id="pug-dasar",
            starts_at=dt.datetime(2026, 12, day, 9, 0, tzinfo=JAKARTA),
            duration_minutes=120,
            speaker_ids=["analis-pug"],
            moderator_id=None,
        )
    ensure_registration_code(db, series_id=series, number=1, new_code=lambda: "samasama")
    codes = iter(["samasama", "lainlain"])
    second = ensure_registration_code(db, series_id=series, number=2, new_code=lambda: next(codes))
    assert second == "lainlain"


def test_new_registration_codes_are_link_safe_and_distinct() -> None:
    codes = {new_registration_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 10 and code.isalnum() and code.islower() for code in codes)


def test_flyer_contents_of_upcoming_sessions(database: Database) -> None:
    catalog = bundled_catalog()
    with database.write() as db:
        series = ensure_series(db, slug=catalog.series.id, name=catalog.series.name)
        for day, status in (
            (3, SessionStatus.DONE),
            (10, SessionStatus.APPROVED),
            (17, SessionStatus.DRAFT),
            (24, SessionStatus.PUBLISHED),
            (31, SessionStatus.CANCELLED),
        ):
            add_session(
                db,
                series_id=series,
                theme_id="pug-dasar",
                starts_at=dt.datetime(2026, 12, day, 9, 0, tzinfo=JAKARTA),
                duration_minutes=120,
                speaker_ids=["analis-pug"],
                moderator_id="ketua-gow",
                status=status,
            )
    contents = session_flyer_contents(
        database,
        catalog,
        upcoming_from=dt.datetime(2026, 12, 5, tzinfo=JAKARTA),
        bot_username="CaringGedsiBot",
        language="id",
    )
    assert [content.episode for content in contents] == [2, 4]
    assert all(
        content.registration_link
        and content.registration_link.startswith("https://t.me/CaringGedsiBot?start=daftar_")
        for content in contents
    )
    again = session_flyer_contents(
        database, catalog, numbers=[2], bot_username="CaringGedsiBot", language="id"
    )
    assert again[0].registration_link == contents[0].registration_link
    with pytest.raises(SessionCancelled):
        session_flyer_contents(database, catalog, numbers=[5], bot_username=None, language="id")
