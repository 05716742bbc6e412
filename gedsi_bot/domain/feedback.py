"""Feedback after a session: the answers, what counts as an answer, and which themes to offer.

The feedback form asks three ratings (1–5), what was most useful (free text, may be skipped)
and a theme for a future session: one of the upcoming candidate themes or free text. Typed
answers are checked here, so the bot can ask again politely instead of storing noise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from gedsi_bot.domain.model import RegistrationStatus, SessionStatus, Theme

RATING_MIN, RATING_MAX = 1, 5
TEXT_MAX = 1000  # characters of free text kept
SUGGESTION_MAX = 200
THEME_CHOICES = 6  # candidate themes offered as buttons
_RATING = re.compile(r"^\s*([1-5])\s*(?:/\s*5|bintang|stars?|⭐+)?\s*[.!]?\s*$", re.IGNORECASE)
_STARS = re.compile(r"^\s*(⭐{1,5})\s*$")
# Who may give feedback: anyone who held a place when the session began.
MAY_GIVE_FEEDBACK = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW}
)


class Aspect(StrEnum):
    """The three ratings, in the order they are asked."""

    MATERIAL = "material"
    SPEAKER = "speaker"
    USEFULNESS = "usefulness"


class FeedbackProblem(StrEnum):
    """Why a typed answer is asked again (messages: locale ``aftercare.feedback.problem.*``)."""

    RATING = "rating"  # not a number from 1 to 5
    EMPTY = "empty"  # nothing but spaces, punctuation or emoji
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    REPEATED = "repeated"  # one character over and over: "aaaaaa", "......"


class InvalidFeedback(ValueError):  # noqa: N818 - reads as a sentence at the raise site
    def __init__(self, problem: FeedbackProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class FeedbackAnswers:
    """A feedback form, complete or on its way."""

    material: int | None = None
    speaker: int | None = None
    usefulness: int | None = None
    most_useful: str | None = None
    most_useful_answered: bool = False  # skipped counts as answered
    theme_id: str | None = None
    theme_text: str | None = None
    theme_answered: bool = False

    def rating(self, aspect: Aspect) -> int | None:
        value: int | None = getattr(self, aspect.value)
        return value

    def rated(self, aspect: Aspect, value: int) -> FeedbackAnswers:
        if not RATING_MIN <= value <= RATING_MAX:
            raise InvalidFeedback(FeedbackProblem.RATING)
        if aspect is Aspect.MATERIAL:
            return replace(self, material=value)
        if aspect is Aspect.SPEAKER:
            return replace(self, speaker=value)
        return replace(self, usefulness=value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "material": self.material,
            "speaker": self.speaker,
            "usefulness": self.usefulness,
            "most_useful": self.most_useful,
            "most_useful_answered": self.most_useful_answered,
            "theme_id": self.theme_id,
            "theme_text": self.theme_text,
            "theme_answered": self.theme_answered,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeedbackAnswers:
        def rating(key: str) -> int | None:
            value = data.get(key)
            ok = isinstance(value, int) and RATING_MIN <= value <= RATING_MAX
            return value if ok else None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            material=rating("material"),
            speaker=rating("speaker"),
            usefulness=rating("usefulness"),
            most_useful=text("most_useful"),
            most_useful_answered=data.get("most_useful_answered") is True,
            theme_id=text("theme_id"),
            theme_text=text("theme_text"),
            theme_answered=data.get("theme_answered") is True,
        )


class Step(StrEnum):
    """The questions of the feedback form, in order."""

    MATERIAL = "material"
    SPEAKER = "speaker"
    USEFULNESS = "usefulness"
    MOST_USEFUL = "most_useful"
    THEME = "theme"


def next_step(answers: FeedbackAnswers) -> Step | None:
    """The first question not yet answered, or ``None`` when the form is complete."""
    for aspect in Aspect:
        if answers.rating(aspect) is None:
            return Step(aspect.value)
    if not answers.most_useful_answered:
        return Step.MOST_USEFUL
    if not answers.theme_answered:
        return Step.THEME
    return None


def parse_rating(text: str) -> int:
    """A typed rating: "4", "4/5", "4 bintang", "⭐⭐⭐⭐"; ``InvalidFeedback`` otherwise."""
    stars = _STARS.match(text)
    if stars:
        return len(stars.group(1))
    found = _RATING.match(text)
    if found is None:
        raise InvalidFeedback(FeedbackProblem.RATING)
    return int(found.group(1))


def clean_text(text: str, *, limit: int = TEXT_MAX, minimum: int = 3) -> str:
    """Free text worth keeping, trimmed; ``InvalidFeedback`` for noise.

    Noise is text without letters or digits (only emoji, punctuation or spaces), text shorter
    than ``minimum`` letters, one character repeated, or more than ``limit`` characters.
    """
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    letters = [ch for ch in cleaned if ch.isalnum()]
    if not letters:
        raise InvalidFeedback(FeedbackProblem.EMPTY)
    if len(cleaned) > limit:
        raise InvalidFeedback(FeedbackProblem.TOO_LONG)
    if len(letters) < minimum:
        raise InvalidFeedback(FeedbackProblem.TOO_SHORT)
    if len({ch.casefold() for ch in letters}) == 1 and len(letters) > 2:
        raise InvalidFeedback(FeedbackProblem.REPEATED)
    return cleaned


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.split(r"[^\w]+", plain)).strip()


def theme_for_text(text: str, themes: Iterable[Theme]) -> str | None:
    """The catalog theme a typed suggestion names exactly (by title or id), if any.

    Typed suggestions that name a theme count for it in the planner's demand, as a tap would.
    """
    wanted = _folded(text)
    for theme in themes:
        if wanted in {_folded(theme.title), _folded(theme.id)}:
            return theme.id
    return None


def candidate_themes(
    themes: Sequence[Theme],
    *,
    taken: Iterable[str],
    demand: Mapping[str, int],
    limit: int = THEME_CHOICES,
) -> list[Theme]:
    """Themes a participant may vote for: not yet held or planned, most asked for first.

    ``taken`` are the themes of the series' sessions that are held, planned or published;
    ties keep the catalog's order.
    """
    used = set(taken)
    open_themes = [theme for theme in themes if theme.id not in used]
    order = {theme.id: index for index, theme in enumerate(themes)}
    open_themes.sort(key=lambda theme: (-demand.get(theme.id, 0), order[theme.id]))
    return open_themes[:limit]


def may_give_feedback(
    status: RegistrationStatus, *, session_status: SessionStatus, started: bool
) -> bool:
    """Feedback is for people who held a place in a session that has begun."""
    return (
        started and session_status is not SessionStatus.CANCELLED and status in MAY_GIVE_FEEDBACK
    )
