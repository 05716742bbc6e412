"""Zoom's checks on meeting bodies, with Zoom's field names and wording."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

PASSWORD = re.compile(r"^[a-zA-Z0-9@\-_*]{1,10}$")
START_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$")
EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
MEETING_TYPES = frozenset({1, 2, 3, 8, 10})
APPROVAL_TYPES = frozenset({0, 1, 2})
RECORDING = frozenset({"local", "cloud", "none"})
BOOLEAN_SETTINGS = (
    "host_video",
    "participant_video",
    "join_before_host",
    "mute_upon_entry",
    "waiting_room",
    "registrants_email_notification",
    "registrants_confirmation_email",
    "meeting_authentication",
)
TOPIC_MAX = 200
AGENDA_MAX = 2000
DURATION_MAX = 24 * 60 * 30  # Zoom takes long meetings; a month in minutes is far enough


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def known_timezone(name: object) -> bool:
    """Whether ``name`` is a timezone Zoom would know (an IANA name)."""
    return isinstance(name, str) and name in _zones()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def parse_start_time(value: str, timezone: str) -> dt.datetime | None:
    """Zoom's ``yyyy-MM-ddTHH:mm:ss`` (local, in ``timezone``) or ``…Z`` (UTC), as UTC."""
    match = START_TIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    try:
        if match.group(7) == "Z":
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        local = dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None
    return local.astimezone(dt.UTC)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_meeting(body: Mapping[str, object], *, partial: bool) -> list[FieldError]:
    """Every problem with a create (``partial=False``) or update (``partial=True``) body."""
    errors: list[FieldError] = []
    topic = body.get("topic")
    if topic is not None and (not isinstance(topic, str) or len(topic) > TOPIC_MAX):
        errors.append(FieldError("topic", f"Topic must be a string of at most {TOPIC_MAX}."))
    kind = body.get("type")
    if kind is not None and (not _is_int(kind) or kind not in MEETING_TYPES):
        errors.append(FieldError("type", "Invalid meeting type: must be 1, 2, 3, 8 or 10."))
    duration = body.get("duration")
    if duration is not None and (
        not _is_int(duration) or not 0 < duration <= DURATION_MAX  # type: ignore[operator]
    ):
        errors.append(FieldError("duration", "Duration must be a positive number of minutes."))
    timezone = body.get("timezone")
    if timezone is not None and not known_timezone(timezone):
        errors.append(FieldError("timezone", f"Invalid timezone: {timezone}."))
    start_time = body.get("start_time")
    if start_time is not None:
        zone = timezone if isinstance(timezone, str) and known_timezone(timezone) else "UTC"
        if not isinstance(start_time, str) or parse_start_time(start_time, zone) is None:
            errors.append(
                FieldError(
                    "start_time",
                    "Invalid start_time: use yyyy-MM-ddTHH:mm:ss with a timezone, "
                    "or yyyy-MM-ddTHH:mm:ssZ in UTC.",
                )
            )
    password = body.get("password")
    if password is not None and (not isinstance(password, str) or not PASSWORD.match(password)):
        errors.append(
            FieldError(
                "password",
                "Password can only have a maximum length of 10 characters and only contain "
                "alphanumeric characters and the @ - _ * characters.",
            )
        )
    agenda = body.get("agenda")
    if agenda is not None and (not isinstance(agenda, str) or len(agenda) > AGENDA_MAX):
        errors.append(FieldError("agenda", f"Agenda must be a string of at most {AGENDA_MAX}."))
    settings = body.get("settings")
    if settings is not None:
        if isinstance(settings, Mapping):
            errors.extend(_validate_settings(settings))
        else:
            errors.append(FieldError("settings", "Settings must be an object."))
    if not partial and kind in (2, 8) and start_time is None:
        errors.append(FieldError("start_time", "start_time is required for scheduled meetings."))
    return errors


def _validate_settings(settings: Mapping[str, object]) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in BOOLEAN_SETTINGS:
        value = settings.get(name)
        if value is not None and not isinstance(value, bool):
            errors.append(FieldError(f"settings.{name}", "Must be a boolean."))
    approval = settings.get("approval_type")
    if approval is not None and (not _is_int(approval) or approval not in APPROVAL_TYPES):
        errors.append(FieldError("settings.approval_type", "Must be 0, 1 or 2."))
    recording = settings.get("auto_recording")
    if recording is not None and recording not in RECORDING:
        errors.append(FieldError("settings.auto_recording", "Must be local, cloud or none."))
    hosts = settings.get("alternative_hosts")
    if hosts is not None:
        if not isinstance(hosts, str):
            errors.append(FieldError("settings.alternative_hosts", "Must be a string."))
        else:
            emails = filter(None, (part.strip() for part in re.split(r"[;,]", hosts)))
            errors.extend(
                FieldError("settings.alternative_hosts", f"Invalid email: {email}.")
                for email in emails
                if not EMAIL.match(email)
            )
    return errors


def validate_registrant(body: Mapping[str, object]) -> list[FieldError]:
    errors: list[FieldError] = []
    email = body.get("email")
    if not isinstance(email, str) or len(email) > 128 or not EMAIL.match(email):
        errors.append(FieldError("email", "Invalid email."))
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip() or len(first_name) > 64:
        errors.append(FieldError("first_name", "first_name is required (at most 64)."))
    last_name = body.get("last_name")
    if last_name is not None and (not isinstance(last_name, str) or len(last_name) > 64):
        errors.append(FieldError("last_name", "last_name must be at most 64."))
    return errors
