"""What the Zoom sandbox knows: accounts, tokens, meetings, registrants, attendance, faults.

Every operation returns a ``Reply`` (status, JSON body, headers) shaped as Zoom answers, so the
HTTP layer only moves bytes. One lock guards everything: the server's thread and a test's
thread may look at the state at the same time.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from gedsi_bot.sandbox.zoom.validation import (
    FieldError,
    parse_start_time,
    validate_meeting,
    validate_registrant,
)

Json = dict[str, Any]
PAGE_SIZE_DEFAULT = 30
PAGE_SIZE_MAX = 300
PAGE_TOKEN_LIFETIME = dt.timedelta(minutes=15)
REQUEST_LOG_MAX = 10_000

# Zoom's rate-limit label of each call (Pro account numbers by default).
LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"


class FaultKind(StrEnum):
    ERROR = "error"  # answer with ``status`` (5xx by default) and a Zoom error body
    SLOW = "slow"  # do the work, then wait ``delay`` seconds before answering
    DROP = "drop"  # close the connection without answering
    RATE_LIMIT_QPS = "rate_limit_qps"  # 429, X-RateLimit-Type: QPS, Retry-After seconds
    RATE_LIMIT_DAILY = "rate_limit_daily"  # 429, X-RateLimit-Type: Daily-limit


@dataclass
class Fault:
    """A scripted failure for the next ``times`` requests whose method and path match."""

    kind: FaultKind
    method: str | None = None
    path: str | None = None  # a regular expression searched in the request path
    times: int | None = 1  # None: every matching request until cleared
    status: int = 500
    delay: float = 0.0
    retry_after: int = 1
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is not None and re.search(self.path, path) is None:
            return False
        return self.times is None or self.times > 0

    def as_json(self) -> Json:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "status": self.status,
            "delay": self.delay,
            "retry_after": self.retry_after,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from the control API's JSON; ``ValueError`` names what is wrong."""
        unknown = set(data) - {"kind", "method", "path", "times", "status", "delay", "retry_after"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            kind = FaultKind(data.get("kind", ""))
        except ValueError:
            kinds = ", ".join(k.value for k in FaultKind)
            raise ValueError(f"kind must be one of {kinds}") from None
        times = data.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive integer or null")
        status = data.get("status", 500)
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        delay = data.get("delay", 0.0)
        if not isinstance(delay, int | float) or not 0 <= delay <= 600:
            raise ValueError("delay must be 0-600 seconds")
        retry_after = data.get("retry_after", 1)
        if not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError("retry_after must be a whole number of seconds")
        path = data.get("path")
        if path is not None:
            re.compile(path)
        return cls(
            kind=kind,
            method=data.get("method"),
            path=path,
            times=times,
            status=status,
            delay=float(delay),
            retry_after=retry_after,
        )


@dataclass(frozen=True, slots=True)
class SandboxUser:
    id: str
    email: str
    first_name: str = "Tuan Rumah"
    last_name: str = "Sandbox"
    timezone: str = "Asia/Jakarta"


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """The sandbox account. Defaults follow Zoom (Pro plan); tests shrink them."""

    account_id: str = "sandbox-account"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105 - the sandbox's own, documented value
    token_lifetime: int = 3600  # seconds, as Zoom's ``expires_in``
    daily_limit: int = 100  # meeting creates + updates per user per UTC day
    qps: Mapping[str, int] = field(default_factory=lambda: {LIGHT: 30, MEDIUM: 20, HEAVY: 10})
    users: tuple[SandboxUser, ...] = (
        SandboxUser(id="sbxHost0000000000000001", email="host@sandbox.example"),
    )
    web_url: str = "https://zoom.us"  # where join and start links point


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Json | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    at: dt.datetime
    method: str
    path: str
    query: str
    status: int
    fault: str | None = None

    def as_json(self) -> Json:
        return {
            "at": _zoom_time(self.at),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "fault": self.fault,
        }


@dataclass
class _Meeting:
    data: Json
    host_id: str
    starts_at: dt.datetime | None
    registrants: dict[str, Json] = field(default_factory=dict)  # by lower-cased email
    deleted: bool = False


def zoom_error(status: int, code: int, message: str, errors: Sequence[FieldError] = ()) -> Reply:
    body: Json = {"code": code, "message": message}
    if errors:
        body["errors"] = [error.as_json() for error in errors]
    return Reply(status, body)


def _zoom_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


class ZoomState:
    """The sandbox's account; every public method is safe to call from any thread."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.RLock()
        self.generation = 0  # counts resets; a request begun before one is not logged after it
        self._reset_locked()

    def _reset_locked(self) -> None:
        self._tokens: dict[str, dt.datetime] = {}
        self._issued: list[str] = []
        self._meetings: dict[int, _Meeting] = {}
        self._past: dict[str, list[Json]] = {}
        self._faults: list[Fault] = []
        self._fault_ids = 0
        self._requests: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_MAX)
        self._daily: dict[tuple[str, dt.date], int] = {}
        self._qps: dict[str, deque[float]] = {}
        self._pages: dict[str, tuple[str, int, dt.datetime]] = {}

    def now(self) -> dt.datetime:
        return self._clock()

    def reset(self, config: SandboxConfig | None = None) -> None:
        """Forget everything: tokens, meetings, attendance, faults, counters, the request log.

        With ``config``, the account starts over with those settings.
        """
        with self._lock:
            if config is not None:
                self.config = config
            self.generation += 1
            self._reset_locked()

    def configure(self, **changes: Any) -> SandboxConfig:
        """Change the account's settings (e.g. ``daily_limit=3``) while running."""
        with self._lock:
            self.config = replace(self.config, **changes)
            return self.config

    # --- OAuth ---------------------------------------------------------------------------

    def issue_token(
        self, *, authorization: str | None, grant_type: str | None, account_id: str | None
    ) -> Reply:
        """``POST /oauth/token`` with ``grant_type=account_credentials``."""
        config = self.config
        expected = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
        if authorization is None or not secrets.compare_digest(
            authorization.strip(), f"Basic {expected}"
        ):
            return Reply(
                401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if grant_type != "account_credentials":
            return Reply(
                400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
            )
        if account_id != config.account_id:
            return Reply(400, {"reason": "Invalid account_id", "error": "invalid_request"})
        token = "sbx" + _token(48)
        with self._lock:
            self._tokens[token] = self.now() + dt.timedelta(seconds=config.token_lifetime)
            self._issued.append(token)
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": config.token_lifetime,
                "scope": "meeting:read:admin meeting:write:admin user:read:admin",
                "api_url": "https://api.zoom.us",
            },
        )

    def check_token(self, authorization: str | None) -> Reply | None:
        """``None`` when the bearer token is valid, else Zoom's 401 with code 124."""
        if not authorization or not authorization.startswith("Bearer "):
            return zoom_error(401, 124, "Invalid access token.")
        token = authorization.removeprefix("Bearer ").strip()
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None:
            return zoom_error(401, 124, "Invalid access token.")
        if expires <= self.now():
            return zoom_error(401, 124, "Access token is expired.")
        return None

    def expire_tokens(self) -> int:
        """Make every issued token expired now (as after an hour); returns how many."""
        with self._lock:
            now = self.now()
            for token in self._tokens:
                self._tokens[token] = now
            return len(self._tokens)

    def issued_tokens(self) -> list[str]:
        """Every access token handed out so far (tests check none leaks into logs)."""
        with self._lock:
            return list(self._issued)

    # --- rate limits ---------------------------------------------------------------------

    def check_qps(self, category: str) -> Reply | None:
        """Count one request against its category's per-second limit; 429 QPS when over."""
        limit = self.config.qps.get(category)
        if limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            window = self._qps.setdefault(category, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return qps_reply(category, limit, retry_after=1)
            window.append(now)
        return None

    def daily_remaining(self, user_id: str) -> int:
        with self._lock:
            used = self._daily.get((user_id, self.now().date()), 0)
        return max(0, self.config.daily_limit - used)

    def _count_daily(self, user_id: str) -> int:
        key = (user_id, self.now().date())
        self._daily[key] = self._daily.get(key, 0) + 1
        return max(0, self.config.daily_limit - self._daily[key])

    def daily_reply(self) -> Reply:
        """429 Daily-limit, resuming at the next 00:00 UTC (Zoom's reset)."""
        now = self.now().astimezone(dt.UTC)
        resets = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        limit = self.config.daily_limit
        return Reply(
            429,
            {
                "code": 429,
                "message": (
                    f"You have exceeded the daily rate limit ({limit}) of Meeting Create/Update "
                    "API requests permitted for this particular user. You may resume these "
                    "requests at GMT 00:00:00."
                ),
            },
            {
                "X-RateLimit-Category": MEDIUM,
                "X-RateLimit-Type": "Daily-limit",
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "Retry-After": _zoom_time(resets),
            },
        )

    # --- faults --------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._fault_ids += 1
            added = replace(fault, id=self._fault_ids)
            self._faults.append(added)
            return added

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[Fault]:
        with self._lock:
            return [replace(fault) for fault in self._faults]

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault that applies to this request, used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    taken = replace(fault)
                    self._faults = [f for f in self._faults if f.times is None or f.times > 0]
                    return taken
        return None

    # --- the request log -----------------------------------------------------------------

    def log_request(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        fault: str | None = None,
        generation: int | None = None,
    ) -> None:
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            self._requests.append(LoggedRequest(self.now(), method, path, query, status, fault))

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # --- users ---------------------------------------------------------------------------

    def _user(self, user_ref: str) -> SandboxUser | None:
        users = self.config.users
        if user_ref == "me":
            return users[0] if users else None
        return next(
            (u for u in users if user_ref in (u.id, u.email) or user_ref.lower() == u.email),
            None,
        )

    # --- meetings ------------------------------------------------------------------------

    def _new_meeting_id(self) -> int:
        while True:
            candidate = int("8" + _digits(10))
            if candidate not in self._meetings:
                return candidate

    def _links(self, meeting_id: int, encrypted: str) -> tuple[str, str]:
        web = self.config.web_url.rstrip("/")
        join_url = f"{web}/j/{meeting_id}?pwd={encrypted}"
        start_url = f"{web}/s/{meeting_id}?zak={_token(32)}"
        return join_url, start_url

    def create_meeting(self, user_ref: str, body: Json) -> Reply:
        """``POST /users/{userId}/meetings``."""
        user = self._user(user_ref)
        if user is None:
            return zoom_error(404, 1001, f"User does not exist: {user_ref}.")
        errors = validate_meeting(body, partial=False)
        with self._lock:
            if self.daily_remaining(user.id) <= 0:
                return self.daily_reply()
            if errors:
                return zoom_error(400, 300, "Validation Failed.", errors)
            remaining, data = self._store_meeting(user, body)
        return Reply(201, data, _daily_headers(self.config.daily_limit, remaining))

    def _store_meeting(self, user: SandboxUser, body: Json) -> tuple[int, Json]:
        kind = body.get("type", 2)
        timezone = body.get("timezone") or user.timezone
        now = self.now()
        starts_at = parse_start_time(body["start_time"], timezone) if "start_time" in body else now
        meeting_id = self._new_meeting_id()
        encrypted = _token(24)
        join_url, start_url = self._links(meeting_id, encrypted)
        data: Json = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
            "id": meeting_id,
            "host_id": user.id,
            "host_email": user.email,
            "assistant_id": "",
            "topic": body.get("topic") or "Zoom Meeting",
            "type": kind,
            "status": "waiting",
            "start_time": _zoom_time(starts_at or now),
            "duration": body.get("duration", 60),
            "timezone": timezone,
            "agenda": body.get("agenda", ""),
            "created_at": _zoom_time(now),
            "start_url": start_url,
            "join_url": join_url,
            "password": body.get("password") or _digits(6),
            "h323_password": _digits(6),
            "pstn_password": _digits(6),
            "encrypted_password": encrypted,
            "settings": _settings(body.get("settings") or {}),
            "pre_schedule": False,
        }
        _registration_url(data, self.config.web_url)
        self._meetings[meeting_id] = _Meeting(data=data, host_id=user.id, starts_at=starts_at)
        return self._count_daily(user.id), dict(data)

    def _live(self, meeting_id: int) -> _Meeting | None:
        meeting = self._meetings.get(meeting_id)
        return None if meeting is None or meeting.deleted else meeting

    def get_meeting(self, meeting_id: int) -> Reply:
        """``GET /meetings/{id}``; each call gives a fresh host ``start_url``."""
        with self._lock:
            meeting = self._live(meeting_id)
            if meeting is None:
                return _no_meeting(meeting_id)
            web = self.config.web_url.rstrip("/")
            meeting.data["start_url"] = f"{web}/s/{meeting_id}?zak={_token(32)}"
            return Reply(200, dict(meeting.data))

    def update_meeting(self, meeting_id: int, body: Json) -> Reply:
        """``PATCH /meetings/{id}``: 204 with no body, like Zoom."""
        with self._lock:
            meeting = self._live(meeting_id)
            if meeting is None:
                return _no_meeting(meeting_id)
            if self.daily_remaining(meeting.host_id) <= 0:
                return self.daily_reply()
            errors = validate_meeting(body, partial=True)
            if errors:
                return zoom_error(400, 300, "Validation Failed.", errors)
            data = meeting.data
            timezone = body.get("timezone") or data["timezone"]
            for key in ("topic", "duration", "agenda", "type"):
                if key in body:
                    data[key] = body[key]
            data["timezone"] = timezone
            if "start_time" in body:
                meeting.starts_at = parse_start_time(body["start_time"], timezone)
                if meeting.starts_at is not None:
                    data["start_time"] = _zoom_time(meeting.starts_at)
            if "password" in body:
                data["password"] = body["password"]
                data["encrypted_password"] = _token(24)
                data["join_url"], _ = self._links(meeting_id, data["encrypted_password"])
            if "settings" in body:
                data["settings"] = {**data["settings"], **_settings(body["settings"], base={})}
                _registration_url(data, self.config.web_url)
            remaining = self._count_daily(meeting.host_id)
        return Reply(204, None, _daily_headers(self.config.daily_limit, remaining))

    def delete_meeting(self, meeting_id: int) -> Reply:
        """``DELETE /meetings/{id}``."""
        with self._lock:
            meeting = self._live(meeting_id)
            if meeting is None:
                return _no_meeting(meeting_id)
            meeting.deleted = True
        return Reply(204)

    def list_meetings(self, user_ref: str, query: Mapping[str, str]) -> Reply:
        """``GET /users/{userId}/meetings``, paginated with ``next_page_token``."""
        user = self._user(user_ref)
        if user is None:
            return zoom_error(404, 1001, f"User does not exist: {user_ref}.")
        kind = query.get("type", "scheduled")
        if kind not in {"scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"}:
            return zoom_error(400, 300, f"Invalid field: type={kind}.")
        now = self.now()
        with self._lock:
            found = [
                m
                for m in self._meetings.values()
                if not m.deleted and m.host_id == user.id and _listed(m, kind, now)
            ]
            found.sort(key=lambda m: (m.starts_at or now, m.data["id"]))
            items = [{key: m.data[key] for key in _LIST_FIELDS if key in m.data} for m in found]
        return self._page(f"meetings:{user.id}:{kind}", items, query, "meetings")

    def _page(self, scope: str, items: list[Json], query: Mapping[str, str], key: str) -> Reply:
        try:
            size = int(query.get("page_size", PAGE_SIZE_DEFAULT))
        except ValueError:
            return zoom_error(400, 300, "Invalid field: page_size.")
        size = max(1, min(size, PAGE_SIZE_MAX))
        offset = 0
        token = query.get("next_page_token")
        now = self.now()
        with self._lock:
            if token:
                page = self._pages.get(token)
                if page is None or page[0] != scope or page[2] <= now:
                    return zoom_error(400, 300, "The next page token is invalid or expired.")
                offset = page[1]
            chunk = items[offset : offset + size]
            next_token = ""
            if offset + size < len(items):
                next_token = _token(24)
                self._pages[next_token] = (scope, offset + size, now + PAGE_TOKEN_LIFETIME)
        return Reply(
            200,
            {
                "page_size": size,
                "total_records": len(items),
                "next_page_token": next_token,
                key: chunk,
            },
        )

    # --- registrants ---------------------------------------------------------------------

    def add_registrant(self, meeting_id: int, body: Json) -> Reply:
        """``POST /meetings/{id}/registrants``: a personal join link (the same one per email)."""
        with self._lock:
            meeting = self._live(meeting_id)
            if meeting is None:
                return _no_meeting(meeting_id)
            if meeting.data["settings"].get("approval_type", 2) == 2:
                return zoom_error(
                    400, 3000, f"Registration has not been enabled for this meeting: {meeting_id}."
                )
            errors = validate_registrant(body)
            if errors:
                return zoom_error(400, 300, "Validation Failed.", errors)
            email = str(body["email"]).lower()
            registrant = meeting.registrants.get(email)
            if registrant is None:
                registrant_id = _token(16)
                web = self.config.web_url.rstrip("/")
                registrant = {
                    "registrant_id": registrant_id,
                    "email": body["email"],
                    "first_name": body["first_name"],
                    "last_name": body.get("last_name", ""),
                    "join_url": f"{web}/w/{meeting_id}?tk={_token(32)}",
                    "participant_pin_code": int(_digits(6)),
                    "status": "approved",
                    "create_time": _zoom_time(self.now()),
                }
                meeting.registrants[email] = registrant
            data = meeting.data
            return Reply(
                201,
                {
                    "id": meeting_id,
                    "join_url": registrant["join_url"],
                    "registrant_id": registrant["registrant_id"],
                    "start_time": data["start_time"],
                    "topic": data["topic"],
                    "occurrences": [],
                    "participant_pin_code": registrant["participant_pin_code"],
                },
            )

    def registrants(self, meeting_id: int) -> list[Json]:
        with self._lock:
            meeting = self._meetings.get(meeting_id)
            return [dict(r) for r in meeting.registrants.values()] if meeting else []

    # --- past meetings -------------------------------------------------------------------

    def set_participants(self, meeting_id: str, records: Sequence[Mapping[str, Any]]) -> int:
        """Script the join/leave records a past meeting reports; returns how many were stored.

        Each record has ``name``, ``join_time`` and ``leave_time`` (ISO 8601), optionally
        ``user_email`` and ``registrant_id``; ``registrant_email`` fills both from a registrant.
        The same person may appear several times (left and came back, or two devices).
        """
        stored: list[Json] = []
        with self._lock:
            for index, record in enumerate(records):
                stored.append(self._participant(meeting_id, index, record))
            self._past[str(meeting_id)] = stored
        return len(stored)

    def _participant(self, meeting_id: str, index: int, record: Mapping[str, Any]) -> Json:
        joined = _iso(record.get("join_time"), f"records[{index}].join_time")
        left = _iso(record.get("leave_time"), f"records[{index}].leave_time")
        if left < joined:
            raise ValueError(f"records[{index}]: leave_time is before join_time")
        name = record.get("name")
        registrant_id = record.get("registrant_id", "")
        email = record.get("user_email", "")
        wanted = record.get("registrant_email")
        if wanted is not None:
            meeting = self._meetings.get(int(meeting_id)) if meeting_id.isdigit() else None
            registrant = meeting.registrants.get(str(wanted).lower()) if meeting else None
            if registrant is None:
                raise ValueError(f"records[{index}]: no registrant {wanted} in {meeting_id}")
            registrant_id = registrant["registrant_id"]
            email = registrant["email"]
            name = name or f"{registrant['first_name']} {registrant['last_name']}".strip()
        if not isinstance(name, str) or not name:
            raise ValueError(f"records[{index}].name is required")
        user_id = str(16_778_240 + index)
        return {
            "id": _token(12),
            "name": name,
            "user_id": user_id,
            "registrant_id": registrant_id,
            "user_email": email,
            "join_time": _zoom_time(joined),
            "leave_time": _zoom_time(left),
            "duration": int((left - joined).total_seconds()),
            "failover": False,
            "status": "in_meeting",
        }

    def past_participants(self, meeting_ref: str, query: Mapping[str, str]) -> Reply:
        """``GET /past_meetings/{id}/participants``, paginated with ``next_page_token``."""
        with self._lock:
            records = self._past.get(meeting_ref)
            if records is None:
                return _no_meeting(meeting_ref)
            items = [dict(record) for record in records]
        return self._page(f"participants:{meeting_ref}", items, query, "participants")

    # --- looking in, for tests and trainers --------------------------------------------------

    def meetings(self, *, include_deleted: bool = False) -> list[Json]:
        """Every meeting with its registrants (and ``deleted`` when asked to include those)."""
        with self._lock:
            return [
                {**m.data, "deleted": m.deleted, "registrants": list(m.registrants.values())}
                for m in self._meetings.values()
                if include_deleted or not m.deleted
            ]

    def meeting(self, meeting_id: int) -> Json | None:
        with self._lock:
            m = self._meetings.get(meeting_id)
            if m is None:
                return None
            return {**m.data, "deleted": m.deleted, "registrants": list(m.registrants.values())}


_LIST_FIELDS = (
    "uuid",
    "id",
    "host_id",
    "topic",
    "type",
    "start_time",
    "duration",
    "timezone",
    "agenda",
    "created_at",
    "join_url",
)
_DEFAULT_SETTINGS: Json = {
    "host_video": False,
    "participant_video": False,
    "join_before_host": False,
    "mute_upon_entry": False,
    "waiting_room": False,
    "approval_type": 2,
    "registration_type": 1,
    "auto_recording": "none",
    "alternative_hosts": "",
    "registrants_email_notification": True,
    "registrants_confirmation_email": True,
    "meeting_authentication": False,
}


def _settings(given: Mapping[str, Any], base: Json | None = None) -> Json:
    merged = dict(_DEFAULT_SETTINGS if base is None else base)
    merged.update(given)
    return merged


def _registration_url(data: Json, web_url: str) -> None:
    if data["settings"].get("approval_type", 2) in (0, 1):
        data["registration_url"] = f"{web_url.rstrip('/')}/meeting/register/{data['uuid'][:16]}"
    else:
        data.pop("registration_url", None)


def _listed(meeting: _Meeting, kind: str, now: dt.datetime) -> bool:
    if kind == "live":
        return False
    starts = meeting.starts_at or now
    if kind in {"upcoming", "upcoming_meetings"}:
        return starts >= now
    if kind == "previous_meetings":
        return starts < now
    return True


def _no_meeting(meeting_id: object) -> Reply:
    return zoom_error(404, 3001, f"Meeting does not exist: {meeting_id}.")


def _daily_headers(limit: int, remaining: int) -> dict[str, str]:
    return {
        "X-RateLimit-Category": MEDIUM,
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
    }


def qps_reply(category: str, limit: int, *, retry_after: int) -> Reply:
    return Reply(
        429,
        {
            "code": 429,
            "message": (
                "You have reached the maximum per-second rate limit for this API. Try again later."
            ),
        },
        {
            "X-RateLimit-Category": category,
            "X-RateLimit-Type": "QPS",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "Retry-After": str(retry_after),
        },
    )


def _iso(value: object, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where} is required (ISO 8601)")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where} is not ISO 8601: {value}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{where} needs a timezone (…Z or +07:00)")
    return moment.astimezone(dt.UTC)


__all__ = [
    "HEAVY",
    "LIGHT",
    "MEDIUM",
    "Fault",
    "FaultKind",
    "LoggedRequest",
    "Reply",
    "SandboxConfig",
    "SandboxUser",
    "ZoomState",
    "qps_reply",
    "zoom_error",
]
