"""Factories for registration tests: the bundled catalog, a fixed clock, published sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.model import Category, Disability, Session, SessionStatus, Sex
from gedsi_bot.domain.registration import Profile
from gedsi_bot.domain.series import Catalog
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import add_session, session_from_row
from gedsi_bot.store.tables import SessionRow
from tests.conftest import BUNDLED_CATALOG

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # Monday 10.00 WIB
SESSION_START = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)  # Thursday 09.00 WIB


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    moment: dt.datetime = NOW

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, delta: dt.timedelta) -> None:
        self.moment += delta


@cache
def bundled_catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=NOW)


def catalog_with(**registration: object) -> Catalog:
    """The bundled catalog with some registration options changed."""
    catalog = bundled_catalog()
    return replace(catalog, registration=replace(catalog.registration, **registration))  # type: ignore[arg-type]


def publish_session(
    db: DbSession,
    *,
    series_id: int,
    code: str,
    starts_at: dt.datetime = SESSION_START,
    capacity: int | None = 150,
    meeting: bool = True,
    uses_registration: bool = False,
    status: SessionStatus = SessionStatus.PUBLISHED,
    theme_id: str = "cegah-kdrt",
) -> Session:
    """A published session with a registration code and (by default) a hand-entered meeting."""
    stored = add_session(
        db,
        series_id=series_id,
        theme_id=theme_id,
        starts_at=starts_at,
        duration_minutes=120,
        speaker_ids=["psikolog-uptd-ppa"],
        moderator_id=None,
        status=status,
    )
    row = db.get(SessionRow, stored.id)
    assert row is not None
    row.registration_code = code
    row.capacity = capacity
    if meeting:
        row.meeting_id = "81234567890"
        row.meeting_passcode = "gedsi26"
        row.meeting_join_url = "https://zoom.us/j/81234567890?pwd=abc&x=1"
        row.meeting_source = "manual"
        row.meeting_uses_registration = uses_registration
    db.flush()
    return session_from_row(row)


def publish(database: Database, **kwargs: object) -> Session:
    with database.write() as db:
        return publish_session(db, **kwargs)  # type: ignore[arg-type]


def adult_profile(name: str = "Siti Aminah", **changes: object) -> Profile:
    base = Profile(
        full_name=name,
        sex=Sex.FEMALE,
        birth_year=1985,
        category=Category.KADER,
        institution="Posyandu Melati",
        area_code="35.74.01.1001",
        disability_consent=True,
        disability=Disability.TIDAK,
    )
    return replace(base, **changes)  # type: ignore[arg-type]
