"""Who could stand in when a speaker or moderator declines — ranked, with reasons.

Every candidate meets the hard rules against the rest of the plan as it stands (drafts
included): the role, availability on the date, not already in the session, the person gap,
the quarter limit, and for speakers an expertise tag of the theme. The ranking follows the
planner's soft goals: expertise cover, fair load, gender balance and inclusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gedsi_bot.domain.model import Person, Role, Session, SessionStatus
from gedsi_bot.domain.plan_facts import FAIR_LOAD_LOOKBACK, PlanFacts
from gedsi_bot.domain.plan_model import DISABILITY_UNIT
from gedsi_bot.domain.plan_text import PlanText
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import DEFAULT_LANGUAGE, Language

SAME_SEX_BONUS = 2  # per gender-balance weight point: a stand-in keeps the session's balance


@dataclass(frozen=True, slots=True)
class Candidate:
    person_id: str
    role: Role
    score: int
    reasons: tuple[str, ...]


def propose_replacements(
    catalog: Catalog,
    *,
    session: Session,
    person_id: str,
    existing: Sequence[Session],
    limit: int = 5,
    language: Language = DEFAULT_LANGUAGE,
) -> list[Candidate]:
    """Up to ``limit`` people who could take ``person_id``'s role in ``session``, best first.

    ``existing`` is every stored session of the series (``session`` may be among them). The
    role is the one ``person_id`` holds in ``session``; an empty list means nobody fits.
    """
    role = next((p.role for p in session.people if p.person_id == person_id), None)
    if role is None:
        return []
    others = tuple(
        other
        for other in existing
        if other.id != session.id and other.status is not SessionStatus.CANCELLED
    )
    facts = PlanFacts(
        catalog=catalog,
        slots=(session.starts_at,),
        days=(session.starts_at.astimezone(catalog.series.zone).date(),),
        fixtures=others,
        drafts=(session,),  # its declined invitations rule those people out
        demand={},
    )
    staying = {p.person_id for p in session.people if p.person_id != person_id}
    theme = facts.theme_index(session.theme_id)
    text = PlanText(catalog, language)
    found = []
    for p, candidate in enumerate(facts.people):
        if candidate.id in staying or candidate.id == person_id:
            continue
        if facts.person_block(0, p, role) is not None:
            continue
        if role is Role.SPEAKER and (theme is None or p not in facts.compatible[theme]):
            continue
        found.append(_ranked(facts, text, session=session, p=p, role=role, leaving_id=person_id))
    found.sort(key=lambda item: (-item.score, facts.person_index(item.person_id) or 0))
    return found[:limit]


def _ranked(
    facts: PlanFacts, text: PlanText, *, session: Session, p: int, role: Role, leaving_id: str
) -> Candidate:
    weights = facts.rules.weights
    candidate = facts.people[p]
    reasons: list[str] = []
    score = 0
    if role is Role.SPEAKER:
        theme = facts.themes[facts.theme_index(session.theme_id) or 0]
        known = candidate.expertise & theme.tags
        score += weights.expertise * len(known)
        reasons.append(text.reason_expertise(known))
    load = _recent_load(facts, session, candidate)
    score -= weights.fair_load * load
    reasons.append(text("replace.load", count=load) if load else text("replace.no_load"))
    leaving = _person(facts, leaving_id)
    if leaving is not None and leaving.gender is candidate.gender:
        score += weights.gender_balance * SAME_SEX_BONUS
        reasons.append(text("replace.same_sex"))
    if role is Role.SPEAKER and candidate.has_disability:
        score += weights.disability_inclusion * DISABILITY_UNIT
        reasons.append(text.reason_disability())
    return Candidate(candidate.id, role, score, tuple(reasons))


def _recent_load(facts: PlanFacts, session: Session, person: Person) -> int:
    """Appearances in the year before the session and in the plan after it."""
    since = session.starts_at - FAIR_LOAD_LOOKBACK
    return sum(
        1
        for other in facts.fixtures
        if other.starts_at >= since
        and (person.id in other.speaker_ids or person.id == other.moderator_id)
    )


def _person(facts: PlanFacts, person_id: str) -> Person | None:
    index = facts.person_index(person_id)
    return None if index is None else facts.people[index]
