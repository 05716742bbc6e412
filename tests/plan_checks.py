"""An independent reading of the planner's rules, for tests: hard-rule checks and brute force.

Nothing here uses the CP-SAT models. The checks re-read the catalog rules from scratch; the
brute force enumerates every plan of a tiny instance and scores it with the objective the
planner documents (themes first, then people), using ``PlanFacts`` only for the primitive
per-date values (commemoration marks, staffing potential, demand level).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence

from gedsi_bot.domain.model import Role, Session, SessionStatus, Sex, ThemeGroup
from gedsi_bot.domain.plan_facts import (
    LEVEL_MONTH,
    LEVEL_NEAR,
    PlanFacts,
    quarter_of,
    too_soon_for_person,
    too_soon_for_theme,
)
from gedsi_bot.domain.plan_model import DISABILITY_UNIT, GROUP_UNIT, WOMEN_UNIT, pairs
from gedsi_bot.domain.planner import PlannedSession
from gedsi_bot.domain.series import Catalog

Staffing = tuple[tuple[str, ...], str]  # speakers, moderator


def _day(catalog: Catalog, moment: dt.datetime) -> dt.date:
    return moment.astimezone(catalog.series.zone).date()


def _people(speakers: Sequence[str], moderator: str | None) -> list[str]:
    return [*speakers, *([moderator] if moderator else [])]


Entry = tuple[dt.date, str, tuple[str, ...], str | None, bool]  # day, theme, people, planned?


def hard_violations(
    catalog: Catalog, planned: Sequence[PlannedSession], fixtures: Sequence[Session]
) -> list[str]:
    """Every hard rule a plan breaks, in words; fixtures count for every counting rule."""
    entries: list[Entry] = [
        (_day(catalog, item.starts_at), item.theme_id, item.speaker_ids, item.moderator_id, True)
        for item in planned
    ] + [
        (_day(catalog, s.starts_at), s.theme_id, s.speaker_ids, s.moderator_id, False)
        for s in fixtures
        if s.status is not SessionStatus.CANCELLED
    ]
    found: list[str] = []
    for entry in entries:
        if entry[4]:
            found.extend(_session_violations(catalog, entry))
    found.extend(_pair_violations(catalog, entries))
    found.extend(_quarter_violations(catalog, entries))
    found.extend(_run_violations(catalog, entries))
    return found


def _session_violations(catalog: Catalog, entry: Entry) -> list[str]:
    rules = catalog.planning
    day, theme_id, speakers, moderator, _ = entry
    theme = catalog.theme(theme_id)
    found = []
    if not rules.min_speakers <= len(speakers) <= rules.max_speakers:
        found.append(f"{day}: {len(speakers)} speakers")
    if moderator is None or not catalog.person(moderator).can_moderate:
        found.append(f"{day}: no moderator")
    everyone = _people(speakers, moderator)
    if len(set(everyone)) != len(everyone):
        found.append(f"{day}: someone twice")
    found.extend(
        f"{day}: {person_id} cannot speak on {theme_id}"
        for person_id in speakers
        if not catalog.person(person_id).can_speak
        or not catalog.person(person_id).expertise & theme.tags
    )
    found.extend(
        f"{day}: {person_id} unavailable"
        for person_id in everyone
        if not catalog.person(person_id).availability.allows(day)
    )
    if theme.months_only and day.month not in theme.preferred_months:
        found.append(f"{day}: theme {theme_id} out of its months")
    last_used = theme.last_used
    if last_used is not None and too_soon_for_theme(
        min(last_used, day), max(last_used, day), rules.theme_repeat_months
    ):
        found.append(f"theme {theme_id} repeated after last use {last_used}")
    return found


def _pair_violations(catalog: Catalog, entries: Sequence[Entry]) -> list[str]:
    rules = catalog.planning
    found = []
    for a, b in itertools.combinations(entries, 2):
        if not (a[4] or b[4]):
            continue
        shared = set(_people(a[2], a[3])) & set(_people(b[2], b[3]))
        if shared and (a[0] == b[0] or too_soon_for_person(a[0], b[0], rules.min_gap_weeks)):
            found.append(f"gap broken by {sorted(shared)} on {a[0]} and {b[0]}")
        first, second = sorted((a[0], b[0]))
        if a[1] == b[1] and (
            first == second or too_soon_for_theme(first, second, rules.theme_repeat_months)
        ):
            found.append(f"theme {a[1]} repeated on {first} and {second}")
    return found


def _quarter_violations(catalog: Catalog, entries: Sequence[Entry]) -> list[str]:
    load: dict[tuple[str, tuple[int, int]], list[bool]] = defaultdict(list)
    for day, _, speakers, moderator, is_planned in entries:
        for person_id in _people(speakers, moderator):
            load[person_id, quarter_of(day)].append(is_planned)
    found = []
    for (person_id, quarter), marks in load.items():
        limit = catalog.person(person_id).max_per_quarter or catalog.planning.max_per_quarter
        if len(marks) > limit and any(marks):
            found.append(f"{person_id} {len(marks)} times in {quarter}")
    return found


def _run_violations(catalog: Catalog, entries: Sequence[Entry]) -> list[str]:
    ordered = sorted(entries, key=lambda e: e[0])
    size = catalog.planning.max_consecutive_group + 1
    found = []
    for start in range(len(ordered) - size + 1):
        run = ordered[start : start + size]
        groups = {_group(catalog, e[1]) for e in run}
        if len(groups) == 1 and None not in groups and any(e[4] for e in run):
            found.append(f"{size} sessions in a row of one group from {run[0][0]}")
    return found


def _group(catalog: Catalog, theme_id: str) -> ThemeGroup | None:
    try:
        return catalog.theme(theme_id).group
    except KeyError:
        return None


# --- brute force --------------------------------------------------------------------------------


def staffings(facts: PlanFacts, s: int, t: int) -> Iterator[Staffing]:
    """Every team for slot ``s`` with theme ``t`` that the slot's own rules allow."""
    rules = facts.rules
    speakers = [facts.people[p].id for p in sorted(facts.compatible[t]) if facts.speaker_ok[s][p]]
    moderators = [person.id for p, person in enumerate(facts.people) if facts.moderator_ok[s][p]]
    for size in range(rules.min_speakers, rules.max_speakers + 1):
        for team in itertools.combinations(speakers, size):
            for moderator in moderators:
                if moderator not in team:
                    yield team, moderator


def people_rules_hold(facts: PlanFacts, plan: Sequence[Staffing]) -> bool:
    """Gap and quarter rules between the slots (fixtures are already in ``PlanFacts``)."""
    rules = facts.rules
    for a, b in itertools.combinations(range(len(plan)), 2):
        if set(_people(*plan[a])) & set(_people(*plan[b])) and too_soon_for_person(
            facts.days[a], facts.days[b], rules.min_gap_weeks
        ):
            return False
    count: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    for s, staffing in enumerate(plan):
        for person_id in _people(*staffing):
            p = facts.person_index(person_id)
            assert p is not None
            count[p, quarter_of(facts.days[s])] += 1
    for (p, quarter), used in count.items():
        person = facts.people[p]
        room = facts.quarter_room.get((p, quarter), facts.person_limit(person))
        if used > room:
            return False
    return True


def theme_rules_hold(facts: PlanFacts, themes: Sequence[int]) -> bool:
    rules = facts.rules
    for a, b in itertools.combinations(range(len(themes)), 2):
        if themes[a] == themes[b] and too_soon_for_theme(
            facts.days[a], facts.days[b], rules.theme_repeat_months
        ):
            return False
    timeline = sorted(
        [(item.day, item.group) for item in facts.timeline if item.slot is None]
        + [(facts.days[s], facts.themes[t].group) for s, t in enumerate(themes)],
        key=lambda item: item[0],
    )
    size = rules.max_consecutive_group + 1
    for start in range(len(timeline) - size + 1):
        groups = {group for _, group in timeline[start : start + size]}
        if len(groups) == 1 and None not in groups:
            slot_days = set(facts.days)
            if any(day in slot_days for day, _ in timeline[start : start + size]):
                return False
    return True


def theme_objective(facts: PlanFacts, themes: Sequence[int]) -> int:
    """The theme stage's objective, as the planner documents it."""
    weights = facts.rules.weights
    total = sum(facts.theme_value(s, t) for s, t in enumerate(themes))
    target = facts.disability_target()
    if weights.disability_inclusion and target > 0:
        possible = sum(facts.disabled_speaker_possible(s, t) for s, t in enumerate(themes))
        total += weights.disability_inclusion * DISABILITY_UNIT * min(target, possible)
    best: dict[tuple[str, int], int] = {}
    for s, t in enumerate(themes):
        for mark in facts.marks(s, t):
            best[mark.occurrence] = max(best.get(mark.occurrence, 0), mark.level)
    for occurrence, level in best.items():
        done = facts.fixture_marks.get(occurrence, 0)
        total += weights.commemoration * max(0, level - done)
    if weights.group_balance:
        sessions = len(themes) + facts.period_fixtures
        low, high = sessions // 3, -(-sessions // 3)
        for group in ThemeGroup:
            count = sum(1 for t in themes if facts.themes[t].group is group)
            count += facts.period_group_counts.get(group, 0)
            total -= weights.group_balance * GROUP_UNIT * max(0, count - high, low - count)
    assert LEVEL_NEAR > LEVEL_MONTH
    return total


def people_objective(facts: PlanFacts, themes: Sequence[int], plan: Sequence[Staffing]) -> int:
    """The people stage's objective for ``plan`` on ``themes``, as the planner documents it."""
    weights = facts.rules.weights
    total = 0
    for s, (speakers, _) in enumerate(plan):
        known: set[str] = set()
        for person_id in speakers:
            known |= facts.people[facts.person_index(person_id) or 0].expertise
        total += weights.expertise * len(facts.themes[themes[s]].tags & known)
    target = facts.disability_target()
    with_disability = sum(
        any(facts.people[facts.person_index(i) or 0].has_disability for i in speakers)
        for speakers, _ in plan
    )
    candidates_with_disability = sum(
        any(facts.people[p].has_disability and facts.speaker_ok[s][p] for p in facts.compatible[t])
        for s, t in enumerate(themes)
    )
    if weights.disability_inclusion and target > 0 and candidates_with_disability:
        total += weights.disability_inclusion * DISABILITY_UNIT * min(target, with_disability)
    load: dict[int, int] = defaultdict(int)
    for staffing in plan:
        for person_id in _people(*staffing):
            load[facts.person_index(person_id) or 0] += 1
    for p, used in load.items():
        base = facts.fixture_load[p]
        total -= weights.fair_load * (pairs(base + used) - pairs(base))
    candidates = {
        facts.people[p].gender
        for s, t in enumerate(themes)
        for p in facts.compatible[t]
        if facts.speaker_ok[s][p]
    }
    if weights.gender_balance and candidates == {Sex.FEMALE, Sex.MALE}:
        women = facts.fixture_speakers_by_sex.get(Sex.FEMALE.value, 0)
        men = facts.fixture_speakers_by_sex.get(Sex.MALE.value, 0)
        for speakers, _ in plan:
            for person_id in speakers:
                if facts.people[facts.person_index(person_id) or 0].gender is Sex.FEMALE:
                    women += 1
                else:
                    men += 1
        shortfall = max(0, 2 * (women + men) - 5 * women, 2 * (women + men) - 5 * men)
        total -= weights.gender_balance * shortfall
    return total + _women_speakers_points(facts, themes, plan)


def _women_speakers_points(
    facts: PlanFacts, themes: Sequence[int], plan: Sequence[Staffing]
) -> int:
    """Women-only speakers on the themes of a day about women."""
    total = 0
    for s, (speakers, _) in enumerate(plan):
        theme = facts.themes[themes[s]]
        about_women = any(
            day.women_speakers
            for day in facts.catalog.commemorations
            if day.id in theme.commemorations
        )
        sexes = {facts.people[facts.person_index(i) or 0].gender for i in speakers}
        if about_women and sexes == {Sex.FEMALE}:
            total += facts.rules.weights.women_speakers * WOMEN_UNIT
    return total


def brute_force(
    facts: PlanFacts,
) -> tuple[int, dict[tuple[int, ...], list[list[Staffing]]]] | None:
    """The best theme objective over every staffable plan, and the staffable plans by themes.

    ``None`` when no plan meets every rule.
    """
    slots = range(len(facts.slots))
    options = [[t for t in range(len(facts.themes)) if facts.theme_ok[s][t]] for s in slots]
    best: int | None = None
    staffable: dict[tuple[int, ...], list[list[Staffing]]] = {}
    for themes in itertools.product(*options):
        if not theme_rules_hold(facts, themes):
            continue
        teams = [list(staffings(facts, s, t)) for s, t in enumerate(themes)]
        plans = [
            list(plan) for plan in itertools.product(*teams) if people_rules_hold(facts, plan)
        ]
        if not plans:
            continue
        staffable[tuple(themes)] = plans
        value = theme_objective(facts, themes)
        best = value if best is None else max(best, value)
    return None if best is None else (best, staffable)


def roles(item: PlannedSession) -> dict[str, Role]:
    found = dict.fromkeys(item.speaker_ids, Role.SPEAKER)
    if item.moderator_id:
        found[item.moderator_id] = Role.MODERATOR
    return found
