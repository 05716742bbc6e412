"""Participants' feedback: which session it is for, the themes to vote for, and saving it.

One feedback per registration: giving it again replaces the earlier answers (the form starts
from them), so a person can correct themselves and is never counted twice. A theme chosen
(or typed exactly as a catalog title) counts as a vote in the planner's demand score
(``store.demand.theme_demand``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from gedsi_bot.domain.feedback import (
    FeedbackAnswers,
    candidate_themes,
    may_give_feedback,
    next_step,
    theme_for_text,
)
from gedsi_bot.domain.model import RegistrationStatus, Session, Theme
from gedsi_bot.errors import InvalidInput, NotFound
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store.aftercare import (
    PlaceHeld,
    feedback_answers,
    lock_registration,
    places_of,
    save_feedback,
    themes_taken,
)
from gedsi_bot.store.demand import theme_demand

log = logging.getLogger(__name__)


class NoFeedbackPlace(InvalidInput):
    """The person has no place in a session (``number``, or any) that feedback is open for."""

    def __init__(self, number: int | None, *, not_started: bool = False) -> None:
        super().__init__(f"no feedback place for session {number}")
        self.number = number
        self.not_started = not_started  # registered, but the session has not begun


class IncompleteFeedback(InvalidInput):
    def __init__(self) -> None:
        super().__init__("feedback form is not complete")


@dataclass(frozen=True, slots=True)
class FeedbackTarget:
    """The registration a feedback form is for, and the answers it already has."""

    registration_id: int
    session: Session
    status: RegistrationStatus
    previous: FeedbackAnswers | None


def feedback_target(
    ctx: ServiceContext, *, telegram_user_id: int, number: int | None = None
) -> FeedbackTarget:
    """Session ``number``'s place of the person, or their latest session without feedback.

    ``NoFeedbackPlace`` when there is none that has begun.
    """
    now = ctx.clock.now()
    with ctx.database.read() as db:
        places = places_of(db, telegram_user_id=telegram_user_id, series_id=ctx.series_id)
    if number is not None:
        places = [place for place in places if place.session.number == number]
    open_places = [place for place in places if _open_for_feedback(place, now)]
    if not open_places:
        not_started = any(place.session.starts_at > now for place in places)
        raise NoFeedbackPlace(number, not_started=not_started)
    chosen = next((place for place in open_places if not place.has_feedback), open_places[0])
    with ctx.database.read() as db:
        previous = feedback_answers(db, registration_id=chosen.registration_id)
    return FeedbackTarget(
        registration_id=chosen.registration_id,
        session=chosen.session,
        status=chosen.status,
        previous=previous,
    )


def _open_for_feedback(place: PlaceHeld, now: dt.datetime) -> bool:
    session = place.session
    return may_give_feedback(
        place.status,
        session_status=session.status,
        started=session.starts_at <= now,
    )


def theme_choices(ctx: ServiceContext) -> list[Theme]:
    """Upcoming candidate themes to vote for: not yet held or planned, most asked-for first."""
    with ctx.database.read() as db:
        taken = themes_taken(db, series_id=ctx.series_id)
        demand = theme_demand(db, series_id=ctx.series_id)
    return candidate_themes(ctx.catalog.themes, taken=taken, demand=demand)


def with_typed_theme(ctx: ServiceContext, answers: FeedbackAnswers) -> FeedbackAnswers:
    """A typed suggestion that names a catalog theme counts as a vote for it."""
    if answers.theme_id is not None or not answers.theme_text:
        return answers
    theme_id = theme_for_text(answers.theme_text, ctx.catalog.themes)
    if theme_id is None:
        return answers
    return FeedbackAnswers(**{**answers.to_dict(), "theme_id": theme_id, "theme_text": None})


def submit_feedback(
    ctx: ServiceContext, *, telegram_user_id: int, registration_id: int, answers: FeedbackAnswers
) -> bool:
    """Store the person's complete feedback for one registration; ``True`` if it is the first.

    ``NotFound`` if the registration is not the person's; ``IncompleteFeedback`` if a question
    is unanswered.
    """
    if next_step(answers) is not None:
        raise IncompleteFeedback
    answers = with_typed_theme(ctx, answers)
    if answers.theme_id is not None and answers.theme_id not in {
        theme.id for theme in ctx.catalog.themes
    }:
        answers = FeedbackAnswers(**{**answers.to_dict(), "theme_id": None})
    with ctx.database.write() as db:
        places = places_of(db, telegram_user_id=telegram_user_id, series_id=ctx.series_id)
        if not any(place.registration_id == registration_id for place in places):
            raise NotFound(f"registration {registration_id} of this person")
        lock_registration(db, registration_id=registration_id)
        first = save_feedback(
            db, registration_id=registration_id, answers=answers, now=ctx.clock.now()
        )
    log.info("registration %s: feedback %s", registration_id, "given" if first else "updated")
    return first
