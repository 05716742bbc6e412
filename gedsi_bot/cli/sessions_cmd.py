"""``gedsi-bot sessions …``: what is stored about the series' sessions."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gedsi_bot.cli import common
from gedsi_bot.domain.model import Session
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_when, t
from gedsi_bot.store.sessions import list_sessions

sessions_app = typer.Typer(help="Stored sessions.", no_args_is_help=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _person_name(plan: Catalog, person_id: str | None) -> str:
    if person_id is None:
        return "—"
    try:
        return plan.person(person_id).name
    except KeyError:
        return person_id


def _theme_title(plan: Catalog, theme_id: str) -> str:
    try:
        return plan.theme(theme_id).title
    except KeyError:
        return theme_id


def session_as_json(session: Session, plan: Catalog) -> dict[str, Any]:
    """A stored session as a JSON-ready object (times in ISO 8601 with the series' offset)."""
    meeting = session.meeting
    return {
        "number": session.number,
        "status": session.status.value,
        "starts_at": session.starts_at.astimezone(plan.series.zone).isoformat(),
        "duration_minutes": session.duration_minutes,
        "theme_id": session.theme_id,
        "theme_title": _theme_title(plan, session.theme_id),
        "speaker_ids": list(session.speaker_ids),
        "moderator_id": session.moderator_id,
        "meeting_id": meeting.meeting_id if meeting else None,
        "meeting_source": meeting.source.value if meeting else None,
    }


def _table(sessions: list[Session], plan: Catalog, language: Language) -> Table:
    table = Table(show_lines=False)
    for column in ("number", "when", "theme", "speakers", "moderator", "status"):
        table.add_column(t(f"cli.column.{column}", language))
    zone = plan.series.zone
    for session in sessions:
        table.add_row(
            str(session.number),
            format_when(session.starts_at.astimezone(zone), language),
            _theme_title(plan, session.theme_id),
            ", ".join(_person_name(plan, person) for person in session.speaker_ids),
            _person_name(plan, session.moderator_id),
            t(f"cli.status.{session.status.value}", language),
        )
    return table


@sessions_app.command("list")
def sessions_list(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.TABLE,
) -> None:
    """List the series' sessions in date order."""
    config = common.settings()
    plan = common.catalog(config)
    db = common.database(config)
    try:
        series = common.series_id(db, plan)
        with db.read() as session:
            sessions = list_sessions(session, series_id=series)
    finally:
        db.dispose()
    if output is OutputFormat.JSON:
        typer.echo(json.dumps([session_as_json(s, plan) for s in sessions], ensure_ascii=False))
    elif not sessions:
        typer.echo(t("cli.no_sessions", config.language))
    else:
        Console(width=160).print(_table(sessions, plan, config.language))


def register(app: typer.Typer) -> None:
    app.add_typer(sessions_app, name="sessions")
