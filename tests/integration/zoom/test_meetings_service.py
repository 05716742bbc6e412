"""The meetings service: a real database (SQLite and PostgreSQL) and the Zoom sandbox over HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.attendance import MatchedBy
from gedsi_bot.domain.meetings import MeetingOptions, MeetingProblem
from gedsi_bot.domain.model import MeetingSource, RegistrationStatus, SessionStatus
from gedsi_bot.domain.series import Catalog, CertificatePolicy
from gedsi_bot.errors import MissingCredentials
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services.meetings import (
    HasApiMeeting,
    InvalidMeeting,
    MeetingChange,
    NoMeeting,
    SessionClosed,
    add_registrant,
    cancel_meeting,
    ensure_meeting,
    fresh_host_url,
    import_attendance,
    reschedule_meeting,
    set_manual_meeting,
)
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import add_session, ensure_series, get_session, get_session_row
from gedsi_bot.store.tables import ParticipantRow, RegistrationRow
from gedsi_bot.zoom import ZoomClient, ZoomDailyLimit, ZoomNotFound
from tests.integration.zoom.conftest import make_client

STARTS = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # Thursday 09.00 WIB
OPTIONS = MeetingOptions()
JOIN = "https://us02web.zoom.us/j/81234567890?pwd=AbC"


class PowerCut(Exception):  # noqa: N818 - what happens, not an error of the code
    """The process dies: the transaction in progress never commits."""


class CrashingDatabase:
    """A database whose ``crash_on``-th write transaction dies before it commits."""

    def __init__(self, inner: Database, *, crash_on: int) -> None:
        self.inner = inner
        self.writes = 0
        self.crash_on = crash_on

    @contextlib.contextmanager
    def write(self) -> Iterator[DbSession]:
        self.writes += 1
        with self.inner.write() as session:
            yield session
            if self.writes == self.crash_on:
                raise PowerCut

    def read(self) -> contextlib.AbstractContextManager[DbSession]:
        return self.inner.read()


@pytest.fixture
def series(database: Database, catalog: Catalog) -> int:
    with database.write() as db:
        return ensure_series(db, slug=catalog.series.id, name=catalog.series.name)


def new_session(
    database: Database,
    catalog: Catalog,
    series: int,
    *,
    status: SessionStatus = SessionStatus.APPROVED,
    starts_at: dt.datetime = STARTS,
) -> int:
    speaker = next(p for p in catalog.people if p.can_speak)
    moderator = next(p for p in catalog.people if p.can_moderate)
    with database.write() as db:
        session = add_session(
            db,
            series_id=series,
            theme_id=catalog.themes[0].id,
            starts_at=starts_at,
            duration_minutes=120,
            speaker_ids=[speaker.id],
            moderator_id=moderator.id,
            status=status,
        )
    return session.number


def register(
    database: Database, series: int, number: int, name: str | None, **columns: Any
) -> tuple[int, int]:
    """``name`` registered for session ``number``: (registration id, participant id)."""
    with database.write() as db:
        person = ParticipantRow(full_name=name)
        db.add(person)
        db.flush()
        session_id = get_session(db, series_id=series, number=number).id
        columns.setdefault("status", RegistrationStatus.REGISTERED.value)
        registration = RegistrationRow(session_id=session_id, participant_id=person.id, **columns)
        db.add(registration)
        db.flush()
        return registration.id, person.id


def registration_row(database: Database, registration_id: int) -> RegistrationRow:
    with database.read() as db:
        row = db.scalar(select(RegistrationRow).where(RegistrationRow.id == registration_id))
        assert row is not None
        return row


async def test_meeting_is_created_as_the_series_wants_it(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    result = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert result.created is True
    (at_zoom,) = zoom.meetings()
    assert at_zoom["topic"] == f"Caring Gedsi #{number} — {catalog.themes[0].title}"
    assert (at_zoom["start_time"], at_zoom["timezone"], at_zoom["duration"]) == (
        "2026-11-26T02:00:00Z",
        "Asia/Jakarta",
        120,
    )
    settings = at_zoom["settings"]
    assert (
        settings["waiting_room"],
        settings["join_before_host"],
        settings["mute_upon_entry"],
    ) == (
        True,
        False,
        True,
    )
    with database.read() as db:
        stored = get_session(db, series_id=series, number=number).meeting
    assert stored == result.meeting
    assert stored is not None
    assert stored.source is MeetingSource.API
    assert stored.meeting_id == str(at_zoom["id"])
    assert stored.passcode == at_zoom["password"]
    assert stored.join_url == at_zoom["join_url"]


async def test_creating_again_changes_nothing(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    first = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    requests_before = len(zoom.requests())
    second = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert second.created is False
    assert second.meeting == first.meeting
    assert len(zoom.meetings()) == 1
    assert len(zoom.requests()) == requests_before  # Zoom was not even asked


async def test_crash_between_zoom_answer_and_commit_leaves_one_meeting(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    crashing = cast("Database", CrashingDatabase(database, crash_on=2))
    with pytest.raises(PowerCut):
        await ensure_meeting(
            crashing, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    assert len(zoom.meetings()) == 1
    with database.read() as db:
        assert get_session(db, series_id=series, number=number).meeting is None

    retried = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    (at_zoom,) = zoom.meetings()
    assert retried.created is True
    assert retried.meeting.meeting_id == str(at_zoom["id"])
    assert [r.method for r in zoom.requests() if r.path == "/v2/users/me/meetings"] == [
        "POST",  # the first attempt
        "GET",  # the retry looks for it and finds it
    ]


async def test_lost_answer_to_create_is_found_not_repeated(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox
) -> None:
    number = new_session(database, catalog, series)
    zoom.add_fault("slow", method="POST", path="/meetings$", delay=1.0)
    async with make_client(zoom, timeout=httpx.Timeout(0.3)) as client:
        result = await ensure_meeting(
            database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    (at_zoom,) = zoom.meetings()
    assert result.meeting.meeting_id == str(at_zoom["id"])


async def test_server_error_on_create_is_retried_without_duplicates(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    zoom.add_fault("error", method="POST", path="/meetings$", status=502)
    result = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert result.created is True
    assert len(zoom.meetings()) == 1


async def test_meeting_found_after_a_move_is_brought_up_to_date(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    crashing = cast("Database", CrashingDatabase(database, crash_on=2))
    with pytest.raises(PowerCut):
        await ensure_meeting(
            crashing, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    with database.write() as db:  # the team moves the session before the retry
        get_session_row(db, series_id=series, number=number).starts_at = STARTS + dt.timedelta(
            days=14
        )
    await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    (at_zoom,) = zoom.meetings()
    assert at_zoom["start_time"] == "2026-12-10T02:00:00Z"


async def test_daily_limit_leaves_nothing_half_done(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    zoom.add_fault("rate_limit_daily", method="POST")
    with pytest.raises(ZoomDailyLimit):
        await ensure_meeting(
            database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    assert zoom.meetings() == []
    result = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert result.created is True
    assert len(zoom.meetings()) == 1


async def test_cancelled_session_gets_no_meeting(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series, status=SessionStatus.CANCELLED)
    with pytest.raises(SessionClosed):
        await ensure_meeting(
            database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    assert zoom.requests() == []


async def test_reschedule_moves_the_zoom_meeting(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    nothing = await reschedule_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert nothing is MeetingChange.NO_MEETING
    await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    with database.write() as db:
        row = get_session_row(db, series_id=series, number=number)
        row.starts_at = dt.datetime(2026, 12, 10, 6, 30, tzinfo=dt.UTC)
        row.duration_minutes = 90
    change = await reschedule_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert change is MeetingChange.UPDATED
    (at_zoom,) = zoom.meetings()
    assert (at_zoom["start_time"], at_zoom["duration"]) == ("2026-12-10T06:30:00Z", 90)


async def test_cancel_deletes_the_meeting_and_a_new_one_can_follow(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    first = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    change = await cancel_meeting(database, client, series_id=series, number=number)
    assert change is MeetingChange.DELETED
    assert zoom.meetings() == []
    with database.read() as db:
        assert get_session(db, series_id=series, number=number).meeting is None
    again = await cancel_meeting(database, client, series_id=series, number=number)
    assert again is MeetingChange.NO_MEETING
    second = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert second.meeting.meeting_id != first.meeting.meeting_id
    assert len(zoom.meetings()) == 1


async def test_cancel_when_zoom_already_deleted_it(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    made = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    await client.delete_meeting(made.meeting.meeting_id)  # someone deleted it in Zoom's web portal
    change = await cancel_meeting(database, client, series_id=series, number=number)
    assert change is MeetingChange.DELETED


def test_hand_entered_meeting_is_stored_like_an_api_one(
    database: Database, catalog: Catalog, series: int
) -> None:
    number = new_session(database, catalog, series)
    meeting = set_manual_meeting(
        database,
        series_id=series,
        number=number,
        meeting_id="812 3456 7890",
        passcode="abc123",
        join_url=JOIN,
    )
    with database.read() as db:
        stored = get_session(db, series_id=series, number=number).meeting
    assert stored == meeting
    assert stored is not None
    assert (stored.meeting_id, stored.passcode, stored.join_url, stored.source) == (
        "81234567890",
        "abc123",
        JOIN,
        MeetingSource.MANUAL,
    )
    corrected = set_manual_meeting(
        database,
        series_id=series,
        number=number,
        meeting_id="81234567890",
        passcode="xyz789",
        join_url=JOIN,
    )
    assert corrected.passcode == "xyz789"


@pytest.mark.parametrize(
    ("meeting_id", "join_url", "problem"),
    [
        ("812 3456", JOIN, MeetingProblem.MEETING_ID),
        ("81234567890", "https://meet.example.org/j/81234567890", MeetingProblem.JOIN_URL),
        ("81234567899", JOIN, MeetingProblem.JOIN_URL_OTHER_MEETING),
    ],
)
def test_hand_entered_mistakes_are_refused_and_nothing_stored(
    *,
    database: Database,
    catalog: Catalog,
    series: int,
    meeting_id: str,
    join_url: str,
    problem: MeetingProblem,
) -> None:
    number = new_session(database, catalog, series)
    with pytest.raises(InvalidMeeting) as refused:
        set_manual_meeting(
            database,
            series_id=series,
            number=number,
            meeting_id=meeting_id,
            passcode=None,
            join_url=join_url,
        )
    assert refused.value.problem is problem
    with database.read() as db:
        assert get_session(db, series_id=series, number=number).meeting is None


async def test_hand_entered_meeting_does_not_replace_an_api_one(
    database: Database, catalog: Catalog, series: int, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    made = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    with pytest.raises(HasApiMeeting) as refused:
        set_manual_meeting(
            database, series_id=series, number=number, meeting_id="81234567890",
            passcode=None, join_url=JOIN,
        )  # fmt: skip
    assert refused.value.meeting_id == made.meeting.meeting_id


async def test_hand_entered_meeting_works_without_zoom_credentials(
    database: Database, catalog: Catalog, series: int
) -> None:
    number = new_session(database, catalog, series)
    set_manual_meeting(
        database,
        series_id=series,
        number=number,
        meeting_id="81234567890",
        passcode=None,
        join_url=JOIN,
        host_url="https://us02web.zoom.us/s/81234567890?zak=k",
    )
    kept = await ensure_meeting(
        database,
        cast("ZoomClient", None),  # never used: the session has its meeting
        catalog=catalog,
        options=OPTIONS,
        series_id=series,
        number=number,
    )
    assert kept.created is False
    moved = await reschedule_meeting(
        database, None, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert moved is MeetingChange.MANUAL
    host = await fresh_host_url(database, None, series_id=series, number=number)
    assert host == "https://us02web.zoom.us/s/81234567890?zak=k"
    registration, _ = register(database, series, number, "Siti")
    link = await add_registrant(database, None, options=OPTIONS, registration_id=registration)
    assert link == JOIN
    assert await cancel_meeting(database, None, series_id=series, number=number) is (
        MeetingChange.MANUAL
    )


async def test_api_meeting_without_a_client_names_the_credentials(
    database: Database, catalog: Catalog, series: int, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    with pytest.raises(MissingCredentials) as missing:
        await fresh_host_url(database, None, series_id=series, number=number)
    assert missing.value.variables == ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")


async def test_host_link_is_fetched_fresh_and_kept(
    database: Database, catalog: Catalog, series: int, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    with pytest.raises(NoMeeting):
        await fresh_host_url(database, client, series_id=series, number=number)
    made = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    first = await fresh_host_url(database, client, series_id=series, number=number)
    second = await fresh_host_url(database, client, series_id=series, number=number)
    assert first is not None
    assert second is not None
    assert len({made.meeting.host_url, first, second}) == 3
    with database.read() as db:
        stored = get_session(db, series_id=series, number=number).meeting
    assert stored is not None
    assert stored.host_url == second


async def test_registrants_get_personal_links_once(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    options = replace(OPTIONS, registration=True)
    number = new_session(database, catalog, series)
    registration, participant = register(database, series, number, "Siti Aminah")
    assert (
        await add_registrant(database, client, options=options, registration_id=registration)
        is None
    )
    made = await ensure_meeting(
        database, client, catalog=catalog, options=options, series_id=series, number=number
    )
    assert made.meeting.uses_registration is True
    link = await add_registrant(database, client, options=options, registration_id=registration)
    again = await add_registrant(database, client, options=options, registration_id=registration)
    assert link == again
    assert link is not None
    assert link != made.meeting.join_url
    (registrant,) = zoom.registrants(made.meeting.meeting_id)
    assert registrant["email"] == f"peserta-{participant}@peserta.invalid"
    assert registrant["first_name"] == "Siti Aminah"
    row = registration_row(database, registration)
    assert (row.personal_join_url, row.zoom_registrant_id) == (link, registrant["registrant_id"])


async def test_without_registration_everyone_gets_the_meeting_link(
    database: Database, catalog: Catalog, series: int, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    registration, _ = register(database, series, number, "Siti")
    made = await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    link = await add_registrant(database, client, options=OPTIONS, registration_id=registration)
    assert link == made.meeting.join_url


def span(start: int, end: int) -> dict[str, str]:
    def at(minute: int) -> str:
        return (STARTS + dt.timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {"join_time": at(start), "leave_time": at(end)}


async def test_attendance_is_summed_matched_and_marked(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    options = replace(OPTIONS, registration=True)
    number = new_session(database, catalog, series)
    made = await ensure_meeting(
        database, client, catalog=catalog, options=options, series_id=series, number=number
    )
    with_link, _ = register(database, series, number, "Siti Aminah")
    await add_registrant(database, client, options=options, registration_id=with_link)
    by_name, _ = register(database, series, number, "Rina Wati")
    short, _ = register(database, series, number, "Dewi Lestari")
    absent, _ = register(database, series, number, "Ani")
    waiting, _ = register(database, series, number, "Tuti", status="waitlisted")
    by_admin, _ = register(
        database, series, number, "Yanti", attendance_source="admin", attendance_minutes=120,
        status="attended",
    )  # fmt: skip
    zoom.set_participants(
        made.meeting.meeting_id,
        [
            {"registrant_email": f"peserta-{_participant(database, with_link)}@peserta.invalid",
             **span(0, 60)},
            {"registrant_email": f"peserta-{_participant(database, with_link)}@peserta.invalid",
             **span(50, 95)},  # rejoined from a second device, overlapping
            {"name": "Ibu Rina Wati, S.Pd.", **span(-5, 100)},
            {"name": "dewi lestari", **span(0, 40)},
            {"name": "Pak Budi (Kelurahan Jati)", **span(10, 70)},
            {"name": "Moderator", **span(-15, 125)},
        ],
    )  # fmt: skip
    report = await import_attendance(
        database, client, catalog=catalog, options=options, series_id=series, number=number
    )
    assert (report.records, report.attended, report.no_show, report.kept) == (6, 2, 2, 1)
    assert report.matched == {MatchedBy.REGISTRANT: 1, MatchedBy.EMAIL: 0, MatchedBy.NAME: 2}
    assert [(a.name, a.minutes) for a in report.unmatched] == [
        ("Moderator", 140),
        ("Pak Budi (Kelurahan Jati)", 60),
    ]
    expected = {
        with_link: ("attended", 95),
        by_name: ("attended", 105),
        short: ("no_show", 40),
        absent: ("no_show", 0),
        waiting: ("waitlisted", None),
        by_admin: ("attended", 120),
    }
    for registration, (status, minutes) in expected.items():
        row = registration_row(database, registration)
        assert (row.status, row.attendance_minutes) == (status, minutes), registration
    assert registration_row(database, with_link).attendance_source == "zoom"
    assert registration_row(database, by_admin).attendance_source == "admin"

    again = await import_attendance(
        database, client, catalog=catalog, options=options, series_id=series, number=number
    )
    assert again.changed == 0
    assert (again.attended, again.no_show) == (2, 2)


async def test_attendance_threshold_comes_from_the_catalog(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    strict = replace(catalog, certificates=CertificatePolicy(attendance_threshold_percent=100))
    number = new_session(database, catalog, series)
    made = await ensure_meeting(
        database, client, catalog=strict, options=OPTIONS, series_id=series, number=number
    )
    registration, _ = register(database, series, number, "Rina Wati")
    zoom.set_participants(made.meeting.meeting_id, [{"name": "Rina Wati", **span(0, 110)}])
    report = await import_attendance(
        database, client, catalog=strict, options=OPTIONS, series_id=series, number=number
    )
    assert (report.attended, report.no_show) == (0, 1)
    assert registration_row(database, registration).status == "no_show"


async def test_attendance_of_a_hand_entered_meeting(
    database: Database, catalog: Catalog, series: int, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    set_manual_meeting(
        database, series_id=series, number=number, meeting_id="81234567890", passcode=None,
        join_url=JOIN,
    )  # fmt: skip
    registration, _ = register(database, series, number, "Rina Wati")
    zoom.set_participants("81234567890", [{"name": "Rina Wati", **span(0, 120)}])
    report = await import_attendance(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    assert report.attended == 1
    assert registration_row(database, registration).status == "attended"


async def test_attendance_needs_a_meeting_that_took_place(
    database: Database, catalog: Catalog, series: int, client: ZoomClient
) -> None:
    number = new_session(database, catalog, series)
    with pytest.raises(NoMeeting):
        await import_attendance(
            database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    await ensure_meeting(
        database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
    )
    with pytest.raises(ZoomNotFound) as not_yet:
        await import_attendance(
            database, client, catalog=catalog, options=OPTIONS, series_id=series, number=number
        )
    assert not_yet.value.code == 3001


def _participant(database: Database, registration_id: int) -> int:
    return registration_row(database, registration_id).participant_id
