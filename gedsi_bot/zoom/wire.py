"""Zoom's JSON in and out: small pure functions between Zoom's bodies and gedsi-bot's types.

Nothing here does I/O. A body that does not have the shape Zoom documents raises
``WireError``, which the client reports as an unexpected answer.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gedsi_bot.domain.attendance import AttendanceRecord
from gedsi_bot.domain.meetings import MeetingPlan, RegistrantLink, ZoomMeeting

T = TypeVar("T")
SCHEDULED = 2  # Zoom's meeting type for a meeting with a fixed time
APPROVE_AUTOMATICALLY, NO_REGISTRATION = 0, 2


class WireError(ValueError):
    """A Zoom body without the fields Zoom documents."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_page_token: str | None


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int  # seconds

    def __repr__(self) -> str:
        return f"TokenGrant(access_token='***', expires_in={self.expires_in})"


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What Zoom says went wrong (``{"code", "message", "errors"}``, or OAuth's shape)."""

    code: int | None
    message: str
    field_errors: tuple[str, ...] = ()


# --- out ---------------------------------------------------------------------------------------


def meeting_body(plan: MeetingPlan) -> dict[str, Any]:
    """The body of ``POST /users/{userId}/meetings`` for a scheduled meeting."""
    body: dict[str, Any] = {
        **meeting_schedule(plan),
        "type": SCHEDULED,
        "agenda": plan.agenda,
        "settings": {
            "host_video": True,
            "participant_video": False,
            "join_before_host": plan.join_before_host,
            "waiting_room": plan.waiting_room,
            "mute_upon_entry": plan.mute_upon_entry,
            "auto_recording": plan.recording.value,
            "alternative_hosts": ";".join(plan.alternative_hosts),
            "approval_type": APPROVE_AUTOMATICALLY if plan.registration else NO_REGISTRATION,
            # Registrants get their personal link from the bot, not by e-mail.
            "registrants_email_notification": False,
            "registrants_confirmation_email": False,
        },
    }
    if plan.passcode is not None:
        body["password"] = plan.passcode
    return body


def meeting_schedule(plan: MeetingPlan) -> dict[str, Any]:
    """Topic and time: the body of ``PATCH /meetings/{id}`` when a session moves."""
    return {
        "topic": plan.topic,
        "start_time": plan.local_start,
        "timezone": plan.timezone,
        "duration": plan.duration_minutes,
    }


def registrant_body(*, first_name: str, last_name: str, email: str) -> dict[str, Any]:
    """The body of ``POST /meetings/{id}/registrants`` (Zoom caps names at 64 characters)."""
    body = {"first_name": first_name[:64], "email": email}
    if last_name:
        body["last_name"] = last_name[:64]
    return body


# --- in ----------------------------------------------------------------------------------------


def _field(data: Mapping[str, Any], key: str, kind: type[T]) -> T:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise WireError(f"{key} missing or not {kind.__name__}")
    return value


def _object(data: object) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise WireError("expected a JSON object")
    return data


def parse_zoom_time(text: str) -> dt.datetime:
    """``2026-11-26T02:00:00Z`` (or with an offset) as an aware UTC datetime."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WireError(f"not a Zoom time: {text!r}") from None
    if moment.tzinfo is None:
        raise WireError(f"Zoom time without a zone: {text!r}")
    return moment.astimezone(dt.UTC)


def parse_token(data: object) -> TokenGrant:
    """``POST /oauth/token``'s answer."""
    body = _object(data)
    expires_in = body.get("expires_in", 3600)
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        raise WireError("expires_in is not a positive number of seconds")
    return TokenGrant(access_token=_field(body, "access_token", str), expires_in=expires_in)


def parse_meeting(data: object) -> ZoomMeeting:
    """A meeting from ``GET /meetings/{id}``, ``POST …/meetings`` or a list entry."""
    body = _object(data)
    meeting_id = body.get("id")
    if not isinstance(meeting_id, int | str) or isinstance(meeting_id, bool):
        raise WireError("id missing")
    start = body.get("start_time")
    duration = body.get("duration")
    settings = body.get("settings")
    approval = settings.get("approval_type") if isinstance(settings, Mapping) else None
    password = body.get("password")
    return ZoomMeeting(
        meeting_id=str(meeting_id),
        topic=str(body.get("topic", "")),
        join_url=_field(body, "join_url", str),
        starts_at=parse_zoom_time(start) if isinstance(start, str) and start else None,
        duration_minutes=duration if isinstance(duration, int) else None,
        timezone=body.get("timezone") if isinstance(body.get("timezone"), str) else None,
        agenda=str(body.get("agenda") or ""),
        passcode=password if isinstance(password, str) and password else None,
        start_url=body.get("start_url") if isinstance(body.get("start_url"), str) else None,
        uses_registration=approval in (0, 1),
    )


def _page(data: object, key: str, item: Callable[[object], T]) -> Page[T]:
    body = _object(data)
    entries = body.get(key, [])
    if not isinstance(entries, list):
        raise WireError(f"{key} is not a list")
    token = body.get("next_page_token")
    return Page(
        items=tuple(item(entry) for entry in entries),
        next_page_token=token if isinstance(token, str) and token else None,
    )


def parse_meeting_page(data: object) -> Page[ZoomMeeting]:
    """One page of ``GET /users/{userId}/meetings``."""
    return _page(data, "meetings", parse_meeting)


def parse_registrant(data: object) -> RegistrantLink:
    """``POST /meetings/{id}/registrants``'s answer."""
    body = _object(data)
    return RegistrantLink(
        registrant_id=_field(body, "registrant_id", str),
        join_url=_field(body, "join_url", str),
    )


def parse_participant(data: object) -> AttendanceRecord:
    """One join/leave record of ``GET /past_meetings/{id}/participants``.

    A record without ``leave_time`` lasts ``duration`` seconds from ``join_time``.
    """
    body = _object(data)
    joined = parse_zoom_time(_field(body, "join_time", str))
    leave = body.get("leave_time")
    if isinstance(leave, str) and leave:
        left = parse_zoom_time(leave)
    else:
        duration = body.get("duration")
        seconds = duration if isinstance(duration, int) and not isinstance(duration, bool) else 0
        left = joined + dt.timedelta(seconds=seconds)
    email_address = body.get("user_email")
    registrant_id = body.get("registrant_id")
    return AttendanceRecord(
        name=str(body.get("name") or "").strip(),
        joined_at=joined,
        left_at=left,
        email=email_address if isinstance(email_address, str) and email_address else None,
        registrant_id=registrant_id if isinstance(registrant_id, str) and registrant_id else None,
    )


def parse_participant_page(data: object) -> Page[AttendanceRecord]:
    return _page(data, "participants", parse_participant)


def parse_error(data: object) -> ErrorBody:
    """Zoom's error body, in either of its two shapes; anything else gives an empty message."""
    if not isinstance(data, Mapping):
        return ErrorBody(code=None, message="")
    code = data.get("code")
    message = data.get("message")
    if message is None and "error" in data:  # the OAuth endpoint's shape
        reason = data.get("reason")
        message = f"{data['error']}: {reason}" if reason else str(data["error"])
    errors = data.get("errors")
    details: tuple[str, ...] = ()
    if isinstance(errors, list):
        details = tuple(
            f"{error.get('field', '?')}: {error.get('message', '')}"
            for error in errors
            if isinstance(error, Mapping)
        )
    return ErrorBody(
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        message=str(message or ""),
        field_errors=details,
    )


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` of seconds, an HTTP date or an ISO time."""
    moment = _retry_moment(value)
    if moment is None:
        if value is None:
            return None
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
        return max(0.0, seconds)
    return max(0.0, (moment - now).total_seconds())


def _retry_moment(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    text = value.strip()
    if not text or text.replace(".", "", 1).isdigit():
        return None
    try:
        return parse_zoom_time(text)
    except WireError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def daily_limit_reset(value: str | None, *, now: dt.datetime) -> dt.datetime:
    """When a used-up daily limit comes back: ``Retry-After`` if it says, else 00:00 UTC next."""
    moment = _retry_moment(value)
    if moment is not None and moment > now:
        return moment
    today = now.astimezone(dt.UTC).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
