import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gedsi_bot.domain.model import Role, SessionStatus
from gedsi_bot.errors import NotFound
from gedsi_bot.store.engine import Database, current_revision, downgrade, head_revision, upgrade
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.sessions import (
    add_session,
    ensure_series,
    get_session,
    list_sessions,
    next_session_number,
)
from gedsi_bot.store.tables import OutboxRow, ParticipantRow
from tests.conftest import backends

JAKARTA = ZoneInfo("Asia/Jakarta")
TABLES = {
    "series",
    "sessions",
    "session_people",
    "person_links",
    "participants",
    "registrations",
    "feedback",
    "certificates",
    "outbox",
    "bot_state",
    "media",
}


@pytest.mark.parametrize("empty_engine", backends(), indirect=True)
def test_migrations_upgrade_and_downgrade_cleanly(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= TABLES


def test_sqlite_runs_in_wal_mode_with_foreign_keys(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_session_round_trips_with_aware_times_and_people(db: Session) -> None:
    series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
    starts = dt.datetime(2026, 12, 10, 9, 0, tzinfo=JAKARTA)
    stored = add_session(
        db,
        series_id=series,
        theme_id="cegah-kdrt",
        starts_at=starts,
        duration_minutes=120,
        speaker_ids=["psikolog-uptd-ppa", "penyidik-ppa"],
        moderator_id="kabid-pp",
        plan_reasons=["tema 16 HAKTP di bulannya"],
    )
    again = get_session(db, series_id=series, number=stored.number)
    assert again.starts_at == starts
    assert again.starts_at.tzinfo is not None
    assert again.speaker_ids == ("psikolog-uptd-ppa", "penyidik-ppa")
    assert again.moderator_id == "kabid-pp"
    assert again.status is SessionStatus.DRAFT
    assert again.plan_reasons == ("tema 16 HAKTP di bulannya",)
    assert {p.role for p in again.people} == {Role.SPEAKER, Role.MODERATOR}


def test_sessions_list_in_start_order_and_filter_by_status(db: Session) -> None:
    series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
    later = dt.datetime(2027, 1, 14, 9, tzinfo=JAKARTA)
    earlier = dt.datetime(2026, 12, 10, 9, tzinfo=JAKARTA)
    add_session(
        db,
        series_id=series,
        theme_id="b",
        starts_at=later,
        duration_minutes=90,
        speaker_ids=["x"],
        moderator_id="m",
    )
    add_session(
        db,
        series_id=series,
        theme_id="a",
        starts_at=earlier,
        duration_minutes=90,
        speaker_ids=["x"],
        moderator_id="m",
        status=SessionStatus.APPROVED,
    )
    assert [s.theme_id for s in list_sessions(db, series_id=series)] == ["a", "b"]
    approved = list_sessions(db, series_id=series, statuses=[SessionStatus.APPROVED])
    assert [s.theme_id for s in approved] == ["a"]
    assert next_session_number(db, series_id=series) == 3


def test_unknown_session_is_not_found(db: Session) -> None:
    series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
    with pytest.raises(NotFound):
        get_session(db, series_id=series, number=99)


def test_outbox_dedupe_key_is_unique(database: Database) -> None:
    due = dt.datetime(2026, 12, 9, 2, tzinfo=dt.UTC)
    with database.write() as db:
        db.add(OutboxRow(kind="reminder", chat_id=1, due_at=due, dedupe_key="r:1:1"))
    with pytest.raises(IntegrityError), database.write() as db:
        db.add(OutboxRow(kind="reminder", chat_id=1, due_at=due, dedupe_key="r:1:1"))
    with database.read() as db:
        assert len(db.scalars(select(OutboxRow)).all()) == 1


def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive"), database.write() as db:
        db.add(OutboxRow(kind="x", chat_id=1, due_at=dt.datetime(2026, 1, 1), dedupe_key="n"))  # noqa: DTZ001


def test_check_constraints_guard_values(database: Database) -> None:
    with pytest.raises(IntegrityError), database.write() as db:
        db.add(ParticipantRow(telegram_user_id=5, sex="X"))


def test_enqueue_is_idempotent_per_dedupe_key(database: Database) -> None:
    due = dt.datetime(2026, 12, 9, 2, tzinfo=dt.UTC)
    with database.write() as db:
        assert enqueue(
            db, kind="reminder", chat_id=7, payload={"text": "a"}, due_at=due, dedupe_key="k"
        )
        assert not enqueue(
            db, kind="reminder", chat_id=7, payload={"text": "b"}, due_at=due, dedupe_key="k"
        )
    with database.read() as db:
        rows = db.scalars(select(OutboxRow)).all()
    assert [(row.dedupe_key, row.payload) for row in rows] == [("k", {"text": "a"})]
