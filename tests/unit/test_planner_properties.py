"""Random small catalogs: the plan never breaks a hard rule, and it is as good as brute force."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from gedsi_bot.domain.model import Commemoration, SessionStatus, Sex, ThemeGroup
from gedsi_bot.domain.plan_facts import PlanFacts, split_sessions
from gedsi_bot.domain.plan_model import SolverOptions, ThemeModel, make_solver
from gedsi_bot.domain.plan_solve import SolveStatus
from gedsi_bot.domain.planner import Plan, plan_series
from gedsi_bot.domain.series import Catalog, PlanningRules, PlanningWeights
from tests import plan_checks
from tests.factories import BOTH, MODERATOR, SPEAKER, catalog, person, session, theme, weekly

TAGS = ("a", "b", "c")
FIRST = dt.date(2027, 4, 1)  # a Thursday; Hari Kartini (21 April) falls in the plan
KARTINI = Commemoration("kartini", "Hari Kartini", (4, 21), (4, 21), women_speakers=True)


@st.composite
def problems(draw: st.DrawFn, *, most_slots: int = 4, with_fixtures: bool = True) -> dict:
    """A small catalog, the dates to fill, and maybe a fixed session before them."""
    theme_count = draw(st.integers(2, 5))
    themes = []
    for index in range(theme_count):
        months = draw(st.sampled_from([(), (4,), (5,)]))
        themes.append(
            theme(
                f"t{index}",
                *draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=2, unique=True)),
                group=draw(st.sampled_from(list(ThemeGroup))),
                months=months,
                months_only=bool(months) and draw(st.integers(0, 3)) == 0,
                commemorations=draw(st.sampled_from([(), ("kartini",)])),
                last_used=draw(st.sampled_from([None, dt.date(2026, 9, 1), dt.date(2027, 3, 1)])),
            )
        )
    slots = weekly(FIRST, draw(st.sampled_from([1, 2, *[most_slots] * 3])))
    people = []
    for index in range(draw(st.integers(3, 6))):
        # The first two can moderate and speak more often than not; the rest are drawn freely.
        kinds = [BOTH, MODERATOR] if index < 2 else [SPEAKER, MODERATOR, BOTH, SPEAKER]
        roles = draw(st.sampled_from(kinds))
        blackout = []
        if draw(st.integers(0, 3)) == 0:
            day = slots[draw(st.integers(0, len(slots) - 1))].date()
            blackout.append((day, day))
        people.append(
            person(
                f"p{index}",
                *draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=3, unique=True)),
                roles=roles,
                gender=draw(st.sampled_from(list(Sex))),
                blackout=blackout,
                max_per_quarter=draw(st.sampled_from([None, None, None, 1, 2])),
                has_disability=draw(st.booleans()),
            )
        )
    rules = PlanningRules(
        min_speakers=1,
        max_speakers=draw(st.integers(1, 2)),
        min_gap_weeks=draw(st.sampled_from([0, 1, 1, 2])),
        max_per_quarter=draw(st.integers(2, 4)),
        theme_repeat_months=draw(st.sampled_from([0, 1, 12])),
        max_consecutive_group=draw(st.integers(1, 3)),
        weights=PlanningWeights(
            expertise=draw(st.integers(0, 4)),
            commemoration=draw(st.integers(0, 5)),
            fair_load=draw(st.integers(0, 3)),
            gender_balance=draw(st.integers(0, 3)),
            disability_inclusion=draw(st.integers(0, 3)),
            demand=draw(st.integers(0, 3)),
            stability=0,
            group_balance=draw(st.integers(0, 3)),
            women_speakers=draw(st.integers(0, 3)),
        ),
    )
    made = catalog(themes, people, rules=rules, commemorations=[KARTINI])
    fixtures = []
    if with_fixtures and draw(st.booleans()):
        speaker = draw(st.sampled_from([p for p in people if p.can_speak] or people))
        moderator = draw(st.sampled_from([p for p in people if p.can_moderate] or people))
        fixtures.append(
            session(
                900,
                slots[0] - dt.timedelta(weeks=draw(st.integers(1, 3))),
                draw(st.sampled_from(themes)).id,
                [speaker.id],
                moderator.id if moderator.id != speaker.id else None,
                status=SessionStatus.DONE,
            )
        )
    demand = draw(st.dictionaries(st.sampled_from([t.id for t in themes]), st.integers(1, 9)))
    return {"catalog": made, "slots": slots, "existing": fixtures, "demand": demand}


def solve(problem: dict) -> Plan:
    return plan_series(
        problem["catalog"],
        slots=problem["slots"],
        existing=problem["existing"],
        demand=problem["demand"],
    )


def facts_of(problem: dict) -> PlanFacts:
    made: Catalog = problem["catalog"]
    slots = problem["slots"]
    fixtures, drafts = split_sessions(problem["existing"], period=(slots[0], slots[-1]))
    return PlanFacts(
        catalog=made,
        slots=slots,
        days=tuple(start.date() for start in slots),
        fixtures=fixtures,
        drafts=drafts,
        demand=problem["demand"],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plans_never_break_a_hard_rule_and_impossible_ones_are_explained(problem: dict) -> None:
    plan = solve(problem)
    if plan.feasible:
        planned = [item for item in plan.sessions if not item.is_fixed]
        assert [item.starts_at for item in planned] == list(problem["slots"])
        assert plan_checks.hard_violations(problem["catalog"], planned, problem["existing"]) == []
        assert all(item.reasons for item in planned)
    else:
        assert plan.solve.status is SolveStatus.INFEASIBLE
        assert plan.problems
        assert all(isinstance(line, str) and line for line in plan.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(most_slots=3, with_fixtures=False))
def test_small_plans_match_exhaustive_search(problem: dict) -> None:
    plan = solve(problem)
    facts = facts_of(problem)
    exhaustive = plan_checks.brute_force(facts)
    if exhaustive is None:
        assert not plan.feasible
        assert plan.problems
        return
    best_themes, staffable = exhaustive
    assert plan.feasible
    assert plan.solve.status is SolveStatus.OPTIMAL
    themes = tuple(facts.theme_index(item.theme_id) for item in plan.sessions)
    assert themes in staffable
    assert plan_checks.theme_objective(facts, themes) == best_themes  # type: ignore[arg-type]
    chosen = [(item.speaker_ids, item.moderator_id) for item in plan.sessions]
    best_people = max(
        plan_checks.people_objective(facts, themes, candidate)  # type: ignore[arg-type]
        for candidate in staffable[themes]  # type: ignore[index]
    )
    normalised = [(tuple(sorted(speakers)), moderator) for speakers, moderator in chosen]
    assert plan_checks.people_objective(facts, themes, normalised) == best_people  # type: ignore[arg-type]


def solved_themes(model: ThemeModel) -> tuple[SolveStatus, int | None, list[int] | None]:
    solver = make_solver(SolverOptions())
    solver.parameters.cp_model_presolve = False
    status = solver.solve(model.model)
    if status != cp_model.OPTIMAL:
        found = SolveStatus.INFEASIBLE if status == cp_model.INFEASIBLE else SolveStatus.UNKNOWN
        return found, None, None
    return SolveStatus.OPTIMAL, round(solver.objective_value), model.themes(solver)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(most_slots=8))
def test_merged_interchangeable_themes_give_the_same_best_theme_plan(problem: dict) -> None:
    facts = facts_of(problem)
    plain = solved_themes(ThemeModel(facts).build())
    merged = solved_themes(ThemeModel(facts).build(merge=True))
    assert merged[0] is plain[0]
    assert merged[1] == plain[1]
    if merged[2] is not None:
        assert plan_checks.theme_rules_hold(facts, merged[2])
        assert plan_checks.theme_objective(facts, merged[2]) == merged[1]
