"""Registration rules: who may register, on what terms, and what is asked of them.

Everything here is pure. The registration conversation asks the first question
``next_question`` names; the service turns complete answers into a ``Profile`` with
``profile_from`` and decides each registration with ``decide``. A seat goes to whoever commits
first; the service takes the counts inside its transaction, so the rule below holds under any
concurrency.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from gedsi_bot.domain.areas import Areas
from gedsi_bot.domain.model import (
    AccessibilityNeed,
    AgeBand,
    Category,
    Disability,
    Participant,
    RegistrationStatus,
    Session,
    SessionStatus,
    Sex,
    age_band,
    age_in_year,
    is_child,
    may_still_be_child,
)
from gedsi_bot.domain.series import RegistrationOptions
from gedsi_bot.errors import InvalidInput

NAME_MIN = 3
NAME_MAX = 80
INSTITUTION_MIN = 2
INSTITUTION_MAX = 120
YOUNGEST_AGE = 5  # the children's forum starts young; a toddler does not register
OLDEST_AGE = 100

_APOSTROPHES = frozenset("'’ʼ`")
_HYPHENS = frozenset("-‐‑")
_NAME_PUNCTUATION = _APOSTROPHES | _HYPHENS | {"."}

_E = TypeVar("_E", bound=StrEnum)

# Statuses that hold a seat: attendance is recorded on registered people only.
SEAT_HOLDING = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW}
)
ACTIVE = SEAT_HOLDING | {RegistrationStatus.WAITLISTED}


# --- errors ---------------------------------------------------------------------------------


class RegistrationError(InvalidInput):
    """A registration cannot go ahead; ``reason`` names the locale message that explains why."""

    reason = "registration_error"


class InvalidAnswer(RegistrationError):  # noqa: N818 - reads as a sentence at the raise site
    """An answer to a registration question cannot be used; ``reason`` says why."""

    def __init__(self, question: Question, reason: str, **details: object) -> None:
        super().__init__(f"{question.value}: {reason}")
        self.question = question
        self.reason = reason
        self.details = details


class RegistrationClosed(RegistrationError):  # noqa: N818
    """The session no longer takes registrations (started, closed, cancelled or not published)."""

    reason = "closed"


class SessionFull(RegistrationError):  # noqa: N818
    """Every seat is taken and the series keeps no waitlist."""

    reason = "full"


class ConsentMissing(RegistrationError):  # noqa: N818
    """The privacy notice (or a guardian's consent, for a minor) has not been agreed to."""

    reason = "consent_missing"


class IncompleteAnswers(RegistrationError):  # noqa: N818
    """A question that must be answered has no answer yet."""

    reason = "incomplete"

    def __init__(self, question: Question) -> None:
        super().__init__(f"unanswered: {question.value}")
        self.question = question


# --- answers ----------------------------------------------------------------------------------


class Question(StrEnum):
    """The registration questions, in the order they are asked."""

    NAME = "name"
    SEX = "sex"
    BIRTH_YEAR = "birth_year"
    ADULT_CHECK = "adult_check"  # only for people who turn 18 this year
    GUARDIAN_NAME = "guardian_name"
    GUARDIAN_CONSENT = "guardian_consent"
    CATEGORY = "category"
    INSTITUTION = "institution"
    AREA = "area"
    DISABILITY_CONSENT = "disability_consent"
    DISABILITY = "disability"
    ACCESSIBILITY = "accessibility"


@dataclass(frozen=True, slots=True)
class Answers:
    """What a person has answered so far; ``None`` means not asked or not answered yet."""

    full_name: str | None = None
    sex: Sex | None = None
    birth_year: int | None = None
    is_adult: bool | None = None  # the answer to "are you 18 yet?" in the year one turns 18
    guardian_name: str | None = None
    guardian_consent: bool = False
    category: Category | None = None
    institution: str | None = None
    institution_answered: bool = False  # "none" is an answer: institution stays None
    area_code: str | None = None
    disability_consent: bool | None = None
    disability: Disability | None = None
    accessibility: frozenset[AccessibilityNeed] | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for conversation state that outlives the process."""
        return {
            "full_name": self.full_name,
            "sex": self.sex.value if self.sex else None,
            "birth_year": self.birth_year,
            "is_adult": self.is_adult,
            "guardian_name": self.guardian_name,
            "guardian_consent": self.guardian_consent,
            "category": self.category.value if self.category else None,
            "institution": self.institution,
            "institution_answered": self.institution_answered,
            "area_code": self.area_code,
            "disability_consent": self.disability_consent,
            "disability": self.disability.value if self.disability else None,
            "accessibility": (
                None if self.accessibility is None else sorted(n.value for n in self.accessibility)
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Answers:
        """The answers ``to_dict`` wrote; unknown or malformed values read as unanswered."""

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        def flag(key: str) -> bool | None:
            value = data.get(key)
            return value if isinstance(value, bool) else None

        def member(enum: type[_E], key: str) -> _E | None:
            value = data.get(key)
            try:
                return enum(value) if isinstance(value, str) else None
            except ValueError:
                return None

        year = data.get("birth_year")
        needs = data.get("accessibility")
        accessibility: frozenset[AccessibilityNeed] | None = None
        if isinstance(needs, list):
            accessibility = frozenset(
                AccessibilityNeed(n) for n in needs if n in AccessibilityNeed._value2member_map_
            )
        return cls(
            full_name=text("full_name"),
            sex=member(Sex, "sex"),
            birth_year=year if isinstance(year, int) and not isinstance(year, bool) else None,
            is_adult=flag("is_adult"),
            guardian_name=text("guardian_name"),
            guardian_consent=flag("guardian_consent") is True,
            category=member(Category, "category"),
            institution=text("institution"),
            institution_answered=flag("institution_answered") is True,
            area_code=text("area_code"),
            disability_consent=flag("disability_consent"),
            disability=member(Disability, "disability"),
            accessibility=accessibility,
        )


def is_minor(answers: Answers, today: dt.date) -> bool:
    """Whether the person is under 18 today, as far as the answers tell."""
    if answers.birth_year is None:
        return False
    if is_child(answers.birth_year, today):
        return True
    if may_still_be_child(answers.birth_year, today):
        return answers.is_adult is False
    return False


def pending_questions(
    answers: Answers, options: RegistrationOptions, today: dt.date
) -> list[Question]:
    """Every question still to be answered, in the order they are asked."""
    year = answers.birth_year
    minor = is_minor(answers, today)
    unanswered = {
        Question.NAME: answers.full_name is None,
        Question.SEX: answers.sex is None,
        Question.BIRTH_YEAR: year is None,
        Question.ADULT_CHECK: year is not None
        and may_still_be_child(year, today)
        and answers.is_adult is None,
        Question.GUARDIAN_NAME: minor and answers.guardian_name is None,
        Question.GUARDIAN_CONSENT: minor and not answers.guardian_consent,
        Question.CATEGORY: answers.category is None,
        Question.INSTITUTION: options.ask_institution and not answers.institution_answered,
        Question.AREA: options.ask_area and answers.area_code is None,
        Question.DISABILITY_CONSENT: options.ask_disability and answers.disability_consent is None,
        Question.DISABILITY: options.ask_disability
        and answers.disability_consent is True
        and answers.disability is None,
        Question.ACCESSIBILITY: options.ask_accessibility and answers.accessibility is None,
    }
    return [question for question in Question if unanswered[question]]


def next_question(
    answers: Answers, options: RegistrationOptions, today: dt.date
) -> Question | None:
    """The question to ask now, or ``None`` when the answers are complete."""
    pending = pending_questions(answers, options, today)
    return pending[0] if pending else None


_GUARDIAN_RESET: Mapping[str, Any] = {"guardian_name": None, "guardian_consent": False}
_RESETS: Mapping[Question, Mapping[str, Any]] = {
    Question.NAME: {"full_name": None},
    Question.SEX: {"sex": None},
    Question.BIRTH_YEAR: {"birth_year": None, "is_adult": None, **_GUARDIAN_RESET},
    Question.ADULT_CHECK: {"is_adult": None, **_GUARDIAN_RESET},
    Question.GUARDIAN_NAME: _GUARDIAN_RESET,
    Question.GUARDIAN_CONSENT: _GUARDIAN_RESET,
    Question.CATEGORY: {"category": None},
    Question.INSTITUTION: {"institution": None, "institution_answered": False},
    Question.AREA: {"area_code": None},
    Question.DISABILITY_CONSENT: {"disability_consent": None, "disability": None},
    Question.DISABILITY: {"disability_consent": None, "disability": None},
    Question.ACCESSIBILITY: {"accessibility": None},
}


def forget(answers: Answers, question: Question) -> Answers:
    """The answers without ``question``'s (and those depending on it), so it is asked again."""
    return replace(answers, **_RESETS[question])


# --- validating single answers ----------------------------------------------------------------


def clean_text(text: str) -> str:
    """``text`` in NFC with runs of whitespace collapsed to one space and the ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in {"L", "M"}


def validate_name(text: str, question: Question = Question.NAME) -> str:
    """A person's name as it will stand on the certificate.

    Letters of any script, spaces, apostrophes, dots and hyphens; 3–80 characters; it starts
    with a letter. ``InvalidAnswer`` with reason ``too_short``, ``too_long`` or ``characters``.
    """
    name = clean_text(text)
    if len(name) < NAME_MIN:
        raise InvalidAnswer(question, "name_too_short", minimum=NAME_MIN)
    if len(name) > NAME_MAX:
        raise InvalidAnswer(question, "name_too_long", maximum=NAME_MAX)
    allowed = all(_is_letter(char) or char == " " or char in _NAME_PUNCTUATION for char in name)
    if not allowed or not _is_letter(name[0]):
        raise InvalidAnswer(question, "name_characters")
    if sum(1 for char in name if _is_letter(char)) < 2:
        raise InvalidAnswer(question, "name_characters")
    return name


def validate_institution(text: str) -> str:
    """An institution's name: 2–120 printable characters."""
    name = clean_text(text)
    if len(name) < INSTITUTION_MIN:
        raise InvalidAnswer(Question.INSTITUTION, "institution_too_short", minimum=INSTITUTION_MIN)
    if len(name) > INSTITUTION_MAX:
        raise InvalidAnswer(Question.INSTITUTION, "institution_too_long", maximum=INSTITUTION_MAX)
    if any(unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs"} for char in name):
        raise InvalidAnswer(Question.INSTITUTION, "institution_characters")
    return name


def parse_birth_year(text: str, *, today: dt.date) -> int:
    """A plausible year of birth (aged 5–100 this year) from what the person typed."""
    cleaned = text.strip()
    if not (len(cleaned) == 4 and cleaned.isascii() and cleaned.isdigit()):
        raise InvalidAnswer(Question.BIRTH_YEAR, "year_format")
    year = int(cleaned)
    age = age_in_year(year, today)
    if age < YOUNGEST_AGE:
        raise InvalidAnswer(
            Question.BIRTH_YEAR, "year_too_recent", latest=today.year - YOUNGEST_AGE
        )
    if age > OLDEST_AGE:
        raise InvalidAnswer(
            Question.BIRTH_YEAR, "year_too_early", earliest=today.year - OLDEST_AGE
        )
    return year


def validate_area(code: str, areas: Areas) -> str:
    if not areas.is_valid_area(code):
        raise InvalidAnswer(Question.AREA, "area_unknown")
    return code


# --- the complete profile ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """A complete, validated set of answers, ready to be stored on the participant."""

    full_name: str
    sex: Sex
    birth_year: int
    category: Category
    institution: str | None
    area_code: str | None
    disability_consent: bool
    disability: Disability | None
    accessibility_needs: frozenset[AccessibilityNeed] = field(default_factory=frozenset)
    minor: bool = False
    guardian_name: str | None = None


def profile_from(answers: Answers, options: RegistrationOptions, today: dt.date) -> Profile:
    """The profile the answers make; ``IncompleteAnswers`` if a question is still open."""
    question = next_question(answers, options, today)
    if question is not None:
        raise IncompleteAnswers(question)
    assert answers.full_name is not None
    assert answers.sex is not None
    assert answers.birth_year is not None
    assert answers.category is not None
    minor = is_minor(answers, today)
    consented = bool(options.ask_disability and answers.disability_consent)
    return Profile(
        full_name=answers.full_name,
        sex=answers.sex,
        birth_year=answers.birth_year,
        category=answers.category,
        institution=answers.institution if options.ask_institution else None,
        area_code=answers.area_code if options.ask_area else None,
        disability_consent=consented,
        disability=answers.disability if consented else None,
        accessibility_needs=(answers.accessibility or frozenset())
        if options.ask_accessibility
        else frozenset(),
        minor=minor,
        guardian_name=answers.guardian_name if minor else None,
    )


def answers_from_participant(participant: Participant, today: dt.date) -> Answers:
    """The answers a stored participant gave, to re-use or correct them."""
    is_adult: bool | None = None
    if participant.birth_year is not None and may_still_be_child(participant.birth_year, today):
        # Someone who turns 18 this year and registered with a guardian's consent said they
        # were not 18 yet; anyone else in that year told us they were.
        is_adult = participant.guardian_consent_at is None
    return Answers(
        full_name=participant.full_name,
        sex=participant.sex,
        birth_year=participant.birth_year,
        is_adult=is_adult,
        guardian_name=participant.guardian_name,
        guardian_consent=participant.guardian_consent_at is not None,
        category=participant.category,
        institution=participant.institution,
        institution_answered=participant.full_name is not None,
        area_code=participant.area_code,
        disability_consent=participant.disability is not None,
        disability=participant.disability,
        accessibility=participant.accessibility_needs,
    )


def can_reuse(participant: Participant, options: RegistrationOptions, today: dt.date) -> bool:
    """Whether a returning participant can register with one tap on the data held."""
    if participant.consent_version != options.consent_version:
        return False
    answers = answers_from_participant(participant, today)
    return next_question(answers, options, today) is None


# --- deciding a registration ------------------------------------------------------------------


def capacity_of(session: Session, series_capacity: int) -> int:
    """The seats of a session: its own capacity, else the series'."""
    return session.capacity if session.capacity is not None else series_capacity


def registration_closes_at(session: Session, options: RegistrationOptions) -> dt.datetime:
    return session.starts_at - options.closes_before_start


def is_open(session: Session, options: RegistrationOptions, now: dt.datetime) -> bool:
    """Whether ``session`` takes registrations at ``now``."""
    return session.status is SessionStatus.PUBLISHED and now < registration_closes_at(
        session, options
    )


def decide(
    *,
    session: Session,
    options: RegistrationOptions,
    capacity: int,
    seats_taken: int,
    now: dt.datetime,
) -> RegistrationStatus:
    """Registered while seats remain, else waitlisted (or ``SessionFull`` without a waitlist).

    ``RegistrationClosed`` if the session takes no registrations at ``now``.
    """
    if not is_open(session, options, now):
        raise RegistrationClosed(f"session {session.id} is not open")
    if seats_taken < capacity:
        return RegistrationStatus.REGISTERED
    if options.waitlist:
        return RegistrationStatus.WAITLISTED
    raise SessionFull(f"session {session.id} is full")


def seats_to_promote(*, capacity: int, seats_taken: int, waiting: int) -> int:
    """How many people move up from the waitlist now."""
    return max(0, min(capacity - seats_taken, waiting))


# --- the snapshot for reports ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Who a registrant was, without identifying them: what the reports count."""

    sex: Sex | None
    age_band: AgeBand | None
    is_child: bool | None
    category: Category | None
    area_code: str | None
    disability: Disability | None


def snapshot_of(participant: Participant, *, on: dt.date) -> Snapshot:
    """The report snapshot of ``participant`` for a session held on ``on``."""
    band: AgeBand | None = None
    child: bool | None = None
    if participant.birth_year is not None:
        band = age_band(participant.birth_year, on)
        child = is_child(participant.birth_year, on) or (
            may_still_be_child(participant.birth_year, on)
            and participant.guardian_consent_at is not None
        )
    return Snapshot(
        sex=participant.sex,
        age_band=band,
        is_child=child,
        category=participant.category,
        area_code=participant.area_code,
        disability=participant.disability,
    )
