"""Themes × speakers × moderators × dates → the best series plan CP-SAT can prove, with reasons.

``plan_series`` fills the given slots (start times) under every hard rule of the catalog's
``planning`` section, keeps approved/published/past sessions exactly as they are, moves as few
current drafts as it can, and weighs the soft goals of ``planning.weights``. It never raises on
bad input: an impossible plan comes back with its status and a plain-language explanation of
the rule that blocks it. The same input always gives the same plan (one worker, a fixed seed
and a work limit counted in CP-SAT's deterministic time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.calendar import SkippedDay
from gedsi_bot.domain.model import Role, Session, SessionStatus, Sex
from gedsi_bot.domain.plan_explain import (
    change_reasons,
    change_what,
    explain_breaches,
    precheck,
    theme_notes,
)
from gedsi_bot.domain.plan_facts import LEVEL_NEAR, LEVEL_PREFERRED, PlanFacts, split_sessions
from gedsi_bot.domain.plan_model import DISABILITY_UNIT, WOMEN_UNIT, Assignment, SolverOptions
from gedsi_bot.domain.plan_solve import SolveStatus, StagedResult, StageReport, solve_plan
from gedsi_bot.domain.plan_text import PlanText
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import DEFAULT_LANGUAGE, Language


class Revision(StrEnum):
    """How a planned draft relates to the draft that held its date before."""

    NEW = "new"
    KEPT = "kept"
    CHANGED = "changed"


class ChangeKind(StrEnum):
    CHANGED = "changed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class SolveReport:
    """The solver's verdict on the plan as a whole, and on each solve that led to it.

    ``status`` is ``OPTIMAL`` when both stages were proven optimal, ``FEASIBLE`` when a plan
    was found but not proven best in the time allowed; objective and bound add up the stages.
    """

    status: SolveStatus
    objective: int | None = None
    bound: int | None = None
    seconds: float = 0.0
    stages: tuple[StageReport, ...] = ()
    work: float = 0.0  # CP-SAT's deterministic time, the same on a fast or a slow machine

    @property
    def gap(self) -> float:
        """The relative distance between the plan and the proven bound (0.0 when optimal)."""
        if self.objective is None or self.bound is None:
            return 0.0
        return abs(self.bound - self.objective) / max(1, abs(self.objective))


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One session of the plan: a new or re-planned draft, or a fixed session shown as it is."""

    starts_at: dt.datetime
    theme_id: str
    speaker_ids: tuple[str, ...]
    moderator_id: str | None
    score: int
    reasons: tuple[str, ...]
    status: SessionStatus = SessionStatus.DRAFT
    session_id: int | None = None  # the stored session it is, or the draft it keeps or updates
    number: int | None = None
    revision: Revision | None = None  # for drafts: new, or the old draft kept or changed
    too_close: bool = False  # a stored draft inside the lead time, kept as it is

    @property
    def is_fixed(self) -> bool:
        return self.status.is_fixed or self.too_close


@dataclass(frozen=True, slots=True)
class PlanChange:
    """A current draft that the new plan changes or drops, and why, in one line."""

    session_id: int
    number: int
    starts_at: dt.datetime
    kind: ChangeKind
    text: str


@dataclass(frozen=True, slots=True)
class Plan:
    sessions: tuple[PlannedSession, ...]
    solve: SolveReport
    changes: tuple[PlanChange, ...] = ()
    problems: tuple[str, ...] = ()  # why there is no plan, one blocking rule per line
    notes: tuple[str, ...] = ()  # worth knowing even when the plan is fine

    @property
    def feasible(self) -> bool:
        return self.solve.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def plan_series(
    catalog: Catalog,
    *,
    slots: Sequence[dt.datetime],
    existing: Sequence[Session] = (),
    period: tuple[dt.datetime, dt.datetime] | None = None,
    keep_before: dt.datetime | None = None,
    demand: Mapping[str, int] | None = None,
    skipped: Mapping[dt.date, SkippedDay] | None = None,
    options: SolverOptions | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> Plan:
    """Fill ``slots`` (aware start times) with a theme, speakers and a moderator each.

    ``existing`` is every stored session of the series: non-drafts (and drafts after
    ``period``) stay as they are and count for every rule; drafts inside ``period`` (default:
    first to last slot) are the plan to change as little as possible, except those before
    ``keep_before`` (inside the lead time): they stay as they are. ``demand`` scores themes
    (participants' votes). ``skipped`` names the dates left out (holidays, blackouts) so
    dropped drafts can say why.
    """
    ordered = tuple(sorted(set(slots)))
    window = period or _default_period(ordered)
    text = PlanText(catalog, language)
    if window is None:
        return Plan((), SolveReport(SolveStatus.INFEASIBLE), problems=(text.nothing_to_plan(),))
    fixtures, drafts = split_sessions(existing, period=window, keep_before=keep_before)
    zone = catalog.series.zone
    facts = PlanFacts(
        catalog=catalog,
        slots=ordered,
        days=tuple(start.astimezone(zone).date() for start in ordered),
        fixtures=fixtures,
        drafts=drafts,
        demand=dict(demand or {}),
    )
    shown = tuple(
        _fixed_session(session, text)
        for session in fixtures
        if window[0] <= session.starts_at <= window[1]
    )
    notes = tuple(theme_notes(facts, text))
    if not ordered:
        if shown:
            return Plan(shown, SolveReport(SolveStatus.OPTIMAL, 0, 0), notes=notes)
        return Plan((), SolveReport(SolveStatus.INFEASIBLE), problems=(text.nothing_to_plan(),))
    problems = precheck(facts, text)
    if problems:
        return Plan(
            shown, SolveReport(SolveStatus.INFEASIBLE), problems=tuple(problems), notes=notes
        )
    return _solve(
        facts,
        text=text,
        options=options or SolverOptions(),
        shown=shown,
        notes=notes,
        skipped=skipped or {},
    )


def _default_period(slots: Sequence[dt.datetime]) -> tuple[dt.datetime, dt.datetime] | None:
    return (slots[0], slots[-1]) if slots else None


def _solve(
    facts: PlanFacts,
    *,
    text: PlanText,
    options: SolverOptions,
    shown: tuple[PlannedSession, ...],
    notes: tuple[str, ...],
    skipped: Mapping[dt.date, SkippedDay],
) -> Plan:
    result = solve_plan(facts, options, draft_assignments(facts))
    report = _report(result)
    if result.assignments is not None:
        assignments = result.assignments
        planned = [
            _planned_session(facts, text, s, assignment)
            for s, assignment in enumerate(assignments)
        ]
        sessions = tuple(sorted((*shown, *planned), key=lambda item: item.starts_at))
        changes = tuple(_changes(facts, text, assignments, skipped))
        return Plan(sessions, report, changes=changes, notes=notes)
    if result.timed_out:
        problems = [text.timeout(options.max_seconds)]
    elif result.invalid:
        problems = [text.invalid()]
    else:
        problems = explain_breaches(facts, text, result)
    return Plan(shown, report, problems=tuple(problems), notes=notes)


def _report(result: StagedResult) -> SolveReport:
    stages = tuple(result.reports)
    seconds = sum(stage.seconds for stage in stages)
    work = sum(stage.work for stage in stages)
    if result.assignments is None:
        status = SolveStatus.INFEASIBLE
        if result.timed_out:
            status = SolveStatus.UNKNOWN
        elif result.invalid:
            status = SolveStatus.MODEL_INVALID
        return SolveReport(status, seconds=seconds, stages=stages, work=work)
    final = [
        next(stage for stage in reversed(stages) if stage.stage == name)
        for name in ("themes", "people")
        if any(stage.stage == name for stage in stages)
    ]
    optimal = len(final) == 2 and all(stage.status is SolveStatus.OPTIMAL for stage in final)
    objective = sum(stage.objective or 0 for stage in final)
    bound = sum(
        stage.bound if stage.bound is not None else stage.objective or 0 for stage in final
    )
    return SolveReport(
        SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=objective,
        bound=bound,
        seconds=seconds,
        stages=stages,
        work=work,
    )


# --- one session of the answer ----------------------------------------------------------------


def _planned_session(
    facts: PlanFacts, text: PlanText, s: int, assignment: Assignment
) -> PlannedSession:
    theme = facts.themes[assignment.theme]
    speakers = sorted(
        assignment.speakers,
        key=lambda p: (-len(facts.people[p].expertise & theme.tags), p),
    )
    draft = _draft_at(facts, s)
    kept = draft is not None and _same_as_draft(facts, draft, assignment)
    score, reasons = session_merits(facts, text, s, assignment)
    revision = Revision.NEW if draft is None else Revision.KEPT if kept else Revision.CHANGED
    return PlannedSession(
        starts_at=facts.slots[s],
        theme_id=theme.id,
        speaker_ids=tuple(facts.people[p].id for p in speakers),
        moderator_id=(
            facts.people[assignment.moderator].id if assignment.moderator is not None else None
        ),
        score=score,
        reasons=tuple(reasons),
        session_id=draft.id if draft is not None else None,
        number=draft.number if draft is not None else None,
        revision=revision,
    )


def session_merits(
    facts: PlanFacts, text: PlanText, s: int, assignment: Assignment
) -> tuple[int, list[str]]:
    """The soft-goal points a session earns, and the reasons behind them, strongest first."""
    weights = facts.rules.weights
    theme = facts.themes[assignment.theme]
    speakers = [facts.people[p] for p in assignment.speakers]
    reasons: list[str] = []
    score = 0
    marks = facts.marks(s, assignment.theme)
    score += sum(weights.commemoration * mark.level for mark in marks)
    near = [mark.commemoration for mark in marks if mark.level >= LEVEL_NEAR]
    month = [mark.commemoration for mark in marks if mark.level < LEVEL_NEAR]
    if near:
        reasons.append(text.reason_commemorations(near, near=True))
    if month:
        reasons.append(text.reason_commemorations(month, near=False))
    preferred = facts.preferred(s, assignment.theme)
    if preferred:
        score += weights.commemoration * LEVEL_PREFERRED
        if not marks:
            reasons.append(text.reason_preferred_month())
    known = set().union(*(person.expertise for person in speakers)) if speakers else set()
    covered = sorted(theme.tags & known)
    score += weights.expertise * len(covered)
    if covered:
        reasons.append(text.reason_expertise(covered))
    if any(person.has_disability for person in speakers):
        score += weights.disability_inclusion * DISABILITY_UNIT
        reasons.append(text.reason_disability())
    demand = facts.demand_level(assignment.theme)
    if demand:
        score += weights.demand * demand
        reasons.append(text.reason_demand(facts.demand.get(theme.id, 0)))
    women_days = facts.women_days(assignment.theme)
    if women_days and speakers and all(person.gender is Sex.FEMALE for person in speakers):
        score += weights.women_speakers * WOMEN_UNIT
        reasons.append(text.reason_women_speakers(women_days))
    elif {person.gender for person in speakers} == {Sex.FEMALE, Sex.MALE}:
        reasons.append(text.reason_mixed_gender())
    if not marks and not preferred and not demand:
        last = max((use.day for use in facts.repeats if use.theme_id == theme.id), default=None)
        reasons.append(text.reason_theme_rested(last))
    return score, reasons


def _fixed_session(session: Session, text: PlanText) -> PlannedSession:
    return PlannedSession(
        starts_at=session.starts_at,
        theme_id=session.theme_id,
        speaker_ids=session.speaker_ids,
        moderator_id=session.moderator_id,
        score=round(session.plan_score) if session.plan_score is not None else 0,
        reasons=(
            text.reason_too_close()
            if session.status is SessionStatus.DRAFT
            else text.reason_fixed(session.status),
        ),
        status=session.status,
        session_id=session.id,
        number=session.number,
        too_close=session.status is SessionStatus.DRAFT,
    )


# --- what moved and why -----------------------------------------------------------------------


def draft_assignments(facts: PlanFacts) -> list[Assignment | None]:
    """The current drafts as assignments of the slots they sit on (where they still fit)."""
    found: list[Assignment | None] = []
    for s in range(len(facts.slots)):
        draft = _draft_at(facts, s)
        theme = facts.theme_index(draft.theme_id) if draft is not None else None
        if draft is None or theme is None:
            found.append(None)
            continue
        speakers = tuple(
            p for p in (facts.person_index(i) for i in draft.speaker_ids) if p is not None
        )
        moderator = facts.person_index(draft.moderator_id) if draft.moderator_id else None
        found.append(Assignment(theme, speakers, moderator))
    return found


def _draft_at(facts: PlanFacts, s: int) -> Session | None:
    return next((d for d in facts.drafts if d.starts_at == facts.slots[s]), None)


def _same_as_draft(facts: PlanFacts, draft: Session, assignment: Assignment) -> bool:
    theme = facts.themes[assignment.theme].id
    speakers = {facts.people[p].id for p in assignment.speakers}
    moderator = facts.people[assignment.moderator].id if assignment.moderator is not None else None
    return (
        draft.theme_id == theme
        and set(draft.speaker_ids) == speakers
        and draft.moderator_id == moderator
    )


def _changes(
    facts: PlanFacts,
    text: PlanText,
    assignments: Sequence[Assignment],
    skipped: Mapping[dt.date, SkippedDay],
) -> list[PlanChange]:
    slot_at = {starts: s for s, starts in enumerate(facts.slots)}
    fixture_times = {session.starts_at for session in facts.fixtures}
    changes = []
    for draft in facts.drafts:
        s = slot_at.get(draft.starts_at)
        if s is None:
            day = facts.day_of(draft)
            if draft.starts_at in fixture_times:
                why = text.why_taken()
            else:
                why = text.why_skipped(skipped.get(day))
            line = text.change_line(draft, text.change_dropped(), why)
            changes.append(
                PlanChange(draft.id, draft.number, draft.starts_at, ChangeKind.DROPPED, line)
            )
            continue
        assignment = assignments[s]
        if _same_as_draft(facts, draft, assignment):
            continue
        what = change_what(facts, text, draft, assignment)
        why = change_reasons(facts, text, s, draft, assignment)
        changes.append(
            PlanChange(
                draft.id,
                draft.number,
                draft.starts_at,
                ChangeKind.CHANGED,
                text.change_line(draft, what, why),
            )
        )
    return changes


def roles_of(session: PlannedSession) -> dict[str, Role]:
    """Who takes which role in a planned session."""
    roles = dict.fromkeys(session.speaker_ids, Role.SPEAKER)
    if session.moderator_id is not None:
        roles[session.moderator_id] = Role.MODERATOR
    return roles
