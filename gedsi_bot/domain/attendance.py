"""Attendance from a meeting's join/leave records: minutes per person, matched to registrations.

A person may join, drop out and join again, or sit in twice from two devices; their time is the
union of their intervals, so overlapping stretches count once. Records are matched to
registrations by Zoom registrant id (personal join links), then by the address the registrant
was given, then by name when exactly one registration carries that name. Whatever cannot be
matched is listed for the admins rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.model import RegistrationStatus

# Forms of address and titles that people put in front of their Zoom name.
# fmt: off
_PREFIXES = frozenset({
    "ibu", "bu", "bunda", "bapak", "pak", "bpk", "bp", "sdr", "sdri", "saudara", "saudari",
    "mbak", "mba", "mas", "kak", "dr", "drs", "dra", "prof", "ir", "hj", "h", "ust", "ustadzah",
})
# fmt: on
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One join/leave record of a past meeting, as Zoom reports it."""

    name: str
    joined_at: dt.datetime
    left_at: dt.datetime
    email: str | None = None
    registrant_id: str | None = None


@dataclass(frozen=True, slots=True)
class Registrant:
    """A registration as attendance matching sees it."""

    registration_id: int
    name: str | None = None
    registrant_id: str | None = None
    email: str | None = None


class MatchedBy(StrEnum):
    REGISTRANT = "registrant"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Attendee:
    """Someone who attended without a registration to match (shown to the admins)."""

    name: str
    minutes: int


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    minutes: Mapping[int, int]  # registration id → minutes present
    matched_by: Mapping[int, MatchedBy]  # registration id → the strongest way it matched
    unmatched: tuple[Attendee, ...]


def normalise_name(name: str) -> str:
    """A name reduced for comparison: no titles, degrees, brackets, accents, case or punctuation.

    "Ibu Siti Aminah, S.Pd. (Kader Posyandu)" and "siti  aminah" both become "siti aminah".
    """
    text = _BRACKETS.sub(" ", name)
    text = text.split(",", 1)[0]  # academic degrees follow a comma: "…, S.Pd., M.Si."
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = [word for word in _NOT_WORD.split(text.casefold()) if word]
    while len(words) > 1 and words[0] in _PREFIXES:
        words.pop(0)
    return " ".join(words)


def present_seconds(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> int:
    """Seconds covered by the union of ``intervals`` (overlaps count once, reversed ones not)."""
    ordered = sorted((start, end) for start, end in intervals if end > start)
    total = 0.0
    current: tuple[dt.datetime, dt.datetime] | None = None
    for start, end in ordered:
        if current is None or start > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = (start, end)
        elif end > current[1]:
            current = (current[0], end)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return int(total)


def _identity(record: AttendanceRecord) -> tuple[str, str]:
    if record.registrant_id:
        return ("registrant", record.registrant_id)
    if record.email:
        return ("email", record.email.casefold())
    return ("name", normalise_name(record.name))


def summarise_attendance(
    records: Sequence[AttendanceRecord], registrants: Sequence[Registrant]
) -> AttendanceSummary:
    """Minutes per registration, and the attendees no registration accounts for."""
    groups: dict[tuple[str, str], list[AttendanceRecord]] = defaultdict(list)
    for record in records:
        groups[_identity(record)].append(record)

    by_registrant = {r.registrant_id: r for r in registrants if r.registrant_id}
    by_email = {r.email.casefold(): r for r in registrants if r.email}
    name_counts = Counter(normalise_name(r.name) for r in registrants if r.name)
    by_name = {
        normalise_name(r.name): r
        for r in registrants
        if r.name and name_counts[normalise_name(r.name)] == 1
    }

    intervals: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    matched_by: dict[int, MatchedBy] = {}
    unmatched: list[Attendee] = []
    strength = list(MatchedBy)
    for (kind, key), group in groups.items():
        names = [record.name for record in group]
        found, how = _match(
            kind=kind,
            key=key,
            sample=group[0],
            names=names,
            by_registrant=by_registrant,
            by_email=by_email,
            by_name=by_name,
        )
        spans = [(record.joined_at, record.left_at) for record in group]
        if found is None:
            shown = Counter(names).most_common(1)[0][0]
            unmatched.append(Attendee(name=shown, minutes=present_seconds(spans) // 60))
            continue
        intervals[found.registration_id].extend(spans)
        previous = matched_by.get(found.registration_id)
        if previous is None or strength.index(how) < strength.index(previous):
            matched_by[found.registration_id] = how
    minutes = {rid: present_seconds(spans) // 60 for rid, spans in intervals.items()}
    unmatched.sort(key=lambda attendee: (-attendee.minutes, normalise_name(attendee.name)))
    return AttendanceSummary(minutes=minutes, matched_by=matched_by, unmatched=tuple(unmatched))


def _match(
    *,
    kind: str,
    key: str,
    sample: AttendanceRecord,
    names: list[str],
    by_registrant: Mapping[str, Registrant],
    by_email: Mapping[str, Registrant],
    by_name: Mapping[str, Registrant],
) -> tuple[Registrant | None, MatchedBy]:
    if kind == "registrant" and key in by_registrant:
        return by_registrant[key], MatchedBy.REGISTRANT
    if sample.email and sample.email.casefold() in by_email:
        return by_email[sample.email.casefold()], MatchedBy.EMAIL
    for name in dict.fromkeys(normalise_name(name) for name in names):
        if name and name in by_name:
            return by_name[name], MatchedBy.NAME
    return None, MatchedBy.NAME


def attendance_status(
    *, minutes: int, duration_minutes: int, threshold_percent: int
) -> RegistrationStatus:
    """Attended when present for at least ``threshold_percent`` of the session, else no-show."""
    if minutes * 100 >= threshold_percent * duration_minutes:
        return RegistrationStatus.ATTENDED
    return RegistrationStatus.NO_SHOW


# Statuses an attendance import decides; waitlisted or cancelled people change only if present.
DECIDED_BY_ATTENDANCE = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW}
)


def status_after_attendance(
    current: RegistrationStatus,
    *,
    minutes: int | None,
    duration_minutes: int,
    threshold_percent: int,
) -> RegistrationStatus:
    """A registration's status once the meeting's attendance is known.

    Registered people become attended or no-show; a waitlisted or cancelled person who still
    attended long enough counts as attended, and is otherwise left as they were.
    """
    decided = attendance_status(
        minutes=minutes or 0,
        duration_minutes=duration_minutes,
        threshold_percent=threshold_percent,
    )
    if current in DECIDED_BY_ATTENDANCE or decided is RegistrationStatus.ATTENDED:
        return decided
    return current


# --- when to read a meeting's report -----------------------------------------------------------

# Zoom's participant report is complete a few minutes after the meeting ends.
IMPORT_DELAY = dt.timedelta(minutes=10)
# An API meeting whose report is still missing this long after the end will not get one.
IMPORT_GIVE_UP = dt.timedelta(hours=24)


class ImportOutcome(StrEnum):
    """What became of a session's attendance import (``sessions.attendance_import``)."""

    ZOOM = "zoom"  # read from Zoom's report
    FOR_ADMIN = "admin"  # no report to read (hand-entered meeting, no Zoom): the admins mark it


def import_due(
    *, ends_at: dt.datetime, now: dt.datetime, delay: dt.timedelta = IMPORT_DELAY
) -> bool:
    """Whether a session ended long enough ago for its report to be complete."""
    return now >= ends_at + delay


def give_up_import(
    *, ends_at: dt.datetime, now: dt.datetime, manual: bool, give_up: dt.timedelta = IMPORT_GIVE_UP
) -> bool:
    """Whether a missing report is final: at once for a hand-entered meeting (the office's
    account may not own it), after ``give_up`` for one gedsi-bot created."""
    return manual or now >= ends_at + give_up
