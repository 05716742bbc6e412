"""The Zoom sandbox over real HTTP, as any Zoom client sees it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gedsi_bot.sandbox.zoom import (
    SandboxConfig,
    SandboxControlError,
    ZoomSandbox,
    ZoomSandboxControl,
)

MEETING = {
    "topic": "Caring Gedsi #1 — Tema",
    "type": 2,
    "start_time": "2026-11-26T09:00:00",
    "timezone": "Asia/Jakarta",
    "duration": 120,
    "password": "Ab3defgh",
    "agenda": "ref: k1",
    "settings": {"waiting_room": True, "join_before_host": False, "mute_upon_entry": True},
}


class Api:
    """Raw calls with a token, the way any HTTP client would make them."""

    def __init__(self, zoom: ZoomSandbox) -> None:
        self.zoom = zoom
        self.http = httpx.Client(base_url=zoom.url, timeout=5.0)
        self.token = self.fetch_token().json()["access_token"]

    def fetch_token(
        self, *, secret: str | None = None, account: str | None = None, grant: str | None = None
    ) -> httpx.Response:
        config = self.zoom.config
        return self.http.post(
            "/oauth/token",
            params={
                "grant_type": grant or "account_credentials",
                "account_id": account or config.account_id,
            },
            auth=(config.client_id, secret or config.client_secret),
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.http.request(method, f"/v2{path}", headers=headers, **kwargs)

    def create(self, **changes: Any) -> httpx.Response:
        return self.call("POST", "/users/me/meetings", json={**MEETING, **changes})


@pytest.fixture
def api(zoom: ZoomSandbox) -> Iterator[Api]:
    with Api(zoom) as made:
        yield made


def test_token_for_right_credentials_says_how_long_it_lives(api: Api) -> None:
    response = api.fetch_token()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"] in api.zoom.state.issued_tokens()


def test_wrong_credentials_are_refused_like_zoom(api: Api) -> None:
    wrong_secret = api.fetch_token(secret="guess")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }
    wrong_account = api.fetch_token(account="someone-else")
    assert wrong_account.status_code == 400
    assert wrong_account.json()["error"] == "invalid_request"
    wrong_grant = api.fetch_token(grant="client_credentials")
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_missing_or_expired_token_gets_code_124(api: Api) -> None:
    anonymous = api.http.get("/v2/users/me/meetings")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"code": 124, "message": "Invalid access token."}
    api.zoom.expire_tokens()
    expired = api.call("GET", "/users/me/meetings")
    assert expired.status_code == 401
    assert expired.json() == {"code": 124, "message": "Access token is expired."}


def test_short_token_lifetime_expires_tokens(zoom: ZoomSandbox) -> None:
    zoom.reset(SandboxConfig(token_lifetime=1))
    with Api(zoom) as api:
        assert api.call("GET", "/users/me/meetings").status_code == 200
        time.sleep(1.05)
        assert api.call("GET", "/users/me/meetings").status_code == 401


def test_created_meeting_has_zoom_shape(api: Api) -> None:
    response = api.create()
    assert response.status_code == 201
    body = response.json()
    assert len(str(body["id"])) == 11
    assert body["start_time"] == "2026-11-26T02:00:00Z"  # 09.00 WIB in UTC
    assert body["timezone"] == "Asia/Jakarta"
    assert body["password"] == "Ab3defgh"
    assert body["join_url"].startswith(f"https://zoom.us/j/{body['id']}?pwd=")
    assert body["start_url"].startswith(f"https://zoom.us/s/{body['id']}?zak=")
    assert body["settings"]["waiting_room"] is True
    assert response.headers["X-RateLimit-Remaining"] == "99"


def test_invalid_fields_are_all_reported_with_code_300(api: Api) -> None:
    response = api.create(
        password="kata sandi panjang",
        start_time="26-11-2026 09:00",
        timezone="Asia/Probolinggo",
        duration=-5,
        type=4,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 300
    assert body["message"] == "Validation Failed."
    fields = sorted(error["field"] for error in body["errors"])
    assert fields == ["duration", "password", "start_time", "timezone", "type"]


@pytest.mark.parametrize("password", ["abcdefghijk", "pass word", "kode!"])
def test_password_rules(api: Api, password: str) -> None:
    response = api.create(password=password)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "password"


def test_not_json_is_refused(api: Api) -> None:
    response = api.call("POST", "/users/me/meetings", content=b"not json")
    assert response.status_code == 400
    assert response.json()["code"] == 300


def test_unknown_user_and_meeting(api: Api) -> None:
    user = api.call("POST", "/users/nobody@example.org/meetings", json=MEETING)
    assert (user.status_code, user.json()["code"]) == (404, 1001)
    meeting = api.call("GET", "/meetings/81234567890")
    assert meeting.json() == {"code": 3001, "message": "Meeting does not exist: 81234567890."}


def test_get_update_delete(api: Api) -> None:
    meeting_id = api.create().json()["id"]
    first = api.call("GET", f"/meetings/{meeting_id}").json()["start_url"]
    second = api.call("GET", f"/meetings/{meeting_id}").json()["start_url"]
    assert first != second  # a fresh host link every time
    moved = api.call(
        "PATCH", f"/meetings/{meeting_id}", json={"start_time": "2026-12-10T13:30:00"}
    )
    assert (moved.status_code, moved.content) == (204, b"")
    after = api.call("GET", f"/meetings/{meeting_id}").json()
    assert (after["start_time"], after["duration"]) == ("2026-12-10T06:30:00Z", 120)
    assert api.call("DELETE", f"/meetings/{meeting_id}").status_code == 204
    assert api.call("GET", f"/meetings/{meeting_id}").status_code == 404
    assert api.call("DELETE", f"/meetings/{meeting_id}").status_code == 404
    assert api.zoom.meetings() == []
    assert api.zoom.meetings(include_deleted=True)[0]["deleted"] is True


def test_list_is_paginated_with_next_page_token(api: Api) -> None:
    created = [
        api.create(start_time=f"2026-12-0{day}T09:00:00").json()["id"] for day in range(1, 6)
    ]
    seen: list[int] = []
    pages = 0
    token = ""
    while True:
        params = {"page_size": "2", **({"next_page_token": token} if token else {})}
        body = api.call("GET", "/users/me/meetings", params=params).json()
        pages += 1
        assert body["total_records"] == 5
        seen.extend(item["id"] for item in body["meetings"])
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 3
    assert seen == created
    stale = api.call("GET", "/users/me/meetings", params={"next_page_token": "made-up"})
    assert (stale.status_code, stale.json()["code"]) == (400, 300)


def test_daily_limit_counts_creates_and_updates_per_user(zoom: ZoomSandbox) -> None:
    zoom.reset(SandboxConfig(daily_limit=2))
    with Api(zoom) as api:
        _daily_limit_checks(api)


def _daily_limit_checks(api: Api) -> None:
    meeting_id = api.create().json()["id"]
    assert api.call("PATCH", f"/meetings/{meeting_id}", json={"duration": 90}).status_code == 204
    refused = api.create()
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"].endswith("T00:00:00Z")
    assert "daily rate limit (2)" in refused.json()["message"]
    assert api.call("GET", f"/meetings/{meeting_id}").status_code == 200  # reading still works


def test_per_second_limit_per_category(zoom: ZoomSandbox) -> None:
    zoom.reset(SandboxConfig(qps={"Light": 2, "Medium": 20, "Heavy": 10}))
    with Api(zoom) as api:
        meeting_id = api.create().json()["id"]
        answers = [api.call("GET", f"/meetings/{meeting_id}") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    limited = answers[2]
    assert limited.headers["X-RateLimit-Category"] == "Light"
    assert limited.headers["X-RateLimit-Type"] == "QPS"
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["code"] == 429


def test_scripted_faults(api: Api) -> None:
    meeting_id = api.create().json()["id"]
    path = f"/meetings/{meeting_id}"
    api.zoom.add_fault("error", path="/meetings/", status=503, times=2)
    assert [api.call("GET", path).status_code for _ in range(3)] == [503, 503, 200]
    api.zoom.add_fault("rate_limit_qps", method="GET", retry_after=7)
    qps = api.call("GET", path)
    assert (qps.status_code, qps.headers["Retry-After"]) == (429, "7")
    api.zoom.add_fault("rate_limit_daily", method="PATCH")
    assert api.call("GET", path).status_code == 200  # the PATCH fault waits for a PATCH
    daily = api.call("PATCH", path, json={"duration": 60})
    assert daily.headers["X-RateLimit-Type"] == "Daily-limit"
    api.zoom.add_fault("drop", path="/meetings/")
    with pytest.raises(httpx.RemoteProtocolError):
        api.call("GET", path)
    api.zoom.add_fault("slow", delay=0.3)
    started = time.monotonic()
    assert api.call("GET", path).status_code == 200
    assert time.monotonic() - started >= 0.3
    api.zoom.add_fault("slow", delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        api.call("GET", path, timeout=0.2)
    faults = [r.fault for r in api.zoom.requests() if r.fault]
    assert faults == ["error", "error", "rate_limit_qps", "rate_limit_daily", "drop", "slow"]


def test_fault_without_count_lasts_until_cleared(api: Api) -> None:
    api.zoom.add_fault("error", times=None)
    assert [api.call("GET", "/users/me/meetings").status_code for _ in range(3)] == [500] * 3
    api.zoom.clear_faults()
    assert api.call("GET", "/users/me/meetings").status_code == 200


def test_registrants_get_personal_links(api: Api) -> None:
    plain = api.create().json()["id"]
    refused = api.call(
        "POST", f"/meetings/{plain}/registrants", json={"email": "a@b.id", "first_name": "A"}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, 3000)
    meeting_id = api.create(settings={"approval_type": 0}).json()["id"]
    body = {"email": "peserta-1@peserta.invalid", "first_name": "Siti Aminah"}
    first = api.call("POST", f"/meetings/{meeting_id}/registrants", json=body)
    again = api.call("POST", f"/meetings/{meeting_id}/registrants", json=body)
    assert first.status_code == 201
    assert first.json()["join_url"].startswith(f"https://zoom.us/w/{meeting_id}?tk=")
    assert again.json()["registrant_id"] == first.json()["registrant_id"]
    other = api.call(
        "POST", f"/meetings/{meeting_id}/registrants", json={**body, "email": "peserta-2@x.id"}
    )
    assert other.json()["join_url"] != first.json()["join_url"]
    invalid = api.call("POST", f"/meetings/{meeting_id}/registrants", json={"email": "x"})
    assert sorted(e["field"] for e in invalid.json()["errors"]) == ["email", "first_name"]
    assert len(api.zoom.registrants(meeting_id)) == 2


def test_past_participants_are_scripted_and_paginated(api: Api) -> None:
    meeting_id = api.create(settings={"approval_type": 0}).json()["id"]
    api.call(
        "POST",
        f"/meetings/{meeting_id}/registrants",
        json={"email": "peserta-1@peserta.invalid", "first_name": "Siti"},
    )
    assert api.call("GET", f"/past_meetings/{meeting_id}/participants").status_code == 404
    records = [
        {"name": f"Peserta {i}", "join_time": "2026-11-26T02:00:00Z",
         "leave_time": "2026-11-26T03:00:00Z"}
        for i in range(6)
    ]  # fmt: skip
    records.append(
        {
            "registrant_email": "peserta-1@peserta.invalid",
            "join_time": "2026-11-26T02:05:00+00:00",
            "leave_time": "2026-11-26T02:35:00Z",
        }
    )
    assert api.zoom.set_participants(meeting_id, records) == 7
    names: list[str] = []
    token = ""
    while True:
        params = {"page_size": "3", **({"next_page_token": token} if token else {})}
        body = api.call("GET", f"/past_meetings/{meeting_id}/participants", params=params).json()
        names.extend(p["name"] for p in body["participants"])
        token = body["next_page_token"]
        if not token:
            last = body["participants"][-1]
            break
    assert len(names) == 7
    assert last["name"] == "Siti"
    assert last["registrant_id"] == api.zoom.registrants(meeting_id)[0]["registrant_id"]
    assert last["user_email"] == "peserta-1@peserta.invalid"
    assert last["duration"] == 1800


def test_unknown_route_is_404(api: Api) -> None:
    assert api.http.get("/v2/webinars").status_code == 404


def test_control_api_over_http(api: Api) -> None:
    with ZoomSandboxControl(api.zoom.url) as control:
        fault = control.add_fault("error", status=502, path="/meetings")
        assert fault["times"] == 1
        assert control.faults()[0]["status"] == 502
        assert api.create().status_code == 502
        meeting_id = api.create().json()["id"]
        assert [m["id"] for m in control.meetings()] == [meeting_id]
        assert control.meeting(meeting_id)["registrants"] == []
        stored = control.set_participants(
            meeting_id,
            [
                {
                    "name": "A",
                    "join_time": "2026-11-26T02:00:00Z",
                    "leave_time": "2026-11-26T03:00:00Z",
                }
            ],
        )
        assert stored == 1
        assert [r["status"] for r in control.requests()][-2:] == [502, 201]
        assert control.configure(daily_limit=5)["daily_limit"] == 5
        assert control.expire_tokens() == 1
        with pytest.raises(SandboxControlError, match="kind must be one of"):
            control.add_fault("explode")
        with pytest.raises(SandboxControlError, match="leave_time is before"):
            control.set_participants(
                meeting_id,
                [
                    {
                        "name": "A",
                        "join_time": "2026-11-26T03:00:00Z",
                        "leave_time": "2026-11-26T02:00:00Z",
                    }
                ],
            )
        control.reset()
        assert control.meetings() == []
        assert control.requests() == []


def test_sandbox_starts_on_a_free_port_and_stops_cleanly() -> None:
    sandbox = ZoomSandbox().start()
    port = sandbox.port
    assert port > 0
    assert sandbox.api_url == f"http://127.0.0.1:{port}/v2"
    sandbox.add_fault("slow", delay=30)
    with httpx.Client() as http:
        with pytest.raises(httpx.ReadTimeout):  # a request still waiting when it stops
            http.get(f"{sandbox.url}/v2/users/me/meetings", timeout=0.2)
        started = time.monotonic()
        sandbox.stop()
        assert time.monotonic() - started < 5
        with pytest.raises(httpx.ConnectError):
            http.get(f"{sandbox.url}/v2/users/me/meetings")
    sandbox.stop()  # twice is harmless
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again
