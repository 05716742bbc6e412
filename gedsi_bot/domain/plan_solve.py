"""Running the two planning stages, the cut loop between them, and their shared time budget.

``solve_plan`` returns either assignments for every slot with the solver's verdict per stage,
or what stands in the way: the rules the elastic model had to bend, or a time-out.

Plans longer than one theme-repeat window (more than about a year of weekly sessions) find
a start for the theme stage in blocks of at least a window each: first block by block, each
seeing the earlier ones as fixtures, then again on blocks shifted by half a block with every
other slot fixed, which mends the seams. Then one model over the whole plan, started from
there, proves how far from the best it is: the stage reports that solve's objective and bound.

The whole model merges interchangeable themes (``ThemeModel.build(merge=True)``) and measures
each slot's values against its best; before that, its LP took longer than the targets allow
(on three years: GLOP alone 3-6 s, CP-SAT's dual simplex over 20 s, for the same bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ortools.sat.python import cp_model

from gedsi_bot.domain.model import Role, Session, SessionStatus
from gedsi_bot.domain.plan_facts import PlanFacts
from gedsi_bot.domain.plan_model import (
    Assignment,
    Breach,
    JointElasticModel,
    PeopleModel,
    Rule,
    SolverOptions,
    ThemeModel,
    make_solver,
    theme_plan_value,
)

MAX_ROUNDS = 8  # theme stages with cuts before the elastic model explains the impasse
PEOPLE_SHARE = 0.4  # of the budget kept for the people stage when themes run long
SWEEPS = 2  # passes over the blocks with their neighbours fixed
THEME_GAP_SHARE = 0.75  # of the relative gap asked for, for the long plans' theme stage
MIN_BLOCK = 26  # slots; shorter windows are not worth splitting
# Measured on the benchmark: the theme model's LP is nearly integral, so CP-SAT's presolve
# (about a second on a year) buys nothing there; the people model needs it (without it three
# years do not solve in a minute).
THEME_PRESOLVE = False
PEOPLE_PRESOLVE = True


class SolveStatus(StrEnum):
    """CP-SAT's answer, by the names its documentation uses."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"


_STATUSES = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}
SOLVED = frozenset({SolveStatus.OPTIMAL, SolveStatus.FEASIBLE})


@dataclass(frozen=True, slots=True)
class StageReport:
    """One stage's result: its status, objective and proven bound (when solved)."""

    stage: str  # "themes" | "people" | "diagnosis"
    status: SolveStatus
    objective: int | None = None
    bound: int | None = None
    seconds: float = 0.0
    work: float = 0.0  # CP-SAT's deterministic time

    @property
    def gap(self) -> float:
        """Relative distance between the solution and the proven bound (0.0 when optimal)."""
        if self.objective is None or self.bound is None:
            return 0.0
        return abs(self.bound - self.objective) / max(1, abs(self.objective))


@dataclass
class StagedResult:
    assignments: list[Assignment] | None = None
    reports: list[StageReport] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    roles: dict[tuple[int, int], Role] = field(default_factory=dict)  # (slot, person) in diagnosis
    themes_in_diagnosis: dict[int, int] = field(default_factory=dict)  # slot -> theme
    timed_out: bool = False
    invalid: bool = False


@dataclass
class _Budget:
    """What is left of the deterministic work and the wall-clock time for all solves."""

    options: SolverOptions
    work: float = 0.0
    seconds: float = 0.0

    def solver(
        self, *, share: float = 1.0, presolve: bool = False, gap: float | None = None
    ) -> cp_model.CpSolver:
        left_work = max(0.01, (self.options.max_work - self.work) * share)
        left_seconds = max(0.01, (self.options.max_seconds - self.seconds) * share)
        solver = make_solver(self.options, work=left_work, seconds=left_seconds)
        solver.parameters.cp_model_presolve = presolve
        if gap is not None:
            solver.parameters.relative_gap_limit = gap
        return solver

    def spend(self, solver: cp_model.CpSolver) -> None:
        self.work += solver.response_proto.deterministic_time
        self.seconds += solver.wall_time


def _run(
    budget: _Budget,
    model: cp_model.CpModel,
    stage: str,
    *,
    share: float = 1.0,
    presolve: bool = False,
    gap: float | None = None,
    watch: cp_model.CpSolverSolutionCallback | None = None,
) -> tuple[cp_model.CpSolver, StageReport]:
    solver = budget.solver(share=share, presolve=presolve, gap=gap)
    status = _STATUSES.get(solver.solve(model, watch), SolveStatus.UNKNOWN)
    budget.spend(solver)
    if status is SolveStatus.OPTIMAL and solver.objective_value != solver.best_objective_bound:
        status = SolveStatus.FEASIBLE  # stopped at the gap asked for, not proven best
    if status in SOLVED:
        report = StageReport(
            stage,
            status,
            objective=round(solver.objective_value),
            bound=round(solver.best_objective_bound),
            seconds=solver.wall_time,
            work=solver.response_proto.deterministic_time,
        )
    else:
        report = StageReport(
            stage, status, seconds=solver.wall_time, work=solver.response_proto.deterministic_time
        )
    return solver, report


def solve_plan(
    facts: PlanFacts,
    options: SolverOptions,
    hints: Sequence[Assignment | None] = (),
) -> StagedResult:
    """Themes first, people second; cut unstaffable theme choices and repeat if needed."""
    budget = _Budget(options)
    result = StagedResult()
    cuts: list[list[tuple[int, int]]] = []
    for _ in range(MAX_ROUNDS):
        themes, report = _theme_stage(facts, budget, cuts)
        result.reports.append(report)
        if report.status is SolveStatus.INFEASIBLE:
            return _diagnose(facts, budget, result)
        if themes is None:
            return _stopped(result, report)
        people_model = PeopleModel(facts, themes=themes).build()
        people_model.hint(hints)
        solver, report = _run(budget, people_model.model, "people", presolve=PEOPLE_PRESOLVE)
        result.reports.append(report)
        if report.status in SOLVED:
            result.assignments = people_model.assignments(solver)
            return result
        if report.status is not SolveStatus.INFEASIBLE:
            return _stopped(result, report)
        found = _staffing_cuts(facts, budget, themes, result)
        if found is None:
            return result
        for cut in found:
            cuts.append(cut)
            if len(cut) == 1:
                cuts.extend(_alike(facts, *cut[0]))
    return _diagnose(facts, budget, result)


def _stopped(result: StagedResult, report: StageReport) -> StagedResult:
    result.timed_out = report.status is SolveStatus.UNKNOWN
    result.invalid = report.status is SolveStatus.MODEL_INVALID
    return result


# --- stage 1 ------------------------------------------------------------------------------------


def _theme_stage(
    facts: PlanFacts,
    budget: _Budget,
    cuts: Sequence[Sequence[tuple[int, int]]],
) -> tuple[list[int] | None, StageReport]:
    block = _block_length(facts)
    if cuts or block is None:
        # Measured: within one repeat window CP-SAT proves the theme stage fastest from its
        # root LP and without a start (a hint sends it on a detour first).
        model = ThemeModel(facts).build(cuts)
        solver, report = _run(
            budget, model.model, "themes", share=1 - PEOPLE_SHARE, presolve=THEME_PRESOLVE
        )
        return (model.themes(solver) if report.status in SOLVED else None), report
    return _themes_by_blocks(facts, budget, block)


def _block_length(facts: PlanFacts) -> int | None:
    """Slots per block when the horizon spans several theme-repeat windows, else ``None``."""
    windows = facts.theme_windows()
    if len(windows) <= 2:
        return None
    length = max(MIN_BLOCK, min(len(window) for window in windows))
    return length if len(facts.slots) > 1.5 * length else None


def _themes_by_blocks(
    facts: PlanFacts, budget: _Budget, length: int
) -> tuple[list[int] | None, StageReport]:
    total = len(facts.slots)
    count = max(2, total // length)
    # Even blocks, each at least one repeat window long (156 weekly slots in windows of 46-49
    # make 3 blocks of 52): a start for the whole plan, found a block at a time.
    size = -(-total // count)
    ranges = [list(range(start, min(start + size, total))) for start in range(0, total, size)]
    seconds_before, work_before = budget.seconds, budget.work
    chosen: list[int] = []
    for index, slots in enumerate(ranges):
        themes, report = _solve_block(
            facts, budget, (1 + SWEEPS) * len(ranges) - index, slots=slots, chosen=chosen
        )
        if themes is None:
            return None, _spent(
                budget,
                seconds_before=seconds_before,
                work_before=work_before,
                status=report.status,
            )
        chosen.extend(themes)
    chosen = _mend_seams(facts, budget, chosen, size=size, ranges=ranges)
    # The whole plan in one model, started from the blocks: CP-SAT may improve on them, and
    # its bound is the proof. Interchangeable themes merged (see ThemeModel.build).
    # The gap asked for is the whole plan's. The people stage's penalties take points off
    # (three years of the benchmark: themes 2464, people -310), which makes the same distance
    # a larger share of the whole, so the theme stage stops at three quarters of the gap.
    whole = ThemeModel(facts).build(merge=True)
    whole.hint(chosen)
    solver, report = _run(
        budget,
        whole.model,
        "themes",
        share=1 - PEOPLE_SHARE,
        presolve=THEME_PRESOLVE,
        gap=budget.options.relative_gap * THEME_GAP_SHARE,
    )
    if report.status in SOLVED:
        found, objective = whole.themes(solver), report.objective
        start = theme_plan_value(facts, chosen)
        if objective is not None and start > objective:  # the hint was not taken up
            found, objective = chosen, start
        return found, _spent(
            budget,
            seconds_before=seconds_before,
            work_before=work_before,
            status=report.status,
            objective=objective,
            bound=report.bound,
        )
    return chosen, _spent(
        budget,
        seconds_before=seconds_before,
        work_before=work_before,
        status=SolveStatus.FEASIBLE,
        objective=theme_plan_value(facts, chosen),
    )


def _mend_seams(
    facts: PlanFacts,
    budget: _Budget,
    chosen: list[int],
    *,
    size: int,
    ranges: Sequence[Sequence[int]],
) -> list[int]:
    """Blocks shifted by half a block, with their neighbours on both sides fixed, so the seams
    of the first pass are planned again from both sides (then the first blocks again)."""
    total = len(facts.slots)
    objective = theme_plan_value(facts, chosen)
    shifted = [
        list(range(start, min(start + size, total))) for start in range(size // 2, total, size)
    ]
    solves_left = SWEEPS * len(ranges) + 1
    for sweep in range(SWEEPS):
        improved = False
        for slots in shifted if sweep % 2 == 0 else ranges:
            themes, _ = _solve_block(
                facts, budget, solves_left, slots=slots, chosen=chosen, whole=True
            )
            solves_left -= 1
            if themes is None:
                continue
            candidate = list(chosen)
            for s, t in zip(slots, themes, strict=True):
                candidate[s] = t
            value = theme_plan_value(facts, candidate)
            if value > objective:
                chosen, objective, improved = candidate, value, True
        if not improved:
            break
    return chosen


def _spent(
    budget: _Budget,
    *,
    seconds_before: float,
    work_before: float,
    status: SolveStatus,
    objective: int | None = None,
    bound: int | None = None,
) -> StageReport:
    """The report of a stage made of several solves: what they spent together."""
    return StageReport(
        "themes",
        status,
        objective,
        bound,
        seconds=budget.seconds - seconds_before,
        work=budget.work - work_before,
    )


def _solve_block(
    facts: PlanFacts,
    budget: _Budget,
    solves_left: int,
    *,
    slots: Sequence[int],
    chosen: Sequence[int] = (),
    whole: bool = False,
) -> tuple[list[int] | None, StageReport]:
    """The best themes for ``slots`` with the rest of ``chosen`` fixed around them.

    The block's disability target is what the other slots leave of the series' target; with
    ``whole`` (every other slot chosen) its group shares are the whole plan's too, so its
    objective moves exactly as the whole plan's does.
    """
    inside = set(slots)
    around = [(s, t) for s, t in enumerate(chosen) if s not in inside]
    reached = sum(facts.disabled_speaker_possible(s, t) for s, t in around)
    part = facts.restricted(
        slots,
        extra=_as_fixtures(facts, around),
        disability_goal=max(0, facts.disability_target() - reached),
        whole_period=whole,
    )
    model = ThemeModel(part).build(merge=True)
    share = (1 - PEOPLE_SHARE) / (solves_left + 1)
    solver, report = _run(budget, model.model, "themes", share=share, presolve=THEME_PRESOLVE)
    return (model.themes(solver) if report.status in SOLVED else None), report


def _as_fixtures(facts: PlanFacts, chosen: Sequence[tuple[int, int]]) -> list[Session]:
    """Themes chosen for other slots as stand-in sessions, so a block respects them."""
    return [
        Session(
            id=-1 - s,
            number=0,
            theme_id=facts.themes[t].id,
            starts_at=facts.slots[s],
            duration_minutes=facts.catalog.series.duration_minutes,
            status=SessionStatus.APPROVED,
        )
        for s, t in chosen
    ]


# --- when nobody fits ---------------------------------------------------------------------------


def _staffing_cuts(
    facts: PlanFacts, budget: _Budget, themes: Sequence[int], result: StagedResult
) -> list[list[tuple[int, int]]] | None:
    """Sets of (slot, theme) pairs that cannot be staffed together, or ``None`` if themes are
    not the cause (then ``result`` carries the people-side breaches that explain why)."""
    elastic = PeopleModel(facts, themes=themes, elastic=True).build()
    solver, report = _run(budget, elastic.model, "diagnosis", presolve=True)
    result.reports.append(report)
    if report.status not in SOLVED:
        _stopped(result, report)
        return None
    breaches = elastic.breaches(solver)
    roles = _roles(solver, elastic.speaker_vars, elastic.moderator_vars)
    if all(_moderator_side(facts, breach, roles) for breach in breaches):
        result.breaches = breaches
        result.roles = roles
        result.themes_in_diagnosis = dict(enumerate(themes))
        return None
    slots = sorted({s for breach in breaches for s in breach.slots})
    if _staffable(facts, budget, themes, slots):
        slots = list(range(len(facts.slots)))  # the shortage is not local: cut the whole plan
    return [[(s, themes[s]) for s in slots]]


def _alike(facts: PlanFacts, s: int, t: int) -> list[list[tuple[int, int]]]:
    """Cuts for the other themes of slot ``s`` that no more people could staff than ``t``."""
    mine = set(facts.available_speakers(s, t))
    return [
        [(s, other)]
        for other in range(len(facts.themes))
        if other != t
        and facts.theme_ok[s][other]
        and set(facts.available_speakers(s, other)) <= mine
    ]


def _roles(
    solver: cp_model.CpSolver,
    speakers: dict[tuple[int, int], cp_model.IntVar],
    moderators: dict[tuple[int, int], cp_model.IntVar],
) -> dict[tuple[int, int], Role]:
    roles = {key: Role.SPEAKER for key, var in speakers.items() if solver.boolean_value(var)}
    roles.update(
        (key, Role.MODERATOR) for key, var in moderators.items() if solver.boolean_value(var)
    )
    return roles


def _moderator_side(facts: PlanFacts, breach: Breach, roles: dict[tuple[int, int], Role]) -> bool:
    """Whether a breach is about moderators only, which no choice of themes can mend.

    Only when nobody both speaks and moderates: otherwise a theme that someone else can
    speak on may free a moderator.
    """
    if any(person.can_speak and person.can_moderate for person in facts.people):
        return False
    if breach.rule is Rule.NO_MODERATOR:
        return True
    if breach.rule in (Rule.GAP, Rule.QUARTER) and breach.person is not None:
        served = {roles.get((s, breach.person)) for s in breach.slots} - {None}
        return served == {Role.MODERATOR}
    return False


def _staffable(
    facts: PlanFacts, budget: _Budget, themes: Sequence[int], slots: Sequence[int]
) -> bool:
    """Whether the people rules can be met on ``slots`` alone, with their themes as chosen."""
    model = PeopleModel(facts, themes=themes, only=frozenset(slots)).build()
    model.model.clear_objective()  # type: ignore[no-untyped-call]
    _, report = _run(budget, model.model, "diagnosis")
    return report.status is not SolveStatus.INFEASIBLE


def _diagnose(facts: PlanFacts, budget: _Budget, result: StagedResult) -> StagedResult:
    """Bend every rule at a price in one model; the cheapest bending names the blockers."""
    model = JointElasticModel(facts).build()
    solver, report = _run(budget, model.model, "diagnosis", presolve=True)
    result.reports.append(report)
    if report.status not in SOLVED:
        return _stopped(result, report)
    result.breaches = model.breaches(solver)
    result.roles = _roles(solver, model.speaker_vars, model.moderator_vars)
    result.themes_in_diagnosis = {
        s: t for s in range(len(facts.slots)) if (t := model.chosen_theme(solver, s)) is not None
    }
    if not result.breaches and len(result.themes_in_diagnosis) == len(facts.slots):
        # Every rule holds after all: the cut loop gave up too early. Staff these themes.
        themes = [result.themes_in_diagnosis[s] for s in range(len(facts.slots))]
        people_model = PeopleModel(facts, themes=themes).build()
        solver, report = _run(budget, people_model.model, "people", presolve=PEOPLE_PRESOLVE)
        result.reports.append(report)
        if report.status in SOLVED:
            result.assignments = people_model.assignments(solver)
        else:
            _stopped(result, report)
    return result
