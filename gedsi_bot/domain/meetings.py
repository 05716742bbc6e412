"""What a session's video meeting should look like, and what a hand-entered one must satisfy.

Zoom's own rules are mirrored here so bad input is caught before any request: a passcode is at
most 10 of ``[A-Za-z0-9@-_*]``, a meeting ID has 9 to 11 digits, a join link is an https link on
zoom.us. Everything is plain values; the Zoom client turns a ``MeetingPlan`` into JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from gedsi_bot.domain.model import Meeting, MeetingSource

PASSCODE_MAX = 10
PASSCODE_PATTERN = re.compile(r"^[A-Za-z0-9@_*-]{1,10}$")
# Characters people cannot confuse when reading a passcode off a flyer (no 0/O, 1/l/I).
PASSCODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOPIC_MAX = 200
AGENDA_MAX = 2000
MEETING_ID_DIGITS = range(9, 12)
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_JOIN_PATH = re.compile(r"^/(?:j|w|wc/join)/(\d{9,11})/?$")
_START_PATH = re.compile(r"^/s/(\d{9,11})/?$")
_VANITY_PATH = re.compile(r"^/my/[A-Za-z0-9._-]+/?$")


class Recording(StrEnum):
    """Zoom's ``auto_recording`` values."""

    NONE = "none"
    LOCAL = "local"
    CLOUD = "cloud"


@dataclass(frozen=True, slots=True)
class MeetingOptions:
    """How the office wants its meetings set up (from the settings)."""

    user_id: str = "me"
    recording: Recording = Recording.NONE
    alternative_hosts: tuple[str, ...] = ()
    registration: bool = False
    registrant_email_domain: str = "peserta.invalid"


@dataclass(frozen=True, slots=True)
class MeetingPlan:
    """A scheduled meeting as gedsi-bot asks Zoom for it.

    ``starts_at`` is aware; Zoom receives it as local wall-clock time plus ``timezone``.
    """

    topic: str
    starts_at: dt.datetime
    timezone: str
    duration_minutes: int
    agenda: str
    passcode: str | None = None
    waiting_room: bool = True
    join_before_host: bool = False
    mute_upon_entry: bool = True
    recording: Recording = Recording.NONE
    alternative_hosts: tuple[str, ...] = ()
    registration: bool = False

    @property
    def local_start(self) -> str:
        """``2026-11-26T09:00:00``: the start as Zoom wants it next to ``timezone``."""
        return self.starts_at.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class ZoomMeeting:
    """A meeting as Zoom describes it (list entries lack the passcode and host link)."""

    meeting_id: str
    topic: str
    join_url: str
    starts_at: dt.datetime | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    agenda: str = ""
    passcode: str | None = None
    start_url: str | None = None
    uses_registration: bool = False

    def as_meeting(self) -> Meeting:
        """The session's meeting, as stored for an API-created meeting."""
        return Meeting(
            meeting_id=self.meeting_id,
            passcode=self.passcode,
            join_url=self.join_url,
            source=MeetingSource.API,
            host_url=self.start_url,
            uses_registration=self.uses_registration,
        )

    def differs_from(self, plan: MeetingPlan) -> bool:
        """Whether Zoom's copy disagrees with the plan on topic, start or length."""
        return (
            self.topic != plan.topic
            or self.starts_at != plan.starts_at
            or self.duration_minutes != plan.duration_minutes
        )


@dataclass(frozen=True, slots=True)
class RegistrantLink:
    """A participant's personal join link to a meeting that uses registration."""

    registrant_id: str
    join_url: str


def meeting_topic(*, series_name: str, number: int, theme_title: str) -> str:
    """ "Caring Gedsi #7 — <tema>", shortened to Zoom's 200 characters."""
    topic = f"{series_name} #{number} — {theme_title}"
    if len(topic) <= TOPIC_MAX:
        return topic
    return topic[: TOPIC_MAX - 1].rstrip() + "…"


def request_marker(request_key: str) -> str:
    """The line in a meeting's agenda that lets a retry recognise the meeting it asked for."""
    return f"ref: {request_key}"


def meeting_agenda(*, tagline: str, summary: str, organiser: str, request_key: str) -> str:
    """The agenda Zoom shows in invitations, ending with the request marker (≤ 2000 chars)."""
    marker = request_marker(request_key)
    fixed = f"{tagline}\n\n\n\n{organiser}\n\n{marker}"
    room = AGENDA_MAX - len(fixed)
    if len(summary) > room:
        summary = summary[: max(0, room - 1)].rstrip() + "…"
    return f"{tagline}\n\n{summary}\n\n{organiser}\n\n{marker}"


def plan_meeting(
    *,
    series_name: str,
    tagline: str,
    organiser: str,
    timezone: str,
    number: int,
    theme_title: str,
    theme_summary: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    request_key: str,
    passcode: str | None,
    options: MeetingOptions,
) -> MeetingPlan:
    """The meeting a session needs, in the series' timezone, with the office's options."""
    if starts_at.tzinfo is None:
        raise ValueError("plan_meeting needs an aware start time")
    return MeetingPlan(
        topic=meeting_topic(series_name=series_name, number=number, theme_title=theme_title),
        starts_at=starts_at.astimezone(ZoneInfo(timezone)),
        timezone=timezone,
        duration_minutes=duration_minutes,
        agenda=meeting_agenda(
            tagline=tagline, summary=theme_summary, organiser=organiser, request_key=request_key
        ),
        passcode=passcode,
        recording=options.recording,
        alternative_hosts=options.alternative_hosts,
        registration=options.registration,
    )


# --- passcodes ---------------------------------------------------------------------------------


def is_valid_passcode(passcode: str) -> bool:
    """Whether Zoom accepts ``passcode``: 1–10 of letters, digits and ``@ - _ *``."""
    return bool(PASSCODE_PATTERN.match(passcode))


def passcode_from(indices: Iterable[int]) -> str:
    """A passcode from random alphabet positions (8 of them), with a lower, an upper and a digit.

    Offices may require mixed characters in Zoom passcodes; the first three positions are
    taken from lower-case letters, upper-case letters and digits, the rest from the alphabet.
    """
    picks = list(indices)
    if len(picks) != 8:
        raise ValueError("passcode_from needs 8 random positions")
    lower = [c for c in PASSCODE_ALPHABET if c.islower()]
    upper = [c for c in PASSCODE_ALPHABET if c.isupper()]
    digits = [c for c in PASSCODE_ALPHABET if c.isdigit()]
    chars = [lower[picks[0] % len(lower)], upper[picks[1] % len(upper)]]
    chars.append(digits[picks[2] % len(digits)])
    chars.extend(PASSCODE_ALPHABET[i % len(PASSCODE_ALPHABET)] for i in picks[3:])
    # Spread the guaranteed characters by the last pick, so they do not always lead.
    shift = picks[-1] % len(chars)
    return "".join(chars[shift:] + chars[:shift])


# --- hand-entered meetings -----------------------------------------------------------------------


class MeetingProblem(StrEnum):
    """Why a hand-entered meeting was refused (each has a message in the locale catalog)."""

    MEETING_ID = "meeting_id"
    PASSCODE = "passcode"
    JOIN_URL = "join_url"
    JOIN_URL_OTHER_MEETING = "join_url_other_meeting"
    HOST_URL = "host_url"


@dataclass(frozen=True, slots=True)
class MeetingCheck:
    """The cleaned meeting, or the first problem found."""

    meeting_id: str = ""
    passcode: str | None = None
    join_url: str = ""
    host_url: str | None = None
    problem: MeetingProblem | None = None


def meeting_id_digits(text: str) -> str | None:
    """The digits of a meeting ID as people write it ("812 3456 7890", "812-3456-7890")."""
    cleaned = re.sub(r"[\s.-]", "", text.strip())
    if cleaned.isdigit() and cleaned.isascii() and len(cleaned) in MEETING_ID_DIGITS:
        return cleaned
    return None


def is_zoom_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "zoom.us" or host.endswith(".zoom.us")


def _zoom_path(url: str) -> str | None:
    """The path of an https link on zoom.us, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname or not is_zoom_host(parts.hostname):
        return None
    if parts.username or parts.password or port not in (None, 443):
        return None
    return parts.path


def join_url_meeting_id(url: str) -> tuple[bool, str | None]:
    """Whether ``url`` is a Zoom join link, and the meeting ID it names (None for /my/ links)."""
    path = _zoom_path(url)
    if path is None:
        return False, None
    match = _JOIN_PATH.match(path)
    if match:
        return True, match.group(1)
    if _VANITY_PATH.match(path):
        return True, None
    return False, None


def is_start_url(url: str) -> bool:
    """Whether ``url`` is a Zoom host link (``https://….zoom.us/s/<id>…``)."""
    path = _zoom_path(url)
    return path is not None and bool(_START_PATH.match(path))


def check_manual_meeting(
    *, meeting_id: str, passcode: str | None, join_url: str, host_url: str | None = None
) -> MeetingCheck:
    """Validate a meeting typed in by the office: ID, passcode, join link (and host link)."""
    digits = meeting_id_digits(meeting_id)
    if digits is None:
        return MeetingCheck(problem=MeetingProblem.MEETING_ID)
    cleaned_passcode = passcode.strip() if passcode else None
    if cleaned_passcode and not is_valid_passcode(cleaned_passcode):
        return MeetingCheck(problem=MeetingProblem.PASSCODE)
    is_join, url_id = join_url_meeting_id(join_url)
    if not is_join:
        return MeetingCheck(problem=MeetingProblem.JOIN_URL)
    if url_id is not None and url_id != digits:
        return MeetingCheck(problem=MeetingProblem.JOIN_URL_OTHER_MEETING)
    if host_url and not is_start_url(host_url):
        return MeetingCheck(problem=MeetingProblem.HOST_URL)
    return MeetingCheck(
        meeting_id=digits,
        passcode=cleaned_passcode or None,
        join_url=join_url.strip(),
        host_url=host_url.strip() if host_url else None,
    )


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))
