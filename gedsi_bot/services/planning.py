"""Planning the series: read what is stored, ask the planner, and on request save the drafts.

``plan_next_sessions`` is the one use case: the next sessions from a date (a number of them, or
up to a date), the best plan for them, and — with ``save`` — that plan stored as the series'
drafts. Re-planning replaces drafts only; approved, published and past sessions are never
touched, and they count for every rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.calendar import Candidates, SkippedDay, candidate_dates
from gedsi_bot.domain.model import Session, SessionStatus
from gedsi_bot.domain.plan_model import SolverOptions
from gedsi_bot.domain.planner import Plan, PlannedSession, plan_series
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import DEFAULT_LANGUAGE, Language
from gedsi_bot.store import Database
from gedsi_bot.store.demand import theme_demand
from gedsi_bot.store.sessions import (
    add_session,
    delete_drafts,
    ensure_series,
    list_sessions,
    renumber_drafts,
    update_draft,
)

DEFAULT_COUNT = 12  # about half a year of a twice-monthly series
MAX_COUNT = 260  # five years of weekly sessions


class BadPeriod(InvalidInput):
    """The period asked for cannot be planned (both or neither bound, or it ends too soon)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """What ``--save`` did to the stored drafts."""

    kept: int
    updated: int
    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    plan: Plan
    start: dt.datetime
    end: dt.datetime
    skipped: tuple[SkippedDay, ...]
    saved: SavedPlan | None = None


def plan_next_sessions(
    database: Database,
    catalog: Catalog,
    *,
    start: dt.date,
    count: int | None = None,
    until: dt.date | None = None,
    today: dt.date | None = None,
    save: bool = False,
    options: SolverOptions | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> PlanOutcome:
    """The best plan for the series' sessions from ``start``: ``count`` of them or up to
    ``until`` (default: the series' ``ends_on``, else the next 12). New drafts start
    ``planning.lead_days`` after ``today`` (default: ``start``) at the earliest; drafts
    already stored before then stay as they are. With ``save`` the plan replaces the drafts
    of the period, in the same transaction that read them."""
    count, until = _bounds(catalog, count=count, until=until, start=start)
    opened = database.write() if save else database.read()
    with opened as db:
        series_id = ensure_series(db, slug=catalog.series.id, name=catalog.series.name)
        existing = list_sessions(db, series_id=series_id)
        demand = theme_demand(db, series_id=series_id)
        outcome = _plan(
            catalog,
            existing=existing,
            demand=demand,
            start=start,
            first_new=first_new_day(catalog, start=start, today=today),
            count=count,
            until=until,
            options=options,
            language=language,
        )
        if save and outcome.plan.feasible:
            saved = _save(
                db, series_id=series_id, catalog=catalog, outcome=outcome, existing=existing
            )
            outcome = PlanOutcome(outcome.plan, outcome.start, outcome.end, outcome.skipped, saved)
    return outcome


def _bounds(
    catalog: Catalog, *, count: int | None, until: dt.date | None, start: dt.date
) -> tuple[int | None, dt.date | None]:
    if count is not None and until is not None:
        raise BadPeriod("planner.cli.count_and_until")
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise BadPeriod("planner.cli.count_range", most=MAX_COUNT)
    if until is not None and until < start:
        raise BadPeriod("planner.cli.until_before_start")
    if count is None and until is None:
        if catalog.series.ends_on is not None and catalog.series.ends_on >= start:
            return None, catalog.series.ends_on
        return DEFAULT_COUNT, None
    return count, until


def first_new_day(catalog: Catalog, *, start: dt.date, today: dt.date | None) -> dt.date:
    """The first day a new draft may fall on: the lead time after today, not before ``start``."""
    earliest = (today or start) + dt.timedelta(days=catalog.planning.lead_days)
    return max(start, earliest)


def _plan(
    catalog: Catalog,
    *,
    existing: Sequence[Session],
    demand: dict[str, int],
    start: dt.date,
    first_new: dt.date,
    count: int | None,
    until: dt.date | None,
    options: SolverOptions | None,
    language: Language,
) -> PlanOutcome:
    zone = catalog.series.zone
    period_start = dt.datetime.combine(start, dt.time(0, 0), tzinfo=zone)
    keep_before = dt.datetime.combine(first_new, dt.time(0, 0), tzinfo=zone)
    fixed = sorted(
        (
            s
            for s in existing
            if (s.status.is_fixed and s.status is not SessionStatus.CANCELLED)
            or (s.status is SessionStatus.DRAFT and s.starts_at < keep_before)
        ),
        key=lambda s: s.starts_at,
    )
    fixed_ahead = [s for s in fixed if s.starts_at >= period_start]
    taken = [s.starts_at.astimezone(zone).date() for s in fixed_ahead]
    found = candidate_dates(catalog.series, start=first_new, end=until, count=count, taken=taken)
    slots, period_end = _horizon(
        found, fixed_ahead, count=count, until=until, zone=zone, start=period_start
    )
    plan = plan_series(
        catalog,
        slots=slots,
        existing=existing,
        period=(period_start, period_end),
        keep_before=keep_before,
        demand=demand,
        skipped={day.day: day for day in found.skipped},
        options=options,
        language=language,
    )
    skipped = tuple(day for day in found.skipped if day.day <= period_end.astimezone(zone).date())
    return PlanOutcome(plan, period_start, period_end, skipped)


def _horizon(
    found: Candidates,
    fixed_ahead: Sequence[Session],
    *,
    count: int | None,
    until: dt.date | None,
    zone: dt.tzinfo,
    start: dt.datetime,
) -> tuple[tuple[dt.datetime, ...], dt.datetime]:
    """The start times to fill and the end of the period.

    With ``count``, fixed sessions ahead count among the N: the period is the first N
    sessions of the series from the start date, whichever kind they are.
    """
    if count is not None:
        merged = sorted([*found.starts, *(s.starts_at for s in fixed_ahead)])[:count]
        chosen = set(merged)
        slots = tuple(start for start in found.starts if start in chosen)
        return slots, (merged[-1] if merged else start)
    assert until is not None
    end = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone)
    return found.starts, end


def _save(
    db: DbSession,
    *,
    series_id: int,
    catalog: Catalog,
    outcome: PlanOutcome,
    existing: Sequence[Session],
) -> SavedPlan:
    """Replace the period's drafts with the plan: update kept dates, add new, remove the rest."""
    drafts = [
        s
        for s in existing
        if s.status is SessionStatus.DRAFT and outcome.start <= s.starts_at <= outcome.end
    ]
    reused = {planned.session_id for planned in outcome.plan.sessions}  # drafts too close stay
    removed = delete_drafts(
        db, series_id=series_id, session_ids=[d.id for d in drafts if d.id not in reused]
    )
    by_id = {d.id: d for d in drafts}
    kept = updated = added = 0
    for planned in outcome.plan.sessions:
        if planned.is_fixed:
            continue
        previous = by_id.get(planned.session_id) if planned.session_id is not None else None
        if previous is None:
            add_session(
                db,
                series_id=series_id,
                theme_id=planned.theme_id,
                starts_at=planned.starts_at,
                duration_minutes=catalog.series.duration_minutes,
                speaker_ids=planned.speaker_ids,
                moderator_id=planned.moderator_id,
                plan_score=planned.score,
                plan_reasons=planned.reasons,
            )
            added += 1
            continue
        if _unchanged(previous, planned):
            kept += 1
        else:
            updated += 1
        update_draft(
            db,
            series_id=series_id,
            session_id=previous.id,
            theme_id=planned.theme_id,
            starts_at=planned.starts_at,
            speaker_ids=planned.speaker_ids,
            moderator_id=planned.moderator_id,
            plan_score=planned.score,
            plan_reasons=planned.reasons,
        )
    ahead = list_sessions(
        db, series_id=series_id, statuses=[SessionStatus.DRAFT], starting_from=outcome.start
    )
    renumber_drafts(db, series_id=series_id, session_ids=[draft.id for draft in ahead])
    return SavedPlan(kept=kept, updated=updated, added=added, removed=removed)


def _unchanged(previous: Session, planned: PlannedSession) -> bool:
    return (
        previous.theme_id == planned.theme_id
        and previous.speaker_ids == planned.speaker_ids
        and previous.moderator_id == planned.moderator_id
    )
