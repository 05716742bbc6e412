"""The scheduler's step: stored sessions go live and done as their times pass, once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.store.sessions import add_session, advance_statuses, ensure_series, list_sessions

STARTS = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)


def _sessions(db: DbSession) -> tuple[int, dict[int, SessionStatus]]:
    series_id = ensure_series(db, slug="lifecycle", name="Lifecycle")
    for number, (offset, status) in enumerate(
        [
            (0, SessionStatus.PUBLISHED),
            (14, SessionStatus.PUBLISHED),
            (-14, SessionStatus.LIVE),
            (0, SessionStatus.DRAFT),
            (0, SessionStatus.CANCELLED),
        ],
        start=1,
    ):
        add_session(
            db,
            series_id=series_id,
            theme_id="tema",
            starts_at=STARTS + dt.timedelta(days=offset),
            duration_minutes=120,
            speaker_ids=[],
            moderator_id=None,
            status=status,
            number=number,
        )
    return series_id, statuses(db, series_id)


def statuses(db: DbSession, series_id: int) -> dict[int, SessionStatus]:
    return {s.number: s.status for s in list_sessions(db, series_id=series_id)}


def test_advance_statuses_moves_started_and_ended_sessions(db: DbSession) -> None:
    series_id, _ = _sessions(db)

    moved = advance_statuses(db, series_id=series_id, now=STARTS + dt.timedelta(minutes=30))

    assert sorted(moved) == [
        (1, SessionStatus.PUBLISHED, SessionStatus.LIVE),
        (3, SessionStatus.LIVE, SessionStatus.DONE),
    ]
    assert statuses(db, series_id) == {
        1: SessionStatus.LIVE,
        2: SessionStatus.PUBLISHED,
        3: SessionStatus.DONE,
        4: SessionStatus.DRAFT,
        5: SessionStatus.CANCELLED,
    }


def test_advance_statuses_again_changes_nothing(db: DbSession) -> None:
    series_id, _ = _sessions(db)
    later = STARTS + dt.timedelta(hours=3)
    advance_statuses(db, series_id=series_id, now=later)

    assert advance_statuses(db, series_id=series_id, now=later) == []
    assert statuses(db, series_id)[1] is SessionStatus.DONE
