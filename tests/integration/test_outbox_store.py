"""The outbox as delivery workers use it: claims, leases, marks, cancelling and counting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gedsi_bot.store.outbox import (
    cancel_pending,
    claim_due,
    enqueue,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_skipped,
    media_file_id,
    next_due_at,
    postpone_chat,
    recent_failures,
    remember_media,
    status_counts,
)
from gedsi_bot.store.participants import mark_blocked
from gedsi_bot.store.sessions import ensure_series
from gedsi_bot.store.tables import OutboxRow, ParticipantRow
from tests.registration_factories import publish_session

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=60)
TEXT = {"method": "sendMessage", "params": {"text": "Halo"}}


def queue(
    db: Session, key: str, *, chat_id: int = 100, due: dt.datetime = NOW, **kw: object
) -> None:
    assert enqueue(
        db, kind="test", chat_id=chat_id, payload=TEXT, due_at=due, dedupe_key=key, **kw
    )  # type: ignore[arg-type]


def statuses(db: Session) -> dict[str, str]:
    return dict(db.execute(select(OutboxRow.dedupe_key, OutboxRow.status)).all())


def test_claim_due_takes_due_rows_oldest_first_and_leaves_the_future(db: Session) -> None:
    queue(db, "b", due=NOW - dt.timedelta(minutes=1))
    queue(db, "a", due=NOW - dt.timedelta(minutes=2))
    queue(db, "later", due=NOW + dt.timedelta(minutes=1))

    claimed = claim_due(db, worker_id="w1", now=NOW, limit=10, lease=LEASE)

    assert [row.dedupe_key for row in claimed] == ["a", "b"]
    assert statuses(db) == {"a": "sending", "b": "sending", "later": "pending"}
    assert claim_due(db, worker_id="w2", now=NOW, limit=10, lease=LEASE) == []


def test_claim_due_respects_the_limit(db: Session) -> None:
    for number in range(5):
        queue(db, f"k{number}")
    assert len(claim_due(db, worker_id="w", now=NOW, limit=3, lease=LEASE)) == 3
    assert len(claim_due(db, worker_id="w", now=NOW, limit=3, lease=LEASE)) == 2


def test_a_worker_claims_one_row_per_chat_and_none_of_its_busy_chats(db: Session) -> None:
    queue(db, "a1", chat_id=1, due=NOW - dt.timedelta(minutes=2))
    queue(db, "a2", chat_id=1, due=NOW - dt.timedelta(minutes=1))
    queue(db, "b1", chat_id=2)
    queue(db, "c1", chat_id=3)

    first = claim_due(db, worker_id="w", now=NOW, limit=10, lease=LEASE, busy_chats={3})
    second = claim_due(db, worker_id="w", now=NOW, limit=10, lease=LEASE, busy_chats={1})

    assert [row.dedupe_key for row in first] == ["a1", "b1"]
    assert [row.dedupe_key for row in second] == ["c1"]  # a2 waits until a1 is marked
    assert statuses(db)["a2"] == "pending"


def test_an_expired_lease_of_a_dead_worker_is_claimed_again(db: Session) -> None:
    queue(db, "k")
    [first] = claim_due(db, worker_id="dead", now=NOW, limit=1, lease=LEASE)

    too_soon = claim_due(db, worker_id="w", now=NOW + LEASE / 2, limit=1, lease=LEASE)
    after = claim_due(db, worker_id="w", now=NOW + LEASE * 2, limit=1, lease=LEASE)

    assert too_soon == []
    assert [row.id for row in after] == [first.id]


def test_marks_finish_a_claimed_row_once(db: Session) -> None:
    for key in ("sent", "failed", "skipped", "retry"):
        queue(db, key)
    rows = {
        row.dedupe_key: row.id
        for row in claim_due(db, worker_id="w", now=NOW, limit=9, lease=LEASE)
    }

    assert mark_sent(db, rows["sent"], now=NOW, telegram_message_id=7)
    assert not mark_sent(db, rows["sent"], now=NOW)  # already marked
    assert mark_failed(db, rows["failed"], error="BadRequest: chat not found")
    assert mark_skipped(db, rows["skipped"], reason="no longer relevant")
    later = NOW + dt.timedelta(seconds=30)
    assert mark_retry(db, rows["retry"], due_at=later, error="NetworkError")

    assert statuses(db) == {
        "sent": "sent",
        "failed": "failed",
        "skipped": "skipped",
        "retry": "pending",
    }
    retried = db.get(OutboxRow, rows["retry"])
    assert retried is not None
    assert (retried.attempts, retried.due_at, retried.claimed_by) == (1, later, None)


def test_a_flood_wait_does_not_count_as_an_attempt(db: Session) -> None:
    queue(db, "k")
    [row] = claim_due(db, worker_id="w", now=NOW, limit=1, lease=LEASE)
    mark_retry(db, row.id, due_at=NOW, error="RetryAfter", count_attempt=False)
    stored = db.get(OutboxRow, row.id)
    assert stored is not None
    assert stored.attempts == 0


def test_postpone_chat_moves_only_that_chats_earlier_rows(db: Session) -> None:
    queue(db, "mine", chat_id=1)
    queue(db, "mine-later", chat_id=1, due=NOW + dt.timedelta(hours=1))
    queue(db, "other", chat_id=2)
    until = NOW + dt.timedelta(seconds=40)

    assert postpone_chat(db, chat_id=1, until=until) == 1
    dues = dict(db.execute(select(OutboxRow.dedupe_key, OutboxRow.due_at)).all())
    assert dues == {"mine": until, "mine-later": NOW + dt.timedelta(hours=1), "other": NOW}


def test_cancel_pending_cancels_a_sessions_pending_rows_of_the_kinds_given(db: Session) -> None:
    series = ensure_series(db, slug="s", name="S")
    session = publish_session(db, series_id=series, code="abc")
    enqueue(
        db,
        kind="reminder",
        chat_id=1,
        payload=TEXT,
        due_at=NOW,
        dedupe_key="r",
        session_id=session.id,
    )
    enqueue(
        db,
        kind="nudge",
        chat_id=1,
        payload=TEXT,
        due_at=NOW,
        dedupe_key="n",
        session_id=session.id,
    )
    enqueue(db, kind="reminder", chat_id=1, payload=TEXT, due_at=NOW, dedupe_key="x")

    assert cancel_pending(db, session_id=session.id, kinds=["reminder"]) == 1
    assert cancel_pending(db, session_id=session.id) == 1
    assert statuses(db) == {"r": "cancelled", "n": "cancelled", "x": "pending"}


def test_counts_next_due_and_failures(db: Session) -> None:
    queue(db, "a", due=NOW + dt.timedelta(minutes=5))
    queue(db, "b")
    [row] = claim_due(db, worker_id="w", now=NOW, limit=1, lease=LEASE)
    mark_failed(db, row.id, error="Forbidden: bot was blocked by the user")

    assert status_counts(db) == {("test", "pending"): 1, ("test", "failed"): 1}
    assert status_counts(db, kind="other") == {}
    assert next_due_at(db, lease=LEASE) == NOW + dt.timedelta(minutes=5)
    [failure] = recent_failures(db)
    assert (failure.id, failure.kind, failure.attempts) == (row.id, "test", 1)


def test_next_due_includes_the_expiry_of_a_lease(db: Session) -> None:
    queue(db, "a")
    claim_due(db, worker_id="w", now=NOW, limit=1, lease=LEASE)
    assert next_due_at(db, lease=LEASE) == NOW + LEASE


def test_media_keeps_the_first_file_id(db: Session) -> None:
    remember_media(db, key="flyer:1", file_id="AAA", now=NOW)
    remember_media(db, key="flyer:1", file_id="BBB", now=NOW)
    assert media_file_id(db, "flyer:1") == "AAA"
    assert media_file_id(db, "flyer:2") is None


def test_mark_blocked_unsubscribes_the_participant(db: Session) -> None:
    person = ParticipantRow(telegram_user_id=555, chat_id=555, subscribed=True, subscribed_at=NOW)
    db.add(person)
    db.flush()
    assert mark_blocked(db, chat_id=555, now=NOW)
    assert not mark_blocked(db, chat_id=556, now=NOW)
    assert (person.subscribed, person.blocked_at) == (False, NOW)
