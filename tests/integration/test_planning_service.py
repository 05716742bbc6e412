"""The planning service against a real database: reading, saving and re-planning drafts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import update

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.model import InvitationResponse, Role, SessionStatus
from gedsi_bot.domain.series import Catalog
from gedsi_bot.services.planning import BadPeriod, SavedPlan, plan_next_sessions
from gedsi_bot.store.demand import theme_demand
from gedsi_bot.store.engine import Database
from gedsi_bot.store.sessions import add_session, ensure_series, list_sessions
from gedsi_bot.store.tables import (
    FeedbackRow,
    ParticipantRow,
    RegistrationRow,
    SessionPersonRow,
)
from tests.conftest import BUNDLED_CATALOG

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
START = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def with_lead() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=NOW)


@pytest.fixture(scope="module")
def bundled(with_lead: Catalog) -> Catalog:
    """The bundled catalog without a lead time: these tests plan from ``START`` itself."""
    return replace(with_lead, planning=replace(with_lead.planning, lead_days=0))


def stored(database: Database, catalog: Catalog) -> list:  # type: ignore[type-arg]
    with database.read() as db:
        series = ensure_series(db, slug=catalog.series.id, name=catalog.series.name)
        return list_sessions(db, series_id=series)


def test_planning_without_save_stores_nothing(database: Database, bundled: Catalog) -> None:
    outcome = plan_next_sessions(database, bundled, start=START, count=4)
    assert outcome.plan.feasible
    assert len(outcome.plan.sessions) == 4
    assert outcome.saved is None
    assert stored(database, bundled) == []


def test_save_stores_drafts_numbered_in_date_order(database: Database, bundled: Catalog) -> None:
    outcome = plan_next_sessions(database, bundled, start=START, count=4, save=True)
    assert outcome.saved == SavedPlan(kept=0, updated=0, added=4, removed=0)
    sessions = stored(database, bundled)
    assert [s.number for s in sessions] == [1, 2, 3, 4]
    assert {s.status for s in sessions} == {SessionStatus.DRAFT}
    planned = outcome.plan.sessions
    assert [(s.starts_at, s.theme_id, s.speaker_ids, s.moderator_id) for s in sessions] == [
        (p.starts_at, p.theme_id, p.speaker_ids, p.moderator_id) for p in planned
    ]
    assert sessions[0].plan_reasons == planned[0].reasons
    assert sessions[0].duration_minutes == bundled.series.duration_minutes


def test_replanning_keeps_drafts_rows_and_invitation_answers(
    database: Database, bundled: Catalog
) -> None:
    plan_next_sessions(database, bundled, start=START, count=4, save=True)
    before = stored(database, bundled)
    first = before[0]
    with database.write() as db:
        db.execute(
            update(SessionPersonRow)
            .where(SessionPersonRow.session_id == first.id)
            .values(response=InvitationResponse.ACCEPTED.value)
        )
    again = plan_next_sessions(database, bundled, start=START, count=4, save=True)
    assert again.saved == SavedPlan(kept=4, updated=0, added=0, removed=0)
    after = stored(database, bundled)
    assert [(s.id, s.number) for s in after] == [(s.id, s.number) for s in before]
    assert {p.response for p in after[0].people} == {InvitationResponse.ACCEPTED}


def test_approved_sessions_are_untouched_and_numbers_continue(
    database: Database, bundled: Catalog
) -> None:
    with database.write() as db:
        series = ensure_series(db, slug=bundled.series.id, name=bundled.series.name)
        approved = add_session(
            db,
            series_id=series,
            theme_id="kbgo",
            starts_at=dt.datetime(2026, 12, 10, 9, 0, tzinfo=bundled.series.zone),
            duration_minutes=120,
            speaker_ids=["penyidik-ppa"],
            moderator_id="kabid-pp",
            status=SessionStatus.APPROVED,
            number=7,
        )
    outcome = plan_next_sessions(database, bundled, start=START, count=3, save=True)
    sessions = stored(database, bundled)
    fixed = next(s for s in sessions if s.id == approved.id)
    assert (fixed.theme_id, fixed.starts_at, fixed.speaker_ids, fixed.moderator_id) == (
        approved.theme_id,
        approved.starts_at,
        approved.speaker_ids,
        approved.moderator_id,
    )
    assert [(s.number, s.status) for s in sessions] == [
        (8, SessionStatus.DRAFT),
        (7, SessionStatus.APPROVED),
        (9, SessionStatus.DRAFT),
    ]
    assert [item.is_fixed for item in outcome.plan.sessions] == [False, True, False]
    assert all(s.theme_id != "kbgo" for s in sessions if s.status is SessionStatus.DRAFT)


def test_a_shorter_replan_keeps_later_drafts_and_respects_them(
    database: Database, bundled: Catalog
) -> None:
    plan_next_sessions(database, bundled, start=START, count=6, save=True)
    before = stored(database, bundled)
    again = plan_next_sessions(database, bundled, start=START, count=2, save=True)
    assert again.saved == SavedPlan(kept=2, updated=0, added=0, removed=0)
    assert stored(database, bundled) == before


def test_a_declined_moderator_is_replaced_and_the_rest_kept(
    database: Database, bundled: Catalog
) -> None:
    plan_next_sessions(database, bundled, start=START, count=4, save=True)
    target = stored(database, bundled)[1]
    with database.write() as db:
        db.execute(
            update(SessionPersonRow)
            .where(
                SessionPersonRow.session_id == target.id,
                SessionPersonRow.role == Role.MODERATOR.value,
            )
            .values(response=InvitationResponse.DECLINED.value)
        )
    again = plan_next_sessions(database, bundled, start=START, count=4, save=True)
    assert again.saved == SavedPlan(kept=3, updated=1, added=0, removed=0)
    after = stored(database, bundled)[1]
    assert after.id == target.id
    assert after.moderator_id != target.moderator_id
    assert after.speaker_ids == target.speaker_ids
    assert [c.text.split(" — ")[1] for c in again.plan.changes] == [
        f"{bundled.person(target.moderator_id).name} menolak undangan"
    ]


def test_both_count_and_until_are_refused(database: Database, bundled: Catalog) -> None:
    with pytest.raises(BadPeriod) as caught:
        plan_next_sessions(database, bundled, start=START, count=3, until=dt.date(2027, 3, 1))
    assert caught.value.key == "planner.cli.count_and_until"


def test_until_plans_every_date_up_to_it_and_lists_skipped_days(
    database: Database, bundled: Catalog
) -> None:
    outcome = plan_next_sessions(database, bundled, start=START, until=dt.date(2027, 1, 31))
    assert [item.starts_at.date() for item in outcome.plan.sessions] == [
        dt.date(2026, 11, 26),
        dt.date(2026, 12, 10),
        dt.date(2027, 1, 14),
        dt.date(2027, 1, 28),
    ]
    assert [(day.day, day.name) for day in outcome.skipped] == [
        (dt.date(2026, 12, 24), "Cuti Bersama Hari Raya Natal")
    ]


def test_theme_demand_counts_feedback_votes_of_the_series(
    database: Database, bundled: Catalog
) -> None:
    with database.write() as db:
        series = ensure_series(db, slug=bundled.series.id, name=bundled.series.name)
        other = ensure_series(db, slug="seri-lain", name="Seri Lain")
        votes = [(series, "kbgo"), (series, "kbgo"), (series, "hari-ibu"), (other, "kbgo")]
        for index, (series_id, theme_id) in enumerate(votes):
            held = add_session(
                db,
                series_id=series_id,
                theme_id="pug-dasar",
                starts_at=dt.datetime(2026, 10, 1 + index, 9, tzinfo=bundled.series.zone),
                duration_minutes=120,
                speaker_ids=["analis-pug"],
                moderator_id="kabid-pp",
                status=SessionStatus.DONE,
            )
            participant = ParticipantRow(telegram_user_id=1000 + index)
            db.add(participant)
            db.flush()
            registration = RegistrationRow(
                session_id=held.id, participant_id=participant.id, status="attended"
            )
            db.add(registration)
            db.flush()
            db.add(FeedbackRow(registration_id=registration.id, suggested_theme_id=theme_id))
        db.flush()
        assert theme_demand(db, series_id=series) == {"kbgo": 2, "hari-ibu": 1}
        assert theme_demand(db, series_id=other) == {"kbgo": 1}
    outcome = plan_next_sessions(database, bundled, start=START, count=4)
    asked = {"kbgo": 2, "hari-ibu": 1}
    chosen = [item for item in outcome.plan.sessions if item.theme_id in asked]
    assert chosen
    for item in chosen:
        assert f"diusulkan {asked[item.theme_id]} peserta" in item.reasons


def test_new_drafts_start_after_the_lead_time(database: Database, with_lead: Catalog) -> None:
    today = dt.date(2026, 11, 23)
    outcome = plan_next_sessions(database, with_lead, start=today, today=today, count=3)
    assert [item.starts_at.date() for item in outcome.plan.sessions] == [
        dt.date(2026, 12, 10),
        dt.date(2027, 1, 14),
        dt.date(2027, 1, 28),
    ]
    assert [day.day for day in outcome.skipped] == [dt.date(2026, 12, 24)]


def test_a_later_start_is_not_moved_by_the_lead_time(
    database: Database, with_lead: Catalog
) -> None:
    today = dt.date(2026, 11, 23)
    start = dt.date(2027, 1, 1)
    outcome = plan_next_sessions(database, with_lead, start=start, today=today, count=1)
    assert [item.starts_at.date() for item in outcome.plan.sessions] == [dt.date(2027, 1, 14)]


def test_drafts_inside_the_lead_time_are_kept_as_they_are(
    database: Database, bundled: Catalog, with_lead: Catalog
) -> None:
    plan_next_sessions(database, bundled, start=START, count=3, save=True)
    before = stored(database, bundled)
    near = before[0]
    assert near.starts_at.date() == dt.date(2026, 11, 26)
    today = dt.date(2026, 11, 23)
    again = plan_next_sessions(database, with_lead, start=today, today=today, count=4, save=True)
    shown = again.plan.sessions[0]
    assert (shown.session_id, shown.is_fixed, shown.reasons) == (
        near.id,
        True,
        ("draf kurang dari 14 hari lagi; tidak diubah",),
    )
    assert again.saved is not None
    assert again.saved.removed == 0
    after = stored(database, bundled)
    kept = next(s for s in after if s.id == near.id)
    assert (kept.theme_id, kept.speaker_ids, kept.moderator_id, kept.plan_reasons) == (
        near.theme_id,
        near.speaker_ids,
        near.moderator_id,
        near.plan_reasons,
    )
    assert len(after) == 4
    people = set(near.speaker_ids) | {near.moderator_id}
    second = next(s for s in after if s.starts_at.date() == dt.date(2026, 12, 10))
    assert not people & {*second.speaker_ids, second.moderator_id}  # the gap rule sees it
