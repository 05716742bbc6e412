"""The Zoom API client: Server-to-Server OAuth and the meeting calls gedsi-bot makes.

Every request goes through ``_request``: it adds the bearer token (fetched with
``grant_type=account_credentials``, cached until shortly before it expires, fetched again once
when Zoom answers 401), waits out a per-second 429 as ``Retry-After`` says plus jitter, retries
5xx answers, timeouts and dropped connections a bounded number of times, stops at once on a
used-up daily limit, and turns every other refusal into a ``ZoomError`` with Zoom's code.

Creating a meeting is not repeated after an answer may have been lost (a timeout, a dropped
connection, a 5xx): Zoom might have made it. The meetings service finds it by its request key
instead. Logs name the method, the path and the status; never a header, a body or a token.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from gedsi_bot import __version__
from gedsi_bot.config import ZOOM_API_URL, ZOOM_OAUTH_URL, Settings
from gedsi_bot.domain.attendance import AttendanceRecord
from gedsi_bot.domain.meetings import MeetingPlan, RegistrantLink, ZoomMeeting
from gedsi_bot.zoom.errors import (
    ZoomAuthFailed,
    ZoomDailyLimit,
    ZoomError,
    ZoomRateLimited,
    ZoomUnavailable,
)
from gedsi_bot.zoom.wire import (
    Page,
    WireError,
    daily_limit_reset,
    meeting_body,
    meeting_schedule,
    parse_meeting,
    parse_meeting_page,
    parse_participant_page,
    parse_registrant,
    parse_retry_after,
    parse_token,
    registrant_body,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
TOKEN_MARGIN = 60.0  # fetch a new token this many seconds before the old one expires
PAGE_SIZE = 300  # Zoom's largest page
MAX_PAGES = 1000  # a guard against a server that never stops paging
# Failures where the request cannot have reached Zoom, so repeating it is always safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard the client tries before giving up (tests shrink the waits)."""

    attempts: int = 3  # tries in all for 5xx, timeouts and dropped connections
    backoff: float = 0.5  # first pause in seconds, doubled on each further failure
    backoff_max: float = 8.0
    rate_limit_retries: int = 3  # further tries after a per-second 429
    rate_limit_wait_max: float = 30.0  # a Retry-After longer than this is not waited out
    jitter: float = 0.5  # up to this many seconds added at random to every pause


class ZoomClient:
    """Zoom's meeting API for one Server-to-Server OAuth app. Use as ``async with``."""

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: SecretStr | str,
        api_url: str = ZOOM_API_URL,
        oauth_url: str = ZOOM_OAUTH_URL,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        page_size: int = PAGE_SIZE,
    ) -> None:
        secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        self._account_id = account_id
        self._client_id = client_id
        self._client_secret = secret
        self._api_url = api_url.rstrip("/")
        self._oauth_url = oauth_url
        self._retry = retry or RetryPolicy()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter
        self._page_size = page_size
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": f"gedsi-bot/{__version__}"},
        )
        self._token: str | None = None
        self._token_renew_at = 0.0
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> ZoomClient:
        """A client from the settings; ``MissingCredentials`` names all three variables."""
        account_id, client_id, client_secret = settings.require_zoom_credentials()
        kwargs.setdefault("timeout", httpx.Timeout(settings.zoom_timeout_seconds, connect=5.0))
        return cls(
            account_id=account_id,
            client_id=client_id,
            client_secret=client_secret,
            api_url=settings.zoom_api_url,
            oauth_url=settings.zoom_oauth_url,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"ZoomClient(api_url={self._api_url!r}, account_id={self._account_id!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- meetings ------------------------------------------------------------------------

    async def create_meeting(self, plan: MeetingPlan, *, user_id: str = "me") -> ZoomMeeting:
        """Schedule a meeting for ``user_id`` (counts against the host's daily limit)."""
        response = await self._request(
            "POST", f"/users/{quote(user_id, safe='@.')}/meetings", json=meeting_body(plan),
            idempotent=False,
        )  # fmt: skip
        return _parsed(parse_meeting, response)

    async def get_meeting(self, meeting_id: str) -> ZoomMeeting:
        """The meeting as Zoom has it now, with a fresh host ``start_url``."""
        response = await self._request("GET", f"/meetings/{quote(meeting_id)}")
        return _parsed(parse_meeting, response)

    async def update_meeting(self, meeting_id: str, plan: MeetingPlan) -> None:
        """Move a meeting to the plan's topic, time and length (counts against the daily limit)."""
        await self._request("PATCH", f"/meetings/{quote(meeting_id)}", json=meeting_schedule(plan))

    async def delete_meeting(self, meeting_id: str) -> None:
        """Delete a meeting; ``ZoomNotFound`` if Zoom has no such meeting (any more)."""
        await self._request("DELETE", f"/meetings/{quote(meeting_id)}")

    async def list_meetings(
        self, *, user_id: str = "me", kind: str = "scheduled"
    ) -> list[ZoomMeeting]:
        """Every meeting of ``user_id`` of that kind, all pages."""
        path = f"/users/{quote(user_id, safe='@.')}/meetings"
        return await self._all_pages(path, parse_meeting_page, {"type": kind})

    async def add_registrant(
        self, meeting_id: str, *, first_name: str, last_name: str, email: str
    ) -> RegistrantLink:
        """Register someone to get their personal join link (the same one again per e-mail)."""
        response = await self._request(
            "POST",
            f"/meetings/{quote(meeting_id)}/registrants",
            json=registrant_body(first_name=first_name, last_name=last_name, email=email),
        )
        return _parsed(parse_registrant, response)

    async def past_participants(self, meeting_id: str) -> list[AttendanceRecord]:
        """Every join/leave record of a past meeting, all pages."""
        path = f"/past_meetings/{quote(meeting_id, safe='')}/participants"
        return await self._all_pages(path, parse_participant_page, {})

    async def _all_pages(
        self,
        path: str,
        parse: Callable[[object], Page[T]],
        params: Mapping[str, str],
    ) -> list[T]:
        items: list[T] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "page_size": str(self._page_size)}
            if token:
                query["next_page_token"] = token
            page = _parsed(parse, await self._request("GET", path, params=query))
            items.extend(page.items)
            token = page.next_page_token
            if not token:
                return items
        raise ZoomError(f"Zoom kept paging {path} past {MAX_PAGES} pages")

    # --- the one way out -----------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool = True,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send one call with authentication, retries and Zoom's errors (see the module text).

        ``path`` is relative to the API root, or the full token URL when not ``authenticated``.
        """
        url = f"{self._api_url}{path}" if authenticated else path
        shown = path if authenticated else "oauth/token"
        failures = rate_limited = 0
        renewed = False
        while True:
            token = await self._access_token() if authenticated else None
            headers = {"Authorization": f"Bearer {token}" if token else self._basic()}
            started = self._monotonic()
            try:
                response = await self._http.request(
                    method, url, json=json, params=params, headers=headers
                )
            except httpx.TransportError as error:
                failures += 1
                log.warning("zoom %s %s failed: %s", method, shown, type(error).__name__)
                if not (idempotent or isinstance(error, _NOT_SENT)):
                    raise ZoomUnavailable(
                        f"Zoom {method} {shown}: {type(error).__name__}; answer unknown"
                    ) from error
                if failures >= self._retry.attempts:
                    raise ZoomUnavailable(
                        f"Zoom {method} {shown}: {type(error).__name__} after {failures} tries"
                    ) from error
                await self._pause(self._backoff(failures))
                continue
            status = response.status_code
            log.debug(
                "zoom %s %s -> %s in %.0f ms",
                method, shown, status, 1000 * (self._monotonic() - started),
            )  # fmt: skip
            if status == 401 and authenticated and not renewed:
                renewed = True  # the token may have expired or been revoked: fetch one again
                self._forget_token(token)
                continue
            if status == 429:
                wait = self._rate_limit_wait(response)
                rate_limited += 1
                if wait is None or rate_limited > self._retry.rate_limit_retries:
                    raise ZoomRateLimited.from_response(response)
                log.info("zoom %s %s rate limited; waiting %.1f s", method, shown, wait)
                await self._pause(wait)
                continue
            if status >= 500:
                failures += 1
                if idempotent and failures < self._retry.attempts:
                    await self._pause(self._backoff(failures))
                    continue
                raise ZoomError.from_response(response)
            if status >= 400:
                raise (ZoomError if authenticated else ZoomAuthFailed).from_response(response)
            return response

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait out a 429 QPS; raises at once on a daily limit; None: do not wait."""
        limit_type = response.headers.get("X-RateLimit-Type", "").lower()
        retry_after = response.headers.get("Retry-After")
        error = ZoomError.from_response(response)
        if limit_type == "daily-limit" or "daily" in error.zoom_message.lower():
            resets_at = daily_limit_reset(retry_after, now=self._clock())
            raise ZoomDailyLimit(
                f"Zoom daily limit used up until {resets_at:%Y-%m-%d %H:%M} UTC",
                resets_at=resets_at,
                status=429,
                code=error.code,
                zoom_message=error.zoom_message,
            )
        seconds = parse_retry_after(retry_after, now=self._clock())
        wait = 1.0 if seconds is None else seconds
        if wait > self._retry.rate_limit_wait_max:
            return None
        return wait + self._jitter() * self._retry.jitter

    def _backoff(self, failures: int) -> float:
        pause = min(self._retry.backoff_max, self._retry.backoff * 2.0 ** (failures - 1))
        return pause + self._jitter() * self._retry.jitter

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    # --- Server-to-Server OAuth ----------------------------------------------------------

    def _basic(self) -> str:
        pair = f"{self._client_id}:{self._client_secret.get_secret_value()}"
        return f"Basic {base64.b64encode(pair.encode()).decode()}"

    async def _access_token(self) -> str:
        async with self._token_lock:
            if self._token is not None and self._monotonic() < self._token_renew_at:
                return self._token
            response = await self._request(
                "POST",
                self._oauth_url,
                params={"grant_type": "account_credentials", "account_id": self._account_id},
                authenticated=False,
            )
            grant = _parsed(parse_token, response)
            margin = min(TOKEN_MARGIN, grant.expires_in / 10)
            self._token = grant.access_token
            self._token_renew_at = self._monotonic() + grant.expires_in - margin
            log.debug("zoom token fetched; valid for %s s", grant.expires_in)
            return self._token

    def _forget_token(self, token: str | None) -> None:
        if token is not None and self._token == token:
            self._token = None


def _parsed(parse: Callable[[object], T], response: httpx.Response) -> T:
    try:
        return parse(response.json())
    except (ValueError, WireError) as error:
        raise ZoomError(
            f"Zoom answered {response.status_code} with an unexpected body: {error}",
            status=response.status_code,
        ) from error
