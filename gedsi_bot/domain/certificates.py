"""E-certificate rules: when the office's policy is met, serial numbers and verification codes.

A certificate is due once, when the last condition of ``certificates:`` in themes.yaml is met
(attended, feedback given, whichever comes last). Its serial reads like the office's own
numbering, ``CG-2026-012-0042`` (series initials, year held, session, running number); its
verification code is random, short enough to type, and free of look-alike characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.model import RegistrationStatus, SessionStatus
from gedsi_bot.domain.series import CertificatePolicy

# No 0/O, 1/I/L: a code read off a printed certificate is typed back without guessing.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
CODE_GROUP = 4
_SERIAL = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{3,}-\d{4,}$")
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
# Attendance states in which a person could have sat in (a waitlisted person who attended
# long enough is marked attended by the import).
_MAY_HAVE_ATTENDED = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED})


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What the policy looks at for one registration."""

    status: RegistrationStatus
    session_status: SessionStatus
    session_ended: bool
    feedback_given: bool
    has_certificate: bool
    holder_known: bool  # the person still has a name to print (not deleted)


def certificate_due(policy: CertificatePolicy, facts: CertificateFacts) -> bool:
    """Whether a certificate should be issued now (never a second one)."""
    if facts.has_certificate or not facts.holder_known or not facts.session_ended:
        return False
    if facts.session_status is SessionStatus.CANCELLED:
        return False
    if policy.require_attendance:
        if facts.status is not RegistrationStatus.ATTENDED:
            return False
    elif facts.status not in _MAY_HAVE_ATTENDED:
        return False
    return facts.feedback_given or not policy.require_feedback


class Missing(StrEnum):
    """What still stands between a person and their certificate."""

    SESSION = "session"  # the session has not ended yet
    ATTENDANCE = "attendance"
    FEEDBACK = "feedback"


def still_missing(policy: CertificatePolicy, facts: CertificateFacts) -> tuple[Missing, ...]:
    """The conditions not yet met, in the order a person can meet them."""
    missing: list[Missing] = []
    if not facts.session_ended:
        missing.append(Missing.SESSION)
    if policy.require_attendance and facts.status is not RegistrationStatus.ATTENDED:
        missing.append(Missing.ATTENDANCE)
    if policy.require_feedback and not facts.feedback_given:
        missing.append(Missing.FEEDBACK)
    return tuple(missing)


def serial_prefix(series_id: str) -> str:
    """The initials of the series id: ``caring-gedsi`` → ``CG`` (at most six letters)."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", series_id) if word]
    initials = "".join(word[0] for word in words if word[0].isalpha()).upper()
    return (initials or "GB")[:6]


def format_serial(*, prefix: str, year: int, session_number: int, sequence: int) -> str:
    """``CG-2026-012-0042``."""
    return f"{prefix}-{year:04d}-{session_number:03d}-{sequence:04d}"


def is_serial(text: str) -> bool:
    return bool(_SERIAL.match(text))


def new_verification_code(choose: Callable[[str], str]) -> str:
    """A fresh code, ``choose`` picking one character at a time (``secrets.choice``)."""
    return "".join(choose(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """``K7QM-4XPD-9RTA``: the stored code in groups, as printed and linked."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(text: str) -> str | None:
    """The stored form of a code someone typed or a link carried, or ``None`` if it is not one.

    Case, spaces and dashes do not matter. Codes never hold 0, 1, O, I or L, so text with
    any of them is not a code.
    """
    cleaned = re.sub(r"[\s\-_.]", "", text).upper()
    return cleaned if _CODE.match(cleaned) else None


def held_year(starts_at: dt.datetime, zone: dt.tzinfo) -> int:
    """The year a session was held in, where it was held."""
    return starts_at.astimezone(zone).year
