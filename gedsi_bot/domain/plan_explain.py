"""Why a plan is impossible, and why a draft moved — in words the planning team can act on.

Pre-checks catch the plain cases quickly and precisely (a date without any moderator, a date
no theme can be given on, too few themes for a stretch of sessions). What they miss is found
by solving the elastic form of the model: every counting rule may bend at a price, and the
cheapest bending names the rules that block the plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from gedsi_bot.domain.model import Role, Session
from gedsi_bot.domain.plan_facts import Blocker, PersonBlock, PlanFacts, quarter_of
from gedsi_bot.domain.plan_model import Assignment, Breach, Rule
from gedsi_bot.domain.plan_solve import StagedResult
from gedsi_bot.domain.plan_text import PlanText

MAX_LINES = 8  # problems listed before "…and N more"
MAX_BLOCKED = 4  # people named in one "no moderator" line
MAX_THEMES_NAMED = 2


def theme_notes(facts: PlanFacts, text: PlanText) -> list[str]:
    """Themes no speaker in the catalog can give, worth telling even when a plan exists."""
    return [
        text("note.theme_without_speaker", theme=text.theme(theme.id))
        for t, theme in enumerate(facts.themes)
        if not facts.compatible[t]
    ]


# --- pre-checks ---------------------------------------------------------------------------------


def precheck(facts: PlanFacts, text: PlanText) -> list[str]:
    """Problems visible without searching; an empty list means "go and solve"."""
    problems: list[str] = []
    for s in range(len(facts.slots)):
        if not any(facts.moderator_ok[s]):
            problems.append(_no_moderator(facts, text, s))
        if not any(facts.theme_ok[s]):
            problems.append(_no_theme(facts, text, s))
    if not problems:
        problems.extend(_too_few_themes(facts, text))
    return _capped(problems, text)


def _capped(problems: list[str], text: PlanText) -> list[str]:
    if len(problems) <= MAX_LINES:
        return problems
    return [*problems[:MAX_LINES], text.more_problems(len(problems) - MAX_LINES)]


def _no_moderator(facts: PlanFacts, text: PlanText, s: int) -> str:
    when = text.when(facts.slots[s])
    candidates = [p for p, person in enumerate(facts.people) if person.can_moderate]
    if not candidates:
        return text("problem.no_moderator_at_all", when=when)
    blocked = []
    for p in candidates:
        block = facts.person_block(s, p, Role.MODERATOR)
        if block is not None:
            blocked.append(_blocked(facts, text, p, block))
    if len(blocked) > MAX_BLOCKED:
        blocked = [*blocked[:MAX_BLOCKED], "…"]
    return text("problem.no_moderator", when=when, detail="; ".join(blocked))


def _blocked(facts: PlanFacts, text: PlanText, p: int, block: PersonBlock) -> str:
    person = facts.people[p].name
    if block.blocker is Blocker.GAP and block.other_day is not None:
        return text(
            "problem.blocked_gap",
            person=person,
            date=text.short_day(block.other_day),
            weeks=facts.rules.min_gap_weeks,
        )
    if block.blocker is Blocker.QUARTER:
        return text("problem.blocked_quarter", person=person, limit=block.limit)
    if block.blocker is Blocker.DECLINED:
        return text("problem.blocked_declined", person=person)
    return text("problem.blocked_unavailable", person=person)


def _no_theme(facts: PlanFacts, text: PlanText, s: int) -> str:
    when = text.when(facts.slots[s])
    seasonal = [t for t in range(len(facts.themes)) if facts.out_of_season(s, t)]
    repeated = [
        t for t in range(len(facts.themes)) if t not in seasonal and facts.theme_repeat_block(s, t)
    ]
    lacking = [
        t
        for t in range(len(facts.themes))
        if t not in repeated and facts.theme_block(s, t) == "speakers"
    ]
    parts = []
    if seasonal:
        parts.append(text("problem.detail_out_of_season", count=len(seasonal)))
    if repeated:
        parts.append(
            text(
                "problem.detail_repeated",
                count=len(repeated),
                months=facts.rules.theme_repeat_months,
            )
        )
    if lacking:
        month = text.month(facts.days[s])
        parts.extend(
            text(
                "problem.detail_theme_no_speaker",
                theme=text.theme(facts.themes[t].id),
                month=month,
            )
            for t in lacking[:MAX_THEMES_NAMED]
        )
        if len(lacking) > MAX_THEMES_NAMED:
            parts.append(text("problem.detail_more_themes", count=len(lacking) - MAX_THEMES_NAMED))
    available = {p for t in range(len(facts.themes)) for p in facts.available_speakers(s, t)}
    if lacking and 0 < len(available) < facts.min_speakers:
        # Speakers there are, but fewer than a session needs.
        parts.append(
            text(
                "problem.detail_few_speakers",
                available=len(available),
                min=facts.min_speakers,
            )
        )
    return text("problem.no_theme", when=when, detail="; ".join(parts))


def _too_few_themes(facts: PlanFacts, text: PlanText) -> list[str]:
    """A stretch of sessions within the theme gap that has fewer usable themes than sessions."""
    usable = [
        frozenset(t for t in range(len(facts.themes)) if facts.theme_ok[s][t])
        for s in range(len(facts.slots))
    ]
    windows = facts.theme_windows() if facts.rules.theme_repeat_months else []
    for window in windows:
        themes = frozenset().union(*(usable[s] for s in window))
        if len(themes) < len(window):
            return [
                text(
                    "problem.few_themes",
                    sessions=len(window),
                    first=text.short_day(facts.days[window[0]]),
                    last=text.short_day(facts.days[window[-1]]),
                    themes=len(themes),
                    months=facts.rules.theme_repeat_months,
                )
            ]
    return []


# --- the elastic diagnosis ----------------------------------------------------------------------


def explain_breaches(facts: PlanFacts, text: PlanText, result: StagedResult) -> list[str]:
    """Put the rules the elastic model had to bend into words, one line each."""
    lines: list[str] = []
    for breach in result.breaches:
        line = _breach_line(facts, text, result, breach)
        if line not in lines:
            lines.append(line)
    return _capped(lines or [text("problem.unexplained")], text)


def _breach_line(facts: PlanFacts, text: PlanText, result: StagedResult, breach: Breach) -> str:
    if breach.rule in (Rule.GAP, Rule.QUARTER):
        return _person_breach(facts, text, result, breach)
    if breach.rule is Rule.THEME_REPEAT:
        return _theme_breach(facts, text, result, breach)
    rules = facts.rules
    when = text.when(facts.slots[breach.slots[0]])
    if breach.rule is Rule.NO_THEME:
        return text("problem.missing_theme", when=when)
    if breach.rule is Rule.FEW_SPEAKERS:
        return text("problem.missing_speakers", when=when, min=rules.min_speakers)
    if breach.rule is Rule.NO_MODERATOR:
        return text("problem.missing_moderator", when=when)
    assert breach.group is not None
    return text(
        "problem.group_run",
        limit=rules.max_consecutive_group,
        group=text.group(breach.group),
        first=text.short_day(facts.days[breach.slots[0]]),
        last=text.short_day(facts.days[breach.slots[-1]]),
    )


def _person_breach(facts: PlanFacts, text: PlanText, result: StagedResult, breach: Breach) -> str:
    assert breach.person is not None
    used = [
        (s, result.roles[s, breach.person])
        for s in breach.slots
        if (s, breach.person) in result.roles
    ]
    role = text.role(_main_role(used))
    days = [facts.days[s] for s, _ in used] or [facts.days[s] for s in breach.slots]
    person = facts.people[breach.person].name
    if breach.rule is Rule.GAP:
        return text(
            "problem.gap",
            weeks=facts.rules.min_gap_weeks,
            person=person,
            role=role,
            first=text.short_day(days[0]),
            last=text.short_day(days[-1]),
        )
    year, quarter = quarter_of(days[0])
    return text(
        "problem.quarter",
        limit=facts.person_limit(facts.people[breach.person]),
        person=person,
        role=role,
        quarter=quarter,
        year=year,
    )


def _theme_breach(facts: PlanFacts, text: PlanText, result: StagedResult, breach: Breach) -> str:
    assert breach.theme is not None
    days = [
        facts.days[s] for s in breach.slots if result.themes_in_diagnosis.get(s) == breach.theme
    ] or [facts.days[s] for s in breach.slots]
    return text(
        "problem.theme_repeat",
        theme=text.theme(facts.themes[breach.theme].id),
        first=text.short_day(days[0]),
        last=text.short_day(days[-1]),
        months=facts.rules.theme_repeat_months,
    )


def _main_role(used: Sequence[tuple[int, Role]]) -> Role:
    counts: dict[Role, int] = defaultdict(int)
    for _, role in used:
        counts[role] += 1
    return max((Role.MODERATOR, Role.SPEAKER), key=lambda role: counts[role])


# --- what changed in a draft, and why -----------------------------------------------------------


def change_what(facts: PlanFacts, text: PlanText, draft: Session, assignment: Assignment) -> str:
    parts = []
    theme_id = facts.themes[assignment.theme].id
    if draft.theme_id != theme_id:
        parts.append(
            text("change.theme", old=text.theme(draft.theme_id), new=text.theme(theme_id))
        )
    speakers = tuple(facts.people[p].id for p in assignment.speakers)
    if set(draft.speaker_ids) != set(speakers):
        parts.append(
            text(
                "change.speakers",
                old=text.people(draft.speaker_ids),
                new=text.people(speakers),
            )
        )
    moderator = facts.people[assignment.moderator].id if assignment.moderator is not None else None
    if draft.moderator_id != moderator:
        parts.append(
            text(
                "change.moderator",
                old=text.person(draft.moderator_id),
                new=text.person(moderator),
            )
        )
    return "; ".join(parts)


def change_reasons(
    facts: PlanFacts, text: PlanText, s: int, draft: Session, assignment: Assignment
) -> str:
    """Why the new plan could not keep ``draft`` as it was, as specific as the facts allow."""
    reasons: list[str] = []
    t = facts.theme_index(draft.theme_id)
    if t is None:
        reasons.append(text("why.theme_gone", theme=draft.theme_id))
    elif t != assignment.theme:
        use = facts.theme_repeat_block(s, t)
        if facts.out_of_season(s, t):
            reasons.append(text("why.out_of_season", theme=text.theme(draft.theme_id)))
        elif use is not None:
            reasons.append(
                text(
                    "why.theme_repeat",
                    theme=text.theme(draft.theme_id),
                    date=text.short_day(use.day),
                    months=facts.rules.theme_repeat_months,
                )
            )
        elif facts.theme_block(s, t) == "speakers":
            reasons.append(text("why.theme_no_speaker", theme=text.theme(draft.theme_id)))
    kept_speakers = {facts.people[p].id for p in assignment.speakers}
    kept_moderator = (
        facts.people[assignment.moderator].id if assignment.moderator is not None else None
    )
    wanted = [(person_id, Role.SPEAKER) for person_id in draft.speaker_ids]
    if draft.moderator_id is not None:
        wanted.append((draft.moderator_id, Role.MODERATOR))
    for person_id, role in wanted:
        stayed = (
            person_id in kept_speakers if role is Role.SPEAKER else person_id == kept_moderator
        )
        if stayed:
            continue
        reason = _person_reason(facts, text, slot=s, person_id=person_id, role=role, theme=t)
        if reason is not None:
            reasons.append(reason)
    return "; ".join(reasons) if reasons else text("why.elsewhere")


_WHY = {
    Blocker.ROLE: "why.role",
    Blocker.DECLINED: "why.declined",
    Blocker.GAP: "why.gap",
    Blocker.QUARTER: "why.quarter",
    Blocker.UNAVAILABLE: "why.unavailable",
}


def _person_reason(
    facts: PlanFacts, text: PlanText, *, slot: int, person_id: str, role: Role, theme: int | None
) -> str | None:
    p = facts.person_index(person_id)
    if p is None:
        return text("why.person_gone", person=person_id)
    name = facts.people[p].name
    block = facts.person_block(slot, p, role)
    if block is None:
        if role is Role.SPEAKER and theme is not None and p not in facts.compatible[theme]:
            return text("why.expertise", person=name)
        return None
    return text(
        _WHY[block.blocker],
        person=name,
        role=text.role(role),
        date=text.short_day(block.other_day) if block.other_day else "",
        weeks=facts.rules.min_gap_weeks,
        limit=block.limit,
    )
