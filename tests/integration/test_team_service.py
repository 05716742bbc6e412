import datetime as dt
from pathlib import Path

import pytest

from gedsi_bot.domain.model import (
    InvitationResponse,
    RegistrationStatus,
    Session,
    SessionStatus,
)
from gedsi_bot.services import invitations, team
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.meetings import MeetingChange
from gedsi_bot.services.team_outbox import compose_team_reminder
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import get_session
from tests.registration_factories import SESSION_START, FixedClock, bundled_catalog
from tests.team_factories import (
    ADMIN,
    MODERATOR,
    SPEAKERS,
    add_team_session,
    expand_due,
    pending,
    registrant,
    rows,
    subscriber,
    team_setup,
)
from tests.team_factories import (
    link_person as link,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ctx(database: Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext.open(database, bundled_catalog(), clock=clock)


@pytest.fixture
def setup(tmp_path: Path) -> team.TeamSetup:
    return team_setup(tmp_path)


def approved(ctx: ServiceContext, setup: team.TeamSetup, **kwargs: object) -> int:
    session = add_team_session(ctx.database, series_id=ctx.series_id, **kwargs)  # type: ignore[arg-type]
    team.approve_session(ctx, setup, number=session.number)
    return session.number


# --- approving -------------------------------------------------------------------------------


def test_approve_turns_a_draft_into_an_approved_session_with_personal_links(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    session = add_team_session(ctx.database, series_id=ctx.series_id)

    result = team.approve_session(ctx, setup, number=session.number)

    assert result.approved
    assert result.session.status is SessionStatus.APPROVED
    assert {info.person_id for info in result.invitations} == {*SPEAKERS, MODERATOR}
    assert all(
        info.link and info.link.startswith("https://t.me/gedsi_test_bot?start=tim_")
        for info in result.invitations
    )
    assert not any(info.queued for info in result.invitations)  # nobody is linked yet


def test_approve_twice_changes_nothing(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    number = approved(ctx, setup)

    again = team.approve_session(ctx, setup, number=number)

    assert not again.approved
    links = {info.link for info in again.invitations}
    assert links == {info.link for info in team.invite_people(ctx, setup, number=number)}


def test_approve_refuses_a_cancelled_session(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    session = add_team_session(
        ctx.database, series_id=ctx.series_id, status=SessionStatus.CANCELLED
    )

    with pytest.raises(team.NotADraft):
        team.approve_session(ctx, setup, number=session.number)


def test_approve_invites_a_linked_person_by_chat(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    link(ctx, setup, number, MODERATOR, 501)
    second = add_team_session(
        ctx.database, series_id=ctx.series_id, starts_at=SESSION_START + dt.timedelta(days=28)
    )

    team.approve_session(ctx, setup, number=second.number)

    invited = pending(ctx, kind=msg.INVITATION)
    assert [row.chat_id for row in invited] == [501]
    buttons = invited[-1].payload["params"]["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == [
        f"undangan_ya:{second.id}",
        f"undangan_tidak:{second.id}",
    ]


# --- publishing -----------------------------------------------------------------------------


async def test_publish_refuses_a_draft(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    session = add_team_session(ctx.database, series_id=ctx.series_id)

    with pytest.raises(team.NotApproved):
        await team.publish_session(ctx, None, setup, number=session.number)


async def test_publish_without_meeting_or_zoom_says_so(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup, manual_meeting=False)

    with pytest.raises(team.NoMeetingToAttach):
        await team.publish_session(ctx, None, setup, number=number)

    assert rows(ctx) == []


async def test_publish_queues_channel_post_announcement_and_reminders(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    subscriber(ctx, 11)
    subscriber(ctx, 12, language_code="en")

    result = await team.publish_session(ctx, None, setup, number=number)

    assert result.session.status is SessionStatus.PUBLISHED
    assert (result.subscribers, result.reminders, result.already) == (2, 4, False)
    assert result.flyer.is_file()
    (post,) = pending(ctx, kind=msg.CHANNEL_POST)
    assert post.chat_id == -1001234567890
    params = post.payload["params"]
    assert post.payload["method"] == "sendPhoto"
    assert params["photo"]["path"] == str(result.flyer)
    assert params["photo"]["media_key"].startswith("flyer:")
    (button,) = params["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "📝 Daftar"
    assert button["url"].startswith("https://t.me/gedsi_test_bot?start=daftar_")
    fan_outs = [row for row in rows(ctx) if "expand" in row.payload]
    assert sorted((row.kind, row.due_at) for row in fan_outs) == sorted(
        [
            (msg.ANNOUNCEMENT, ctx.clock.now()),
            (msg.PARTICIPANT_REMINDER, SESSION_START - dt.timedelta(days=1)),
            (msg.PARTICIPANT_REMINDER, SESSION_START - dt.timedelta(hours=1)),
            (msg.STARTED_NUDGE, SESSION_START + dt.timedelta(minutes=5)),
            (msg.FEEDBACK_REQUEST, SESSION_START + dt.timedelta(minutes=130)),
        ]
    )


async def test_announcement_reaches_each_subscriber_once_in_their_language(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    subscriber(ctx, 11)
    subscriber(ctx, 12, language_code="en")
    await team.publish_session(ctx, None, setup, number=number)

    assert expand_due(ctx, ctx.clock.now()) == 2
    await team.publish_session(ctx, None, setup, number=number)
    expand_due(ctx, ctx.clock.now())

    announced = pending(ctx, kind=msg.ANNOUNCEMENT)
    assert sorted(row.chat_id for row in announced) == [11, 12]
    buttons = {
        row.chat_id: row.payload["params"]["reply_markup"]["inline_keyboard"][0][0]["text"]
        for row in announced
    }
    assert buttons == {11: "📝 Daftar", 12: "📝 Register"}


async def test_publish_again_queues_nothing_new(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    await team.publish_session(ctx, None, setup, number=number)
    before = len(rows(ctx))

    again = await team.publish_session(ctx, None, setup, number=number)

    assert again.already
    assert len(rows(ctx)) == before


async def test_publish_close_to_the_start_skips_past_reminders(
    ctx: ServiceContext, setup: team.TeamSetup, clock: FixedClock
) -> None:
    number = approved(ctx, setup)
    clock.moment = SESSION_START - dt.timedelta(hours=3)

    result = await team.publish_session(ctx, None, setup, number=number)

    assert result.reminders == 3  # 1h, started, feedback


# --- reminders ------------------------------------------------------------------------------


async def test_participant_reminders_reach_those_registered_after_publishing(
    ctx: ServiceContext, setup: team.TeamSetup, clock: FixedClock
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)
    registrant(ctx, 22, session.id)

    clock.moment = SESSION_START - dt.timedelta(days=1)
    expand_due(ctx, clock.moment)

    reminders = pending(ctx, kind=msg.PARTICIPANT_REMINDER)
    assert sorted(row.chat_id for row in reminders) == [21, 22]
    text = reminders[0].payload["params"]["text"]
    assert "dimulai dalam 1 hari" in text
    assert "https://zoom.us/j/81234567890?pwd=abc" in text


async def test_feedback_request_carries_the_umpan_button(
    ctx: ServiceContext, setup: team.TeamSetup, clock: FixedClock
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)

    clock.moment = SESSION_START + dt.timedelta(hours=3)
    expand_due(ctx, clock.moment)

    (request,) = pending(ctx, kind=msg.FEEDBACK_REQUEST)
    (button,) = request.payload["params"]["reply_markup"]["inline_keyboard"][0]
    assert button["callback_data"] == f"umpan:{number}"
    assert sorted(row.chat_id for row in pending(ctx, kind=msg.STARTED_NUDGE)) == [21]


async def test_team_reminders_for_linked_people_and_the_final_one_has_the_run_sheet(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    link(ctx, setup, number, MODERATOR, 501)
    link(ctx, setup, number, SPEAKERS[0], 502)

    await team.publish_session(ctx, None, setup, number=number)

    reminders = pending(ctx, kind=msg.TEAM_REMINDER)
    assert sorted((row.chat_id, row.due_at) for row in reminders) == sorted(
        (chat, SESSION_START - before)
        for chat in (501, 502)
        for before in (dt.timedelta(days=7), dt.timedelta(days=1), dt.timedelta(hours=1))
    )
    final = next(
        row
        for row in reminders
        if row.chat_id == 501 and row.due_at == SESSION_START - dt.timedelta(hours=1)
    )
    payload = await compose_team_reminder(ctx, None, final.payload["compose"]["args"])
    assert payload is not None
    text = payload["params"]["text"]
    assert "Susunan acara" in text
    assert "09.00 Pembukaan — " in text
    assert "Tanya jawab" in text
    assert "Tautan host belum tersedia" in text  # a hand-entered meeting without a host link


# --- invitations ----------------------------------------------------------------------------


def test_decline_tells_the_admins_with_proposed_replacements(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    link(ctx, setup, number, SPEAKERS[1], 503)
    session = get_session_by_number(ctx, number)

    outcome = invitations.answer_invitation(
        ctx, setup, telegram_user_id=503, session_id=session.id, accept=False
    )

    assert outcome.status is invitations.AnswerStatus.DECLINED
    assert outcome.candidates
    (notice,) = pending(ctx, kind=msg.ADMIN_NOTICE)
    assert notice.chat_id == ADMIN
    assert "Usulan pengganti" in notice.payload["params"]["text"]
    name = ctx.catalog.person(outcome.candidates[0].person_id).name
    assert name in notice.payload["params"]["text"]
    again = invitations.answer_invitation(
        ctx, setup, telegram_user_id=503, session_id=session.id, accept=True
    )
    assert again.status is invitations.AnswerStatus.ANSWERED


def test_link_refuses_a_second_account(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    number = approved(ctx, setup)
    link(ctx, setup, number, MODERATOR, 501)
    url = next(
        i.link for i in team.invite_people(ctx, setup, number=number) if i.person_id == MODERATOR
    )
    assert url is not None

    outcome = invitations.link_person(
        ctx, token=url.rsplit("tim_", 1)[1], telegram_user_id=999, chat_id=999
    )

    assert outcome.status is invitations.LinkStatus.TAKEN


def test_link_lists_the_invitations_waiting(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    number = approved(ctx, setup)
    url = next(
        i.link for i in team.invite_people(ctx, setup, number=number) if i.person_id == MODERATOR
    )
    assert url is not None

    outcome = invitations.link_person(
        ctx, token=url.rsplit("tim_", 1)[1], telegram_user_id=501, chat_id=501
    )

    assert outcome.person_id == MODERATOR
    assert [(i.session.number, i.role.value) for i in outcome.waiting] == [(number, "moderator")]


async def test_accept_after_publishing_queues_that_persons_team_reminders(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    link(ctx, setup, number, SPEAKERS[0], 502)

    outcome = invitations.answer_invitation(
        ctx, setup, telegram_user_id=502, session_id=session.id, accept=True
    )

    assert outcome.status is invitations.AnswerStatus.ACCEPTED
    assert len(pending(ctx, kind=msg.TEAM_REMINDER)) == 3
    stored = get_session_by_number(ctx, number)
    assert {p.person_id: p.response for p in stored.people}[SPEAKERS[0]] is (
        InvitationResponse.ACCEPTED
    )


# --- moving and cancelling ----------------------------------------------------------------------


async def test_reschedule_tells_registrants_and_replaces_the_reminders(
    ctx: ServiceContext, setup: team.TeamSetup, clock: FixedClock
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)
    new_start = SESSION_START + dt.timedelta(days=7)

    result = await team.reschedule_session(ctx, None, setup, number=number, starts_at=new_start)

    assert (result.changed, result.told, result.meeting) == (True, 1, MeetingChange.MANUAL)
    (notice,) = pending(ctx, kind=msg.SESSION_NOTICE)
    assert notice.chat_id == 21
    assert "17 Desember 2026" in notice.payload["params"]["text"]
    fan_outs = [r for r in rows(ctx) if "expand" in r.payload and r.status == "pending"]
    assert sorted(r.due_at for r in fan_outs if r.kind == msg.PARTICIPANT_REMINDER) == [
        new_start - dt.timedelta(days=1),
        new_start - dt.timedelta(hours=1),
    ]
    clock.moment = SESSION_START - dt.timedelta(hours=1)  # the old time's reminders: none
    expand_due(ctx, clock.moment)
    assert pending(ctx, kind=msg.PARTICIPANT_REMINDER) == []


async def test_reschedule_run_again_sends_nothing_twice(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)
    new_start = SESSION_START + dt.timedelta(days=7)
    await team.reschedule_session(ctx, None, setup, number=number, starts_at=new_start)
    before = len(rows(ctx))

    again = await team.reschedule_session(ctx, None, setup, number=number, starts_at=new_start)

    assert not again.changed
    assert len(rows(ctx)) == before
    assert len(pending(ctx, kind=msg.SESSION_NOTICE)) == 1


async def test_reschedule_refuses_a_time_in_the_past(
    ctx: ServiceContext, setup: team.TeamSetup, clock: FixedClock
) -> None:
    number = approved(ctx, setup)

    with pytest.raises(team.TimeInPast):
        await team.reschedule_session(ctx, None, setup, number=number, starts_at=clock.now())


async def test_cancel_tells_registrants_and_stops_every_pending_message(
    ctx: ServiceContext, setup: team.TeamSetup
) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)

    result = await team.cancel_session(ctx, None, setup, number=number)

    assert (result.changed, result.told) == (True, 1)
    assert result.session.status is SessionStatus.CANCELLED
    assert get_session_by_number(ctx, number).meeting is None
    still = [r for r in rows(ctx) if r.status == "pending"]
    assert [(r.kind, r.chat_id) for r in still] == [(msg.SESSION_NOTICE, 21)]
    assert "dibatalkan" in still[0].payload["params"]["text"]


# --- participants ---------------------------------------------------------------------------


async def test_participants_counts_and_lists(ctx: ServiceContext, setup: team.TeamSetup) -> None:
    number = approved(ctx, setup)
    session = (await team.publish_session(ctx, None, setup, number=number)).session
    registrant(ctx, 21, session.id)
    registrant(ctx, 22, session.id)

    view = team.session_participants(ctx, number=number)

    assert view.counts[RegistrationStatus.REGISTERED] == 2
    assert view.capacity == ctx.catalog.series.capacity
    assert [p.full_name for p in view.people] == ["Peserta 21", "Peserta 22"]


def get_session_by_number(ctx: ServiceContext, number: int) -> Session:
    with ctx.database.read() as db:
        return get_session(db, series_id=ctx.series_id, number=number)
