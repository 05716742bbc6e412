"""A published session is live from its start and done from its end; nothing else moves."""

from __future__ import annotations

import datetime as dt

import pytest

from gedsi_bot.domain.lifecycle import status_at
from gedsi_bot.domain.model import SessionStatus
from tests.factories import session

STARTS = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)  # 09.00 WIB
MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("status", "now", "expected"),
    [
        (SessionStatus.PUBLISHED, STARTS - MINUTE, SessionStatus.PUBLISHED),
        (SessionStatus.PUBLISHED, STARTS, SessionStatus.LIVE),
        (SessionStatus.PUBLISHED, STARTS + dt.timedelta(hours=2), SessionStatus.DONE),
        (SessionStatus.LIVE, STARTS + dt.timedelta(hours=2) - MINUTE, SessionStatus.LIVE),
        (SessionStatus.LIVE, STARTS + dt.timedelta(hours=3), SessionStatus.DONE),
        (SessionStatus.DRAFT, STARTS + dt.timedelta(days=1), SessionStatus.DRAFT),
        (SessionStatus.APPROVED, STARTS + dt.timedelta(days=1), SessionStatus.APPROVED),
        (SessionStatus.CANCELLED, STARTS + dt.timedelta(days=1), SessionStatus.CANCELLED),
        (SessionStatus.DONE, STARTS, SessionStatus.DONE),
    ],
)
def test_status_at_follows_the_clock_only_for_published_sessions(
    status: SessionStatus, now: dt.datetime, expected: SessionStatus
) -> None:
    planned = session(1, STARTS, "tema", ["a"], "m", status=status)

    assert status_at(planned, now) is expected
