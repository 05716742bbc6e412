"""``gedsi-bot plan``: the best plan for the next sessions, shown and, with ``--save``, stored.

Exit codes: 0 with a plan, 2 when no plan meets the rules (the reasons go to stderr in the
office's language) or the options are wrong, 1 for anything else.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from babel.numbers import format_decimal, format_percent
from rich.console import Console
from rich.table import Table

from gedsi_bot.cli import common
from gedsi_bot.domain.calendar import SkippedDay, SkipReason
from gedsi_bot.domain.planner import PlannedSession
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_date, format_when, t
from gedsi_bot.services.planning import BadPeriod, PlanOutcome, plan_next_sessions

REASONS_IN_TABLE = 2  # the table's one-line reason joins the strongest two
TABLE_WIDTH = 180


class PlanFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"


def plan(
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First day to plan (YYYY-MM-DD); default today. New sessions start "
            "planning.lead_days after today at the earliest.",
        ),
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", help="How many sessions to plan (default 12).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Plan every session up to this day.")
    ] = None,
    output: Annotated[
        PlanFormat, typer.Option("--format", help="table, json, csv or md.")
    ] = PlanFormat.TABLE,
    save: Annotated[
        bool, typer.Option("--save", help="Store the plan as drafts (replaces drafts only).")
    ] = False,
) -> None:
    """Plan dates, themes, speakers and moderators for the next sessions of the series."""
    config = common.settings()
    language = config.language
    catalog = common.catalog(config)
    today = common.now().astimezone(catalog.series.zone).date()
    first = _day(start, language) if start else today
    last = _day(until, language) if until else None
    database = common.database(config)
    try:
        outcome = plan_next_sessions(
            database,
            catalog,
            start=first,
            today=today,
            count=count,
            until=last,
            save=save,
            language=language,
        )
    except BadPeriod as error:
        common.echo_err(t(error.key, language, **error.values))
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    _print(outcome, catalog, output, language, save=save)
    if not outcome.plan.feasible:
        common.echo_err(t("planner.cli.cannot_plan", language))
        for problem in outcome.plan.problems:
            common.echo_err(f"- {problem}")
        if save:
            common.echo_err(t("planner.cli.not_saved", language))
        raise typer.Exit(2)


def _day(value: str, language: Language) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        common.echo_err(t("planner.cli.bad_date", language, value=value))
        raise typer.Exit(2) from None


def _print(
    outcome: PlanOutcome, catalog: Catalog, output: PlanFormat, language: Language, *, save: bool
) -> None:
    if output is PlanFormat.JSON:
        typer.echo(json.dumps(outcome_as_json(outcome, catalog, language), ensure_ascii=False))
    elif output is PlanFormat.CSV:
        typer.echo(_csv(outcome, catalog, language), nl=False)
    elif output is PlanFormat.MD:
        typer.echo(_markdown(outcome, catalog, language))
    else:
        _table(outcome, catalog, language, save=save)


# --- JSON -----------------------------------------------------------------------------------


def outcome_as_json(outcome: PlanOutcome, catalog: Catalog, language: Language) -> dict[str, Any]:
    """The plan as one JSON object (documented in README.md, "The plan as JSON")."""
    plan = outcome.plan
    solve = plan.solve
    zone = catalog.series.zone
    return {
        "status": solve.status.value,
        "objective": solve.objective,
        "bound": solve.bound,
        "gap": round(solve.gap, 6),
        "solve_seconds": round(solve.seconds, 3),
        "stages": [
            {
                "stage": stage.stage,
                "status": stage.status.value,
                "objective": stage.objective,
                "bound": stage.bound,
                "seconds": round(stage.seconds, 3),
            }
            for stage in solve.stages
        ],
        "period": {
            "from": outcome.start.astimezone(zone).isoformat(),
            "until": outcome.end.astimezone(zone).isoformat(),
        },
        "sessions": [_session_json(item, catalog, language) for item in plan.sessions],
        "changes": [
            {
                "session_id": change.session_id,
                "number": change.number,
                "starts_at": change.starts_at.astimezone(zone).isoformat(),
                "kind": change.kind.value,
                "text": change.text,
            }
            for change in plan.changes
        ],
        "skipped": [
            {"date": day.day.isoformat(), "reason": day.reason.value, "name": day.name}
            for day in outcome.skipped
        ],
        "problems": list(plan.problems),
        "notes": list(plan.notes),
        "saved": (
            None
            if outcome.saved is None
            else {
                "kept": outcome.saved.kept,
                "updated": outcome.saved.updated,
                "added": outcome.saved.added,
                "removed": outcome.saved.removed,
            }
        ),
    }


def _session_json(item: PlannedSession, catalog: Catalog, language: Language) -> dict[str, Any]:
    starts = item.starts_at.astimezone(catalog.series.zone)
    return {
        "number": item.number,
        "session_id": item.session_id,
        "status": item.status.value,
        "fixed": item.is_fixed,
        "revision": item.revision.value if item.revision is not None else None,
        "starts_at": starts.isoformat(),
        "when": format_when(starts, language),
        "duration_minutes": catalog.series.duration_minutes,
        "theme_id": item.theme_id,
        "theme_title": _theme_title(catalog, item.theme_id),
        "group": _theme_group(catalog, item.theme_id),
        "speaker_ids": list(item.speaker_ids),
        "speakers": [_name(catalog, person) for person in item.speaker_ids],
        "moderator_id": item.moderator_id,
        "moderator": _name(catalog, item.moderator_id) if item.moderator_id else None,
        "score": item.score,
        "reasons": list(item.reasons),
    }


# --- table, CSV, Markdown -------------------------------------------------------------------


def _rows(outcome: PlanOutcome, catalog: Catalog, language: Language) -> list[list[str]]:
    zone = catalog.series.zone
    rows = []
    for item in outcome.plan.sessions:
        number = str(item.number) if item.number is not None else t("planner.cli.new", language)
        rows.append(
            [
                number,
                format_when(item.starts_at.astimezone(zone), language),
                _theme_title(catalog, item.theme_id),
                ", ".join(_name(catalog, person) for person in item.speaker_ids) or "—",
                _name(catalog, item.moderator_id) if item.moderator_id else "—",
                "; ".join(item.reasons[:REASONS_IN_TABLE]),
                _status(item, language),
            ]
        )
    return rows


def _status(item: PlannedSession, language: Language) -> str:
    if item.revision is not None:
        return t(f"planner.cli.revision.{item.revision.value}", language)
    return t(f"planner.status.{item.status.value}", language)


_COLUMNS = ("number", "when", "theme", "speakers", "moderator", "reason", "status")


def _table(outcome: PlanOutcome, catalog: Catalog, language: Language, *, save: bool) -> None:
    console = Console(highlight=False)
    if not console.is_terminal:  # piped or redirected: a width that keeps rows readable
        console = Console(highlight=False, width=TABLE_WIDTH)
    if outcome.plan.sessions:
        table = Table(show_lines=True)
        for column in _COLUMNS:
            whole = column in {"number", "when", "status"}  # a date reads as one line
            table.add_column(t(f"planner.cli.column.{column}", language), no_wrap=whole)
        for row in _rows(outcome, catalog, language):
            table.add_row(*row)
        console.print(table)
    else:
        console.print(t("planner.cli.no_sessions", language))
    for line in _summary(outcome, language):
        console.print(line, markup=False)
    if outcome.plan.feasible and not save and outcome.plan.sessions:
        console.print(t("planner.cli.hint_save", language), markup=False)


def _summary(outcome: PlanOutcome, language: Language) -> list[str]:
    """Status, changes, left-out dates, notes and what was saved, line by line."""
    plan = outcome.plan
    solve = plan.solve
    gap = format_percent(solve.gap, "#,##0.0%", locale=language)
    meaning = t(f"planner.cli.meaning.{solve.status.value}", language, gap=gap)
    lines = [
        t(
            "planner.cli.status_line",
            language,
            status=solve.status.value,
            meaning=meaning,
            sessions=len(plan.sessions),
            objective=solve.objective if solve.objective is not None else "—",
            seconds=format_decimal(solve.seconds, "#,##0.0", locale=language),
        )
    ]
    if plan.changes:
        lines.append(t("planner.cli.changes", language))
        lines.extend(f"- {change.text}" for change in plan.changes)
    if outcome.skipped:
        lines.append(t("planner.cli.skipped", language))
        lines.extend(f"- {_skipped(day, language)}" for day in outcome.skipped)
    if plan.notes:
        lines.append(t("planner.cli.notes", language))
        lines.extend(f"- {note}" for note in plan.notes)
    if outcome.saved is not None:
        saved = outcome.saved
        lines.append(
            t(
                "planner.cli.saved",
                language,
                kept=saved.kept,
                updated=saved.updated,
                added=saved.added,
                removed=saved.removed,
            )
        )
    return lines


def _skipped(day: SkippedDay, language: Language) -> str:
    date = format_date(day.day, language)
    if day.reason is SkipReason.HOLIDAY:
        return t("planner.cli.skipped_holiday", language, date=date, name=day.name)
    return t("planner.cli.skipped_blackout", language, date=date)


def _csv(outcome: PlanOutcome, catalog: Catalog, language: Language) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "number",
            "status",
            "starts_at",
            "when",
            "theme_id",
            "theme_title",
            "speaker_ids",
            "speakers",
            "moderator_id",
            "moderator",
            "score",
            "reasons",
        ]
    )
    for item in outcome.plan.sessions:
        data = _session_json(item, catalog, language)
        writer.writerow(
            [
                data["number"] if data["number"] is not None else "",
                data["status"],
                data["starts_at"],
                data["when"],
                data["theme_id"],
                data["theme_title"],
                ";".join(data["speaker_ids"]),
                "; ".join(data["speakers"]),
                data["moderator_id"] or "",
                data["moderator"] or "",
                data["score"],
                "; ".join(data["reasons"]),
            ]
        )
    return buffer.getvalue()


def _markdown(outcome: PlanOutcome, catalog: Catalog, language: Language) -> str:
    header = [t(f"planner.cli.column.{column}", language) for column in _COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend(
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in _rows(outcome, catalog, language)
    )
    lines.append("")
    lines.extend(_summary(outcome, language))
    return "\n".join(lines)


# --- names --------------------------------------------------------------------------------------


def _name(catalog: Catalog, person_id: str) -> str:
    try:
        return catalog.person(person_id).name
    except KeyError:
        return person_id


def _theme_title(catalog: Catalog, theme_id: str) -> str:
    try:
        return catalog.theme(theme_id).title
    except KeyError:
        return theme_id


def _theme_group(catalog: Catalog, theme_id: str) -> str | None:
    try:
        return catalog.theme(theme_id).group.value
    except KeyError:
        return None


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
