import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gedsi_bot.domain.meetings import (
    AGENDA_MAX,
    TOPIC_MAX,
    MeetingOptions,
    MeetingProblem,
    Recording,
    check_manual_meeting,
    is_valid_passcode,
    meeting_agenda,
    meeting_id_digits,
    meeting_topic,
    passcode_from,
    plan_meeting,
    request_marker,
)
from gedsi_bot.services.meetings import new_passcode

JAKARTA = ZoneInfo("Asia/Jakarta")
JOIN = "https://us02web.zoom.us/j/81234567890?pwd=AbC123"


def test_topic_names_series_number_and_theme() -> None:
    topic = meeting_topic(series_name="Caring Gedsi", number=7, theme_title="Kesehatan Mental")
    assert topic == "Caring Gedsi #7 — Kesehatan Mental"


def test_topic_is_shortened_to_zoom_limit() -> None:
    topic = meeting_topic(series_name="Caring Gedsi", number=7, theme_title="x" * 400)
    assert len(topic) == TOPIC_MAX
    assert topic.endswith("…")


def test_agenda_ends_with_marker_and_fits_zoom_limit() -> None:
    agenda = meeting_agenda(
        tagline="Bincang Ringan", summary="y" * 5000, organiser="Dinsos PPPA", request_key="k-1"
    )
    assert len(agenda) <= AGENDA_MAX
    assert agenda.endswith(request_marker("k-1"))


def test_plan_uses_series_local_time_and_options() -> None:
    options = MeetingOptions(
        recording=Recording.CLOUD, alternative_hosts=("a@dinsos.go.id",), registration=True
    )
    plan = plan_meeting(
        series_name="Caring Gedsi",
        tagline="Bincang",
        organiser="Dinsos",
        timezone="Asia/Jakarta",
        number=3,
        theme_title="Tema",
        theme_summary="Ringkas",
        starts_at=dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC),
        duration_minutes=120,
        request_key="k",
        passcode="Ab3cdefg",
        options=options,
    )
    assert plan.local_start == "2026-11-26T09:00:00"
    assert plan.timezone == "Asia/Jakarta"
    assert plan.starts_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA)
    assert (plan.waiting_room, plan.join_before_host, plan.mute_upon_entry) == (True, False, True)
    assert plan.recording is Recording.CLOUD
    assert plan.alternative_hosts == ("a@dinsos.go.id",)
    assert plan.registration is True


def test_plan_refuses_naive_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_meeting(
            series_name="S",
            tagline="T",
            organiser="O",
            timezone="Asia/Jakarta",
            number=1,
            theme_title="x",
            theme_summary="y",
            starts_at=dt.datetime(2026, 11, 26, 9, 0),  # noqa: DTZ001
            duration_minutes=90,
            request_key="k",
            passcode=None,
            options=MeetingOptions(),
        )


def test_generated_passcodes_follow_zoom_rules_and_mix_characters() -> None:
    codes = {new_passcode() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert is_valid_passcode(code)
        assert len(code) == 8
        assert any(c.islower() for c in code)
        assert any(c.isupper() for c in code)
        assert any(c.isdigit() for c in code)
        assert not set(code) & set("0O1lI")


def test_passcode_from_needs_eight_positions() -> None:
    with pytest.raises(ValueError, match="8"):
        passcode_from([1, 2, 3])


@pytest.mark.parametrize(
    ("passcode", "valid"),
    [
        ("abc123", True),
        ("a@b-c_d*9", True),
        ("1234567890", True),
        ("12345678901", False),
        ("pass word", False),
        ("kode!", False),
        ("", False),
    ],
)
def test_passcode_rules_match_zoom(passcode: str, valid: bool) -> None:
    assert is_valid_passcode(passcode) is valid


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("812 3456 7890", "81234567890"),
        ("812-3456-7890", "81234567890"),
        (" 812.345.678 ", "812345678"),
        ("8123456789", "8123456789"),
        ("81234567", None),
        ("812345678901", None),
        ("812 3456 789O", None),
        ("８１２３４５６７８９０", None),
    ],
)
def test_meeting_id_has_9_to_11_digits(typed: str, digits: str | None) -> None:
    assert meeting_id_digits(typed) == digits


def test_manual_meeting_is_cleaned() -> None:
    checked = check_manual_meeting(
        meeting_id="812 3456 7890", passcode=" abc123 ", join_url=f" {JOIN} "
    )
    assert checked.problem is None
    assert (checked.meeting_id, checked.passcode, checked.join_url) == (
        "81234567890",
        "abc123",
        JOIN,
    )


@pytest.mark.parametrize(
    ("meeting_id", "passcode", "join_url", "host_url", "problem"),
    [
        ("8123", "abc", JOIN, None, MeetingProblem.MEETING_ID),
        ("81234567890", "terlalu-panjang", JOIN, None, MeetingProblem.PASSCODE),
        ("81234567890", "abc", "http://zoom.us/j/81234567890", None, MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://zoom.us.evil.id/j/81234567890", None,
         MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://evilzoom.us/j/81234567890", None, MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://a@zoom.us/j/81234567890", None, MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://zoom.us:8443/j/81234567890", None,
         MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://zoom.us/meeting/81234567890", None,
         MeetingProblem.JOIN_URL),
        ("81234567890", "abc", "https://zoom.us/j/81234567891", None,
         MeetingProblem.JOIN_URL_OTHER_MEETING),
        ("81234567890", "abc", JOIN, "https://zoom.us/j/81234567890", MeetingProblem.HOST_URL),
    ],
)  # fmt: skip
def test_manual_meeting_problems_are_named(
    meeting_id: str, passcode: str, join_url: str, host_url: str | None, problem: MeetingProblem
) -> None:
    checked = check_manual_meeting(
        meeting_id=meeting_id, passcode=passcode, join_url=join_url, host_url=host_url
    )
    assert checked.problem is problem


@pytest.mark.parametrize(
    "join_url",
    [
        "https://zoom.us/j/81234567890",
        "https://us06web.zoom.us/w/81234567890?tk=abc",
        "https://us02web.zoom.us/wc/join/81234567890",
        "https://diskominfo.zoom.us/my/caring.gedsi",
    ],
)
def test_manual_meeting_accepts_zoom_join_link_forms(join_url: str) -> None:
    checked = check_manual_meeting(
        meeting_id="81234567890",
        passcode=None,
        join_url=join_url,
        host_url="https://us02web.zoom.us/s/81234567890?zak=x",
    )
    assert checked.problem is None
    assert checked.passcode is None


def test_sandbox_command_defaults_match_the_sandbox() -> None:
    from gedsi_bot.cli import sandbox_cmd
    from gedsi_bot.sandbox.zoom import SandboxConfig

    defaults = SandboxConfig()
    assert (
        defaults.account_id,
        defaults.client_id,
        defaults.client_secret,
    ) == (sandbox_cmd._ACCOUNT_ID, sandbox_cmd._CLIENT_ID, sandbox_cmd._CLIENT_SECRET)


@pytest.mark.parametrize("problem", list(MeetingProblem))
def test_every_meeting_problem_has_a_message(problem: MeetingProblem) -> None:
    from gedsi_bot.services.meetings import InvalidMeeting, describe_problem

    assert describe_problem(InvalidMeeting(problem), "id")
    assert describe_problem(InvalidMeeting(problem), "en")


def test_problem_messages_name_the_session_and_meeting() -> None:
    from gedsi_bot.domain.model import SessionStatus
    from gedsi_bot.services.meetings import HasApiMeeting, SessionClosed, describe_problem

    assert describe_problem(HasApiMeeting(7, "81234567890"), "id") == (
        "Sesi #7 sudah punya rapat Zoom buatan gedsi-bot (812 3456 7890). "
        "Hapus dulu dengan: gedsi-bot zoom delete 7"
    )
    assert describe_problem(SessionClosed(7, SessionStatus.CANCELLED), "id") == (
        "Sesi #7 berstatus batal; sesi ini tidak diberi rapat Zoom."
    )
    assert describe_problem(ValueError("x"), "id") is None
