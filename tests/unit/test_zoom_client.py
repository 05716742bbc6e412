"""Edge cases of the Zoom client that the sandbox does not produce, through httpx.MockTransport."""

import datetime as dt
import json

import httpx
import pytest

from gedsi_bot.zoom import RetryPolicy, ZoomClient, ZoomDailyLimit, ZoomError

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
TOKEN = {"access_token": "tok", "token_type": "bearer", "expires_in": 3599}


def client_for(answer: httpx.Response, sleeps: list[float]) -> ZoomClient:
    """A client whose API calls all get ``answer`` (the token endpoint works)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json=TOKEN)
        return answer

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return ZoomClient(
        account_id="a",
        client_id="c",
        client_secret="s",
        api_url="https://api.zoom.test/v2",
        oauth_url="https://zoom.test/oauth/token",
        transport=httpx.MockTransport(handle),
        retry=RetryPolicy(rate_limit_retries=1, jitter=0.5),
        clock=lambda: NOW,
        sleep=sleep,
        jitter=lambda: 0.5,
    )


async def test_an_answer_without_zoom_shape_is_a_zoom_error() -> None:
    async with client_for(httpx.Response(200, text="<html>maintenance</html>"), []) as client:
        with pytest.raises(ZoomError, match="unexpected body"):
            await client.get_meeting("81234567890")


async def test_daily_limit_is_recognised_by_its_message_alone() -> None:
    body = {
        "code": 429,
        "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
        "requests permitted for this particular user.",
    }
    sleeps: list[float] = []
    async with client_for(httpx.Response(429, json=body), sleeps) as client:
        with pytest.raises(ZoomDailyLimit) as used_up:
            await client.list_meetings()
    assert used_up.value.resets_at == dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert sleeps == []


async def test_rate_limit_without_retry_after_waits_a_second_with_jitter() -> None:
    sleeps: list[float] = []
    answer = httpx.Response(429, headers={"X-RateLimit-Type": "QPS"}, json={"code": 429})
    async with client_for(answer, sleeps) as client:
        with pytest.raises(ZoomError):
            await client.list_meetings()
    assert sleeps == [1.25]


async def test_registrant_request_carries_what_zoom_needs() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            assert request.url.params["grant_type"] == "account_credentials"
            assert request.headers["Authorization"].startswith("Basic ")
            return httpx.Response(200, json=TOKEN)
        seen.append(request)
        return httpx.Response(201, json={"registrant_id": "r", "join_url": "https://zoom.us/w/1"})

    client = ZoomClient(
        account_id="a",
        client_id="c",
        client_secret="s",
        transport=httpx.MockTransport(handle),
    )
    async with client:
        await client.add_registrant("81234567890", first_name="Siti", last_name="", email="p@x.id")
    (request,) = seen
    assert str(request.url) == "https://api.zoom.us/v2/meetings/81234567890/registrants"
    assert request.headers["Authorization"] == "Bearer tok"
    assert json.loads(request.content) == {"first_name": "Siti", "email": "p@x.id"}
