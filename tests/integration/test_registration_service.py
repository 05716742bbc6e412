import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gedsi_bot.domain.model import (
    AgeBand,
    Category,
    Disability,
    RegistrationStatus,
    SessionStatus,
)
from gedsi_bot.domain.registration import (
    ConsentMissing,
    IncompleteAnswers,
    RegistrationClosed,
    SessionFull,
)
from gedsi_bot.errors import NotFound
from gedsi_bot.services import registration as service
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.engine import upgrade
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.tables import (
    BotStateRow,
    OutboxRow,
    ParticipantRow,
    RegistrationRow,
    SessionRow,
)
from tests.conftest import backends, drop_engine, make_engine
from tests.registration_factories import (
    NOW,
    FixedClock,
    adult_profile,
    bundled_catalog,
    catalog_with,
    publish,
)

VERSION = bundled_catalog().registration.consent_version


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ctx(database: Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext.open(database, bundled_catalog(), clock=clock)


def register(
    ctx: ServiceContext, user: int, session_id: int, **kwargs: object
) -> service.RegistrationResult:
    kwargs.setdefault("profile", adult_profile(f"Peserta {chr(65 + user % 26)}"))
    kwargs.setdefault("consent_version", VERSION)
    return service.register(
        ctx,
        telegram_user_id=user,
        chat_id=user,
        session_id=session_id,
        **kwargs,  # type: ignore[arg-type]
    )


def test_new_participant_is_registered_with_a_snapshot(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    result = register(ctx, 100, session.id, profile=adult_profile())
    assert result.status is RegistrationStatus.REGISTERED
    assert result.already is False
    with ctx.database.read() as db:
        row = db.scalar(select(RegistrationRow).where(RegistrationRow.session_id == session.id))
        person = db.scalar(select(ParticipantRow).where(ParticipantRow.telegram_user_id == 100))
    assert row is not None
    assert person is not None
    assert (row.sex, row.age_band, row.is_child) == ("P", AgeBand.A40_44.value, False)
    assert (row.category, row.area_code, row.disability) == ("kader", "35.74.01.1001", "tidak")
    assert person.full_name == "Siti Aminah"
    assert person.consent_version == VERSION
    assert person.consent_at == NOW


def test_registering_twice_keeps_one_place(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    first = register(ctx, 100, session.id)
    again = register(ctx, 100, session.id)
    assert again.already is True
    assert again.registration.id == first.registration.id
    with ctx.database.read() as db:
        assert db.scalar(select(func.count(RegistrationRow.id))) == 1


def test_profile_without_the_current_notice_is_refused(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    with pytest.raises(ConsentMissing):
        register(ctx, 100, session.id, consent_version="1999-01")


def test_returning_participant_registers_with_the_data_held(ctx: ServiceContext) -> None:
    first = publish(ctx.database, series_id=ctx.series_id, code="K12")
    second = publish(ctx.database, series_id=ctx.series_id, code="K13")
    register(ctx, 100, first.id, profile=adult_profile())
    result = register(ctx, 100, second.id, profile=None, consent_version=None)
    assert result.status is RegistrationStatus.REGISTERED


def test_reuse_needs_a_complete_profile(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    service.open_participant(ctx, telegram_user_id=100, chat_id=100, language_code="id")
    with pytest.raises(ConsentMissing):
        register(ctx, 100, session.id, profile=None, consent_version=None)


def test_reuse_under_a_new_notice_needs_fresh_consent(
    database: Database, clock: FixedClock
) -> None:
    old = ServiceContext.open(database, catalog_with(consent_version="2025-01"), clock=clock)
    first = publish(database, series_id=old.series_id, code="K12")
    register(old, 100, first.id, consent_version="2025-01")
    new = ServiceContext.open(database, bundled_catalog(), clock=clock)
    second = publish(database, series_id=new.series_id, code="K13")
    with pytest.raises(ConsentMissing):
        register(new, 100, second.id, profile=None, consent_version=None)


def test_reuse_asks_a_question_switched_on_later(database: Database, clock: FixedClock) -> None:
    before = ServiceContext.open(database, catalog_with(ask_area=False), clock=clock)
    first = publish(database, series_id=before.series_id, code="K12")
    register(before, 100, first.id, profile=adult_profile(area_code=None))
    after = ServiceContext.open(database, bundled_catalog(), clock=clock)
    second = publish(database, series_id=after.series_id, code="K13")
    with pytest.raises(IncompleteAnswers):
        register(after, 100, second.id, profile=None, consent_version=None)


def test_full_session_waitlists_in_order(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=2)
    statuses = [register(ctx, user, session.id) for user in (1, 2, 3, 4)]
    assert [r.status for r in statuses] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
    ]
    assert [r.position for r in statuses] == [None, None, 1, 2]


def test_full_session_without_waitlist_refuses(database: Database, clock: FixedClock) -> None:
    ctx = ServiceContext.open(database, catalog_with(waitlist=False), clock=clock)
    session = publish(database, series_id=ctx.series_id, code="K12", capacity=1)
    register(ctx, 1, session.id)
    with pytest.raises(SessionFull):
        register(ctx, 2, session.id)


@pytest.mark.parametrize("status", [SessionStatus.APPROVED, SessionStatus.CANCELLED])
def test_unpublished_sessions_take_no_registrations(
    ctx: ServiceContext, status: SessionStatus
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12", status=status)
    with pytest.raises(RegistrationClosed):
        register(ctx, 1, session.id)


def test_registration_closes_at_the_start(ctx: ServiceContext, clock: FixedClock) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    clock.moment = session.starts_at
    with pytest.raises(RegistrationClosed):
        register(ctx, 1, session.id)


def test_cancel_promotes_the_first_in_line_and_queues_their_notice(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=1)
    register(ctx, 1, session.id)
    register(ctx, 2, session.id)
    register(ctx, 3, session.id)
    result = service.cancel_registration(ctx, telegram_user_id=1, session_id=session.id)
    assert result.cancelled is True
    assert result.promoted == 1
    second = service.registration_for(ctx, telegram_user_id=2, session_id=session.id)
    third = service.registration_for(ctx, telegram_user_id=3, session_id=session.id)
    assert second is not None
    assert third is not None
    assert second.status is RegistrationStatus.REGISTERED
    assert (third.status, third.position) == (RegistrationStatus.WAITLISTED, 1)
    with ctx.database.read() as db:
        queued = db.scalars(select(OutboxRow)).all()
    assert len(queued) == 1
    notice = queued[0]
    assert (notice.kind, notice.chat_id, notice.due_at) == (service.PROMOTION_KIND, 2, NOW)
    assert notice.session_id == session.id
    assert notice.payload["method"] == "sendMessage"
    params = notice.payload["params"]
    assert params["parse_mode"] == "HTML"
    assert "812 3456 7890" in params["text"]
    assert "https://zoom.us/j/81234567890?pwd=abc&amp;x=1" in params["text"]
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"ics:{session.id}"
    assert "chat_id" not in params


def test_promotion_notice_speaks_the_persons_language(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=1)
    register(ctx, 1, session.id)
    register(ctx, 2, session.id, language_code="en-GB")
    service.cancel_registration(ctx, telegram_user_id=1, session_id=session.id)
    with ctx.database.read() as db:
        text = db.scalars(select(OutboxRow)).one().payload["params"]["text"]
    assert "Good news" in text


def test_cancelling_nothing_changes_nothing(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    result = service.cancel_registration(ctx, telegram_user_id=99, session_id=session.id)
    assert result.cancelled is False


def test_cancelled_person_can_register_again_at_the_end_of_the_line(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=1)
    register(ctx, 1, session.id)
    register(ctx, 2, session.id)
    service.cancel_registration(ctx, telegram_user_id=2, session_id=session.id)
    register(ctx, 3, session.id)
    clock.advance(dt.timedelta(minutes=1))
    again = register(ctx, 2, session.id)
    assert (again.status, again.position) == (RegistrationStatus.WAITLISTED, 2)


def test_upcoming_sessions_lists_only_open_published_ones(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    soon = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=1)
    publish(
        ctx.database, series_id=ctx.series_id, code="K10", starts_at=NOW - dt.timedelta(days=1)
    )
    publish(ctx.database, series_id=ctx.series_id, code="K13", status=SessionStatus.APPROVED)
    register(ctx, 1, soon.id)
    listings = service.upcoming_sessions(ctx)
    assert [listing.session.id for listing in listings] == [soon.id]
    assert (listings[0].seats_taken, listings[0].seats_left) == (1, 0)


def test_session_by_code_finds_the_flyers_session(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    assert service.session_by_code(ctx, "K12").id == session.id
    with pytest.raises(NotFound):
        service.session_by_code(ctx, "nope")


def test_update_profile_changes_upcoming_snapshots_only(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    past = publish(
        ctx.database, series_id=ctx.series_id, code="K11", starts_at=NOW + dt.timedelta(days=1)
    )
    upcoming = publish(ctx.database, series_id=ctx.series_id, code="K12")
    register(ctx, 1, past.id, profile=adult_profile())
    register(ctx, 1, upcoming.id, profile=adult_profile())
    clock.advance(dt.timedelta(days=3))
    updated = service.update_profile(
        ctx, telegram_user_id=1, profile=adult_profile(category=Category.ASN)
    )
    assert updated == 1
    with ctx.database.read() as db:
        rows = db.execute(select(RegistrationRow.session_id, RegistrationRow.category))
        categories = dict(rows.all())
    assert categories == {past.id: "kader", upcoming.id: "asn"}


def test_my_data_holds_everything(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    register(ctx, 1, session.id, profile=adult_profile(disability=Disability.SENSORIK_RUNGU))
    data = service.participant_data(ctx, 1)
    assert data is not None
    export = data.as_export()
    assert export["full_name"] == "Siti Aminah"
    assert export["disability"] == "sensorik_rungu"
    assert export["registrations"][0]["status"] == "registered"
    assert export["registrations"][0]["session_number"] == session.number


def test_delete_erases_the_person_and_keeps_anonymous_counts(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    past = publish(
        ctx.database, series_id=ctx.series_id, code="K11", starts_at=NOW + dt.timedelta(days=1)
    )
    upcoming = publish(ctx.database, series_id=ctx.series_id, code="K12", capacity=1)
    register(ctx, 1, past.id, profile=adult_profile())
    register(ctx, 1, upcoming.id)
    register(ctx, 2, upcoming.id)
    with ctx.database.write() as db:
        enqueue(
            db,
            kind="reminder",
            chat_id=1,
            payload={},
            due_at=NOW + dt.timedelta(days=9),
            dedupe_key="r1",
        )
    clock.advance(dt.timedelta(days=3))

    result = service.delete_personal_data(ctx, telegram_user_id=1)

    assert result == service.DeletionResult(cancelled=1, promoted=1)
    assert service.find_participant(ctx, 1) is None
    with ctx.database.read() as db:
        person = db.scalars(
            select(ParticipantRow).where(ParticipantRow.deleted_at.is_not(None))
        ).one()
        rows = {
            r.session_id: r
            for r in db.scalars(
                select(RegistrationRow).where(RegistrationRow.participant_id == person.id)
            )
        }
        reminder = db.scalars(select(OutboxRow).where(OutboxRow.dedupe_key == "r1")).one()
    assert (person.full_name, person.birth_year, person.telegram_user_id, person.chat_id) == (
        None,
        None,
        None,
        None,
    )
    assert rows[past.id].status == "registered"
    assert (rows[past.id].sex, rows[past.id].category) == ("P", "kader")
    assert rows[upcoming.id].status == "cancelled"
    assert reminder.status == "cancelled"
    second = service.registration_for(ctx, telegram_user_id=2, session_id=upcoming.id)
    assert second is not None
    assert second.status is RegistrationStatus.REGISTERED


def test_deleted_person_starts_afresh(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    register(ctx, 1, session.id)
    service.delete_personal_data(ctx, telegram_user_id=1)
    person = service.open_participant(ctx, telegram_user_id=1, chat_id=1, language_code="id")
    assert person.full_name is None
    assert service.my_registrations(ctx, 1) == []


# --- concurrency: seats are counted in the database, not in memory --------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend", backends())
def test_simultaneous_registrations_never_exceed_capacity(backend: str, tmp_path: Path) -> None:
    engine, schema = make_engine(backend, tmp_path)
    try:
        upgrade(engine)
        database = Database(engine)
        ctx = ServiceContext.open(database, bundled_catalog(), clock=FixedClock())
        session = publish(database, series_id=ctx.series_id, code="K12", capacity=15)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda user: register(ctx, user, session.id), range(1, 21)))
        assert sum(r.status is RegistrationStatus.REGISTERED for r in results) == 15
        assert sorted(r.position for r in results if r.position) == [1, 2, 3, 4, 5]
        with database.read() as db:
            rows = db.execute(
                select(RegistrationRow.status, func.count())
                .where(RegistrationRow.session_id == session.id)
                .group_by(RegistrationRow.status)
            )
            counts = dict(rows.all())
        assert counts == {"registered": 15, "waitlisted": 5}
    finally:
        drop_engine(engine, schema)


def test_bot_state_table_is_untouched_by_services(ctx: ServiceContext) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="K12")
    register(ctx, 1, session.id)
    with ctx.database.read() as db:
        assert db.scalar(select(func.count(BotStateRow.id))) == 0
        assert db.scalar(select(func.count(SessionRow.id))) == 1
