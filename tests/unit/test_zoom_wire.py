import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gedsi_bot.domain.attendance import AttendanceRecord
from gedsi_bot.domain.meetings import MeetingPlan, Recording, RegistrantLink, ZoomMeeting
from gedsi_bot.domain.model import MeetingSource
from gedsi_bot.zoom.errors import ZoomDailyLimit, ZoomError, ZoomRateLimited, describe
from gedsi_bot.zoom.wire import (
    ErrorBody,
    WireError,
    daily_limit_reset,
    meeting_body,
    meeting_schedule,
    parse_error,
    parse_meeting,
    parse_meeting_page,
    parse_participant,
    parse_participant_page,
    parse_registrant,
    parse_retry_after,
    parse_token,
    registrant_body,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)
PLAN = MeetingPlan(
    topic="Caring Gedsi #7 — Tema",
    starts_at=dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA),
    timezone="Asia/Jakarta",
    duration_minutes=120,
    agenda="Bincang\n\nref: k",
    passcode="Ab3defgh",
    recording=Recording.CLOUD,
    alternative_hosts=("a@dinsos.go.id", "b@dinsos.go.id"),
)
ZOOM_MEETING = {
    "uuid": "aDYlohsHRtCd4ii1uC2+hA==",
    "id": 81234567890,
    "host_id": "z8yCxjabcdEFGHfp8uQ",
    "topic": "Caring Gedsi #7 — Tema",
    "type": 2,
    "start_time": "2026-11-26T02:00:00Z",
    "duration": 120,
    "timezone": "Asia/Jakarta",
    "agenda": "Bincang\n\nref: k",
    "start_url": "https://us06web.zoom.us/s/81234567890?zak=eyJ0eXAi",
    "join_url": "https://us06web.zoom.us/j/81234567890?pwd=xyz",
    "password": "Ab3defgh",
    "settings": {"approval_type": 2, "waiting_room": True},
}


def test_create_body_carries_local_time_zone_passcode_and_settings() -> None:
    body = meeting_body(PLAN)
    assert body["type"] == 2
    assert (body["start_time"], body["timezone"], body["duration"]) == (
        "2026-11-26T09:00:00",
        "Asia/Jakarta",
        120,
    )
    assert body["password"] == "Ab3defgh"
    settings = body["settings"]
    assert settings["waiting_room"] is True
    assert settings["join_before_host"] is False
    assert settings["mute_upon_entry"] is True
    assert settings["auto_recording"] == "cloud"
    assert settings["alternative_hosts"] == "a@dinsos.go.id;b@dinsos.go.id"
    assert settings["approval_type"] == 2


def test_create_body_turns_registration_on_when_asked() -> None:
    from dataclasses import replace

    body = meeting_body(replace(PLAN, registration=True, passcode=None))
    assert body["settings"]["approval_type"] == 0
    assert "password" not in body


def test_update_body_moves_time_and_topic_only() -> None:
    assert meeting_schedule(PLAN) == {
        "topic": "Caring Gedsi #7 — Tema",
        "start_time": "2026-11-26T09:00:00",
        "timezone": "Asia/Jakarta",
        "duration": 120,
    }


def test_registrant_body_respects_zoom_name_length() -> None:
    body = registrant_body(first_name="x" * 80, last_name="", email="p-1@peserta.invalid")
    assert body == {"first_name": "x" * 64, "email": "p-1@peserta.invalid"}


def test_meeting_is_parsed_into_domain_values() -> None:
    meeting = parse_meeting(ZOOM_MEETING)
    assert meeting == ZoomMeeting(
        meeting_id="81234567890",
        topic="Caring Gedsi #7 — Tema",
        join_url="https://us06web.zoom.us/j/81234567890?pwd=xyz",
        starts_at=dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC),
        duration_minutes=120,
        timezone="Asia/Jakarta",
        agenda="Bincang\n\nref: k",
        passcode="Ab3defgh",
        start_url="https://us06web.zoom.us/s/81234567890?zak=eyJ0eXAi",
        uses_registration=False,
    )
    assert meeting.as_meeting().source is MeetingSource.API
    assert meeting.differs_from(PLAN) is False


def test_meeting_with_registration_is_recognised() -> None:
    body = {**ZOOM_MEETING, "settings": {"approval_type": 0}}
    assert parse_meeting(body).uses_registration is True


@pytest.mark.parametrize(
    "body", [{}, {"id": 1}, {"join_url": "x"}, [], {"id": True, "join_url": "x"}]
)
def test_meeting_without_id_or_join_url_is_a_wire_error(body: object) -> None:
    with pytest.raises(WireError):
        parse_meeting(body)


def test_empty_next_page_token_ends_paging() -> None:
    page = parse_meeting_page({"next_page_token": "", "meetings": [ZOOM_MEETING]})
    assert page.next_page_token is None
    assert [m.meeting_id for m in page.items] == ["81234567890"]
    assert parse_meeting_page({"next_page_token": "t2", "meetings": []}).next_page_token == "t2"


def test_registrant_link_is_parsed() -> None:
    body = {"id": 81234567890, "registrant_id": "r1", "join_url": "https://zoom.us/w/8?tk=t"}
    assert parse_registrant(body) == RegistrantLink("r1", "https://zoom.us/w/8?tk=t")


def test_participant_record_is_parsed() -> None:
    page = parse_participant_page(
        {
            "next_page_token": "n",
            "participants": [
                {
                    "id": "x",
                    "name": " Siti ",
                    "user_email": "",
                    "registrant_id": "r1",
                    "join_time": "2026-11-26T02:00:00Z",
                    "leave_time": "2026-11-26T03:30:00Z",
                    "duration": 5400,
                }
            ],
        }
    )
    assert page.items == (
        AttendanceRecord(
            name="Siti",
            joined_at=dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC),
            left_at=dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC),
            email=None,
            registrant_id="r1",
        ),
    )
    assert page.next_page_token == "n"


def test_participant_without_leave_time_lasts_its_duration() -> None:
    parsed = parse_participant({"name": "A", "join_time": "2026-11-26T02:00:00Z", "duration": 600})
    assert parsed.left_at - parsed.joined_at == dt.timedelta(minutes=10)


def test_token_grant_hides_the_token_in_repr() -> None:
    grant = parse_token({"access_token": "eyJsecret", "expires_in": 3599})
    assert grant.expires_in == 3599
    assert "eyJsecret" not in repr(grant)
    with pytest.raises(WireError):
        parse_token({"access_token": "x", "expires_in": -1})


def test_errors_in_both_zoom_shapes() -> None:
    assert parse_error(
        {
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{"field": "password", "message": "too long"}],
        }
    ) == ErrorBody(300, "Validation Failed.", ("password: too long",))
    assert parse_error(
        {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    ) == (ErrorBody(None, "invalid_client: Invalid client_id or client_secret"))
    assert parse_error("<html>") == ErrorBody(None, "")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("2026-11-23T15:30:10Z", 10.0),
        ("Mon, 23 Nov 2026 15:30:20 GMT", 20.0),
        ("2026-11-23T15:00:00Z", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_forms(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_daily_limit_resets_when_zoom_says_or_at_utc_midnight() -> None:
    assert daily_limit_reset("2026-11-24T00:00:00Z", now=NOW) == dt.datetime(
        2026, 11, 24, tzinfo=dt.UTC
    )
    assert daily_limit_reset(None, now=NOW) == dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


def test_daily_limit_message_gives_local_time_of_the_reset() -> None:
    error = ZoomDailyLimit("x", resets_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
    assert describe(error, "id", zone=JAKARTA) == (
        "kuota harian Zoom habis; coba lagi setelah pukul 07.00 WIB"
    )
    assert describe(error, "id", zone=ZoneInfo("Asia/Makassar")).endswith("pukul 08.00 WITA")
    assert describe(error, "en", zone=JAKARTA) == (
        "Zoom's daily quota is used up; try again after 07.00 WIB"
    )


def test_other_errors_are_described_with_zoom_code() -> None:
    error = ZoomError("x", status=400, code=300, zoom_message="Validation Failed.")
    assert describe(error, "id", zone=JAKARTA) == (
        "Zoom menolak permintaan (kode 300): Validation Failed."
    )
    limited = ZoomRateLimited("x", status=429, code=429)
    assert "membatasi" in describe(limited, "id", zone=JAKARTA)
