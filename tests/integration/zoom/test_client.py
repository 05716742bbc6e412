"""The Zoom client against the sandbox over real HTTP: calls, tokens, limits, faults, logs."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import httpx
import pytest

from gedsi_bot.domain.meetings import MeetingPlan, Recording
from gedsi_bot.sandbox.zoom import SandboxConfig, ZoomSandbox
from gedsi_bot.zoom import (
    RetryPolicy,
    ZoomAuthFailed,
    ZoomClient,
    ZoomDailyLimit,
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomUnavailable,
    describe,
)
from tests.integration.zoom.conftest import make_client

JAKARTA = ZoneInfo("Asia/Jakarta")
PLAN = MeetingPlan(
    topic="Caring Gedsi #7 — Kesehatan Mental Remaja",
    starts_at=dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA),
    timezone="Asia/Jakarta",
    duration_minutes=120,
    agenda="Bincang ringan\n\nref: gedsi-1-7-abc",
    passcode="Ab3defgh",
    recording=Recording.CLOUD,
    alternative_hosts=("cohost@dinsos.go.id",),
)


class Sleeps:
    """Records the pauses the client asks for instead of taking them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def paths(zoom: ZoomSandbox) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in zoom.requests()]


async def test_create_get_update_delete(zoom: ZoomSandbox, client: ZoomClient) -> None:
    created = await client.create_meeting(PLAN)
    assert created.topic == PLAN.topic
    assert created.starts_at == dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    assert created.passcode == "Ab3defgh"
    stored = zoom.meeting(created.meeting_id)
    assert stored is not None
    settings = stored["settings"]
    assert (
        settings["waiting_room"],
        settings["join_before_host"],
        settings["mute_upon_entry"],
    ) == (
        True,
        False,
        True,
    )
    assert settings["auto_recording"] == "cloud"
    assert settings["alternative_hosts"] == "cohost@dinsos.go.id"

    moved = PLAN.__class__(
        **{**_fields(PLAN), "starts_at": PLAN.starts_at + dt.timedelta(days=14)}
    )
    await client.update_meeting(created.meeting_id, moved)
    fetched = await client.get_meeting(created.meeting_id)
    assert fetched.starts_at == dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)
    assert fetched.start_url is not None
    assert fetched.start_url != created.start_url

    await client.delete_meeting(created.meeting_id)
    with pytest.raises(ZoomNotFound) as gone:
        await client.get_meeting(created.meeting_id)
    assert (gone.value.status, gone.value.code) == (404, 3001)


def _fields(plan: MeetingPlan) -> dict[str, object]:
    return {name: getattr(plan, name) for name in plan.__dataclass_fields__}


async def test_invalid_meeting_is_a_zoom_error_with_code(client: ZoomClient) -> None:
    bad = PLAN.__class__(**{**_fields(PLAN), "passcode": "terlalu-panjang"})
    with pytest.raises(ZoomError) as refused:
        await client.create_meeting(bad)
    assert (refused.value.status, refused.value.code) == (400, 300)
    assert refused.value.field_errors[0].startswith("password:")


async def test_list_reads_every_page(zoom: ZoomSandbox) -> None:
    async with make_client(zoom, page_size=2) as client:
        made = [(await client.create_meeting(PLAN)).meeting_id for _ in range(5)]
        listed = await client.list_meetings()
    assert sorted(m.meeting_id for m in listed) == sorted(made)
    assert all(m.agenda == PLAN.agenda for m in listed)
    pages = [p for p in paths(zoom) if p[0] == "GET"]
    assert len(pages) == 3


async def test_registrant_gets_a_personal_link(zoom: ZoomSandbox, client: ZoomClient) -> None:
    meeting = await client.create_meeting(
        PLAN.__class__(**{**_fields(PLAN), "registration": True})
    )
    assert meeting.uses_registration is True
    link = await client.add_registrant(
        meeting.meeting_id,
        first_name="Siti Aminah",
        last_name="",
        email="peserta-1@peserta.invalid",
    )
    again = await client.add_registrant(
        meeting.meeting_id,
        first_name="Siti Aminah",
        last_name="",
        email="peserta-1@peserta.invalid",
    )
    assert link == again
    assert link.join_url.startswith(f"https://zoom.us/w/{meeting.meeting_id}?tk=")
    assert zoom.registrants(meeting.meeting_id)[0]["first_name"] == "Siti Aminah"


async def test_past_participants_all_pages(zoom: ZoomSandbox) -> None:
    zoom.set_participants(
        "81234567890",
        [
            {
                "name": f"Peserta {i}",
                "join_time": "2026-11-26T02:00:00Z",
                "leave_time": f"2026-11-26T02:{10 + i:02d}:00Z",
            }
            for i in range(5)
        ],
    )
    async with make_client(zoom, page_size=2) as client:
        records = await client.past_participants("81234567890")
    assert [r.name for r in records] == [f"Peserta {i}" for i in range(5)]
    assert records[4].left_at - records[4].joined_at == dt.timedelta(minutes=14)


async def test_token_is_cached_between_calls(zoom: ZoomSandbox, client: ZoomClient) -> None:
    created = await client.create_meeting(PLAN)
    await client.get_meeting(created.meeting_id)
    await client.get_meeting(created.meeting_id)
    assert [p for p in paths(zoom) if p[1] == "/oauth/token"] == [("POST", "/oauth/token", 200)]


async def test_expired_token_is_fetched_again_once(zoom: ZoomSandbox, client: ZoomClient) -> None:
    created = await client.create_meeting(PLAN)
    zoom.expire_tokens()
    fetched = await client.get_meeting(created.meeting_id)
    assert fetched.meeting_id == created.meeting_id
    assert paths(zoom)[-3:] == [
        ("GET", f"/v2/meetings/{created.meeting_id}", 401),
        ("POST", "/oauth/token", 200),
        ("GET", f"/v2/meetings/{created.meeting_id}", 200),
    ]


async def test_token_is_renewed_shortly_before_it_expires(zoom: ZoomSandbox) -> None:
    now = [1000.0]
    async with make_client(zoom, monotonic=lambda: now[0]) as client:
        created = await client.create_meeting(PLAN)
        now[0] += 3600 - 61  # still valid for a minute: kept
        await client.get_meeting(created.meeting_id)
        now[0] += 2  # within the last minute: renewed before Zoom would refuse it
        await client.get_meeting(created.meeting_id)
    statuses = paths(zoom)
    assert [p for p in statuses if p[1] == "/oauth/token"] == [("POST", "/oauth/token", 200)] * 2
    assert all(status != 401 for _, _, status in statuses)


async def test_token_refused_twice_is_an_error_not_a_loop(zoom: ZoomSandbox) -> None:
    zoom.add_fault("error", method="GET", status=401, times=None)  # a revoked app
    async with make_client(zoom) as client:
        with pytest.raises(ZoomError) as refused:
            await client.list_meetings()
    assert (refused.value.status, refused.value.code) == (401, 124)
    assert [s for _, _, s in paths(zoom)] == [200, 401, 200, 401]


async def test_wrong_credentials_name_the_variables(zoom: ZoomSandbox) -> None:
    async with make_client(zoom, client_secret="tebakan") as client:
        with pytest.raises(ZoomAuthFailed) as refused:
            await client.list_meetings()
    message = describe(refused.value, "id", zone=JAKARTA)
    assert "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID dan ZOOM_CLIENT_SECRET" in message
    assert "invalid_client" in message
    assert paths(zoom) == [("POST", "/oauth/token", 401)]


async def test_rate_limit_waits_as_retry_after_says_with_jitter(zoom: ZoomSandbox) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(jitter=0.5, rate_limit_retries=3)
    async with make_client(zoom, sleep=sleeps, retry=retry, jitter=lambda: 0.4) as client:
        zoom.add_fault("rate_limit_qps", method="GET", retry_after=2, times=2)
        assert await client.list_meetings() == []
    assert sleeps.taken == [2.2, 2.2]
    assert [s for _, _, s in paths(zoom)] == [200, 429, 429, 200]


async def test_rate_limit_retries_are_bounded(zoom: ZoomSandbox) -> None:
    sleeps = Sleeps()
    async with make_client(zoom, sleep=sleeps) as client:
        zoom.add_fault("rate_limit_qps", method="GET", times=None)
        with pytest.raises(ZoomRateLimited):
            await client.list_meetings()
    assert len(sleeps.taken) == 2  # rate_limit_retries of the test policy
    assert describe(ZoomRateLimited("x"), "id", zone=JAKARTA).startswith("Zoom sedang membatasi")


async def test_retry_after_beyond_the_bound_is_not_waited(zoom: ZoomSandbox) -> None:
    sleeps = Sleeps()
    async with make_client(zoom, sleep=sleeps) as client:
        zoom.add_fault("rate_limit_qps", retry_after=600)
        with pytest.raises(ZoomRateLimited):
            await client.list_meetings()
    assert sleeps.taken == []


async def test_daily_limit_stops_at_once_with_the_local_reset_time(zoom: ZoomSandbox) -> None:
    zoom.reset(SandboxConfig(daily_limit=1))
    sleeps = Sleeps()
    async with make_client(zoom, sleep=sleeps) as client:
        await client.create_meeting(PLAN)
        with pytest.raises(ZoomDailyLimit) as used_up:
            await client.create_meeting(PLAN)
    today = dt.datetime.now(dt.UTC).date()
    assert used_up.value.resets_at == dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
    )
    assert describe(used_up.value, "id", zone=JAKARTA) == (
        "kuota harian Zoom habis; coba lagi setelah pukul 07.00 WIB"
    )
    assert sleeps.taken == []
    assert [p for p in paths(zoom) if p[0] == "POST" and "meetings" in p[1]] == [
        ("POST", "/v2/users/me/meetings", 201),
        ("POST", "/v2/users/me/meetings", 429),
    ]


async def test_server_errors_are_retried_a_bounded_number_of_times(
    zoom: ZoomSandbox, client: ZoomClient
) -> None:
    zoom.add_fault("error", method="GET", status=500, times=2)
    assert await client.list_meetings() == []
    zoom.add_fault("error", method="GET", status=503, times=3)
    with pytest.raises(ZoomUnavailable) as failing:
        await client.list_meetings()
    assert failing.value.status == 503
    assert [s for m, _, s in paths(zoom) if m == "GET"] == [500, 500, 200, 503, 503, 503]


async def test_create_is_not_repeated_after_a_server_error(
    zoom: ZoomSandbox, client: ZoomClient
) -> None:
    zoom.add_fault("error", method="POST", path="/meetings$", status=500)
    with pytest.raises(ZoomUnavailable):
        await client.create_meeting(PLAN)
    assert [p for p in paths(zoom) if p[0] == "POST" and "meetings" in p[1]] == [
        ("POST", "/v2/users/me/meetings", 500)
    ]


async def test_timeouts_and_dropped_connections_are_retried(zoom: ZoomSandbox) -> None:
    async with make_client(zoom, timeout=httpx.Timeout(0.2)) as client:
        await client.list_meetings()  # fetch the token first
        zoom.add_fault("slow", method="GET", delay=1.0)
        zoom.add_fault("drop", method="GET")
        assert await client.list_meetings() == []
        zoom.add_fault("slow", method="GET", delay=1.0, times=3)
        with pytest.raises(ZoomUnavailable, match="ReadTimeout after 3 tries"):
            await client.list_meetings()


async def test_create_is_not_repeated_after_a_timeout(zoom: ZoomSandbox) -> None:
    async with make_client(zoom, timeout=httpx.Timeout(0.2)) as client:
        zoom.add_fault("slow", method="POST", path="/meetings$", delay=1.0)
        with pytest.raises(ZoomUnavailable, match="answer unknown"):
            await client.create_meeting(PLAN)
    assert len(zoom.meetings()) == 1  # Zoom made it; only the answer was lost


async def test_unreachable_zoom_is_unavailable() -> None:
    client = ZoomClient(
        account_id="a",
        client_id="c",
        client_secret="s",
        api_url="http://127.0.0.1:9/v2",
        oauth_url="http://127.0.0.1:9/oauth/token",
        retry=RetryPolicy(backoff=0.001, jitter=0.0),
    )
    async with client:
        with pytest.raises(ZoomUnavailable, match="ConnectError after 3 tries"):
            await client.list_meetings()


async def test_secrets_and_tokens_never_reach_the_logs(
    zoom: ZoomSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with make_client(zoom) as client:
        created = await client.create_meeting(
            PLAN.__class__(**{**_fields(PLAN), "registration": True})
        )
        zoom.expire_tokens()
        fetched = await client.get_meeting(created.meeting_id)
        link = await client.add_registrant(
            created.meeting_id, first_name="Siti Aminah", last_name="", email="p-1@peserta.invalid"
        )
        zoom.add_fault("error", method="GET", status=500)
        await client.get_meeting(created.meeting_id)
    logged = caplog.text
    assert "zoom GET" in logged  # the client does log its calls
    secrets = [
        zoom.config.client_secret,
        *zoom.state.issued_tokens(),
        fetched.start_url or "?",
        created.start_url or "?",
        link.join_url,
        "Ab3defgh",
        "Siti Aminah",
    ]
    for secret in secrets:
        assert secret not in logged
    assert "sandbox-client:sandbox-secret" not in logged
    assert zoom.config.client_secret not in repr(client)
