"""``gedsi-bot zoom …``: the sessions' Zoom meetings — create, show, enter by hand, attendance.

The commands talk to ``GEDSI_ZOOM_API_URL`` and ``GEDSI_ZOOM_OAUTH_URL``, so they work against
the Zoom sandbox as against Zoom. Zoom's refusals and the office's input mistakes are told in
the office's language: exit 1 for Zoom, 2 for input.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

from gedsi_bot.cli import common
from gedsi_bot.config import Settings
from gedsi_bot.domain.model import Meeting, Session, format_meeting_id
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_when, t
from gedsi_bot.services.meetings import (
    HasApiMeeting,
    InvalidMeeting,
    MeetingChange,
    NoMeeting,
    SessionClosed,
    cancel_meeting,
    describe_problem,
    ensure_meeting,
    fresh_host_url,
    import_attendance,
    set_manual_meeting,
)
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import get_session
from gedsi_bot.zoom import ZoomClient, ZoomError, describe

T = TypeVar("T")
zoom_app = typer.Typer(help="Zoom meetings of the sessions.", no_args_is_help=True)
SessionNumber = Annotated[int, typer.Argument(min=1, help="The session's number (#).")]


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@contextlib.contextmanager
def _told(config: Settings, plan: Catalog) -> Iterator[None]:
    """Say Zoom's refusals and the office's mistakes in its language, with the right exit code."""
    try:
        yield
    except ZoomError as error:
        common.echo_err(describe(error, config.language, zone=plan.series.zone))
        raise typer.Exit(1) from None
    except (InvalidMeeting, SessionClosed, NoMeeting, HasApiMeeting) as error:
        common.echo_err(describe_problem(error, config.language) or str(error))
        raise typer.Exit(2) from None


def _with_client(config: Settings, work: Callable[[ZoomClient], Awaitable[T]]) -> T:
    """Run ``work`` with a Zoom client; ``MissingCredentials`` when none is configured."""

    async def run() -> T:
        async with ZoomClient.from_settings(config) as client:
            return await work(client)

    return asyncio.run(run())


def _with_client_if_any(config: Settings, work: Callable[[ZoomClient | None], Awaitable[T]]) -> T:
    """Run ``work`` with a Zoom client, or ``None`` when no credentials are configured."""

    async def run() -> T:
        if not config.has_zoom_credentials:
            return await work(None)
        async with ZoomClient.from_settings(config) as client:
            return await work(client)

    return asyncio.run(run())


def _open(config: Settings) -> tuple[Catalog, Database, int]:
    plan = common.catalog(config)
    db = common.database(config)
    return plan, db, common.series_id(db, plan)


@zoom_app.command("create")
def zoom_create(number: SessionNumber) -> None:
    """Create the session's Zoom meeting through the API (nothing changes if it has one)."""
    config = common.settings()
    config.require_zoom_credentials()
    plan, db, series = _open(config)
    try:
        with _told(config, plan):
            result = _with_client(
                config,
                lambda client: ensure_meeting(
                    db,
                    client,
                    catalog=plan,
                    options=config.meeting_options,
                    series_id=series,
                    number=number,
                ),
            )
    finally:
        db.dispose()
    key = "zoom.cli.created" if result.created else "zoom.cli.existed"
    shown = format_meeting_id(result.meeting.meeting_id)
    typer.echo(t(key, config.language, number=number, meeting_id=shown))


@zoom_app.command("set")
def zoom_set(
    number: SessionNumber,
    meeting_id: Annotated[str, typer.Option("--meeting-id", help='E.g. "812 3456 7890".')],
    join_url: Annotated[str, typer.Option("--join-url", help="The Zoom join link.")],
    passcode: Annotated[
        str | None, typer.Option("--passcode", help="The meeting's passcode.")
    ] = None,
    host_url: Annotated[
        str | None, typer.Option("--host-url", help="The host's start link, if given.")
    ] = None,
) -> None:
    """Store a meeting entered by hand, as the IT office gave it; checked as Zoom would."""
    config = common.settings()
    plan, db, series = _open(config)
    try:
        with _told(config, plan):
            meeting = set_manual_meeting(
                db,
                series_id=series,
                number=number,
                meeting_id=meeting_id,
                passcode=passcode,
                join_url=join_url,
                host_url=host_url,
            )
    finally:
        db.dispose()
    shown = format_meeting_id(meeting.meeting_id)
    typer.echo(t("zoom.cli.stored", config.language, number=number, meeting_id=shown))


@zoom_app.command("show")
def zoom_show(
    number: SessionNumber,
    host_url: Annotated[
        bool,
        typer.Option("--host-url", help="Print the host's start link (fetched fresh from Zoom)."),
    ] = False,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.")
    ] = OutputFormat.TEXT,
) -> None:
    """Show the session's meeting: ID, passcode, join link, where it came from."""
    config = common.settings()
    plan, db, series = _open(config)
    try:
        with db.read() as session:
            stored = get_session(session, series_id=series, number=number)
        start_url = None
        if host_url and stored.meeting is not None:
            with _told(config, plan):
                start_url = _with_client_if_any(
                    config,
                    lambda client: fresh_host_url(db, client, series_id=series, number=number),
                )
    finally:
        db.dispose()
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_as_json(stored, start_url), ensure_ascii=False))
        return
    if stored.meeting is None:
        typer.echo(t("zoom.cli.no_meeting", config.language, number=number))
        return
    lines = _describe(
        session=stored,
        meeting=stored.meeting,
        plan=plan,
        language=config.language,
        start_url=start_url,
        asked_for_host=host_url,
    )
    typer.echo("\n".join(lines))


def _describe(
    *,
    session: Session,
    meeting: Meeting,
    plan: Catalog,
    language: Language,
    start_url: str | None,
    asked_for_host: bool,
) -> list[str]:
    none = t("zoom.cli.none", language)
    when = format_when(session.starts_at.astimezone(plan.series.zone), language)
    if asked_for_host:
        host = start_url or none
    else:
        host = t("zoom.cli.host_hidden", language) if meeting.host_url else none
    answer = "answer_yes" if meeting.uses_registration else "answer_no"
    rows = [
        ("session", f"#{session.number} — {when}"),
        ("meeting_id", format_meeting_id(meeting.meeting_id)),
        ("passcode", meeting.passcode or none),
        ("join_url", meeting.join_url),
        ("host_url", host),
        ("source", t(f"zoom.cli.source.{meeting.source.value}", language)),
        ("registration", t(f"zoom.cli.{answer}", language)),
    ]
    return [f"{t(f'zoom.cli.field.{name}', language)}: {value}" for name, value in rows]


def _as_json(session: Session, start_url: str | None) -> dict[str, Any]:
    meeting = session.meeting
    return {
        "number": session.number,
        "starts_at": session.starts_at.isoformat(),
        "meeting": None
        if meeting is None
        else {
            "meeting_id": meeting.meeting_id,
            "passcode": meeting.passcode,
            "join_url": meeting.join_url,
            "source": meeting.source.value,
            "uses_registration": meeting.uses_registration,
            "host_url": start_url,
        },
    }


@zoom_app.command("delete")
def zoom_delete(number: SessionNumber) -> None:
    """Remove the session's meeting: deleted at Zoom if gedsi-bot made it."""
    config = common.settings()
    plan, db, series = _open(config)
    try:
        with _told(config, plan):
            change = _with_client_if_any(
                config,
                lambda client: cancel_meeting(db, client, series_id=series, number=number),
            )
    finally:
        db.dispose()
    key = {
        MeetingChange.DELETED: "zoom.cli.deleted",
        MeetingChange.MANUAL: "zoom.cli.released",
    }.get(change, "zoom.cli.no_meeting")
    typer.echo(t(key, config.language, number=number))


@zoom_app.command("attendance")
def zoom_attendance(number: SessionNumber) -> None:
    """Read attendance from Zoom and mark registrations attended or no-show."""
    config = common.settings()
    config.require_zoom_credentials()
    plan, db, series = _open(config)
    try:
        with _told(config, plan):
            report = _with_client(
                config,
                lambda client: import_attendance(
                    db,
                    client,
                    catalog=plan,
                    options=config.meeting_options,
                    series_id=series,
                    number=number,
                ),
            )
    finally:
        db.dispose()
    language = config.language
    typer.echo(
        t(
            "zoom.cli.attendance",
            language,
            number=number,
            meeting_id=format_meeting_id(report.meeting_id),
            records=report.records,
            attended=report.attended,
            no_show=report.no_show,
        )
    )
    typer.echo(t("zoom.cli.matched", language, **{k.value: v for k, v in report.matched.items()}))
    if report.kept:
        typer.echo(t("zoom.cli.kept", language, count=report.kept))
    if not report.unmatched:
        typer.echo(t("zoom.cli.all_matched", language))
        return
    typer.echo(t("zoom.cli.unmatched", language, count=len(report.unmatched)))
    for attendee in report.unmatched:
        typer.echo(
            t("zoom.cli.unmatched_row", language, name=attendee.name, minutes=attendee.minutes)
        )


def register(app: typer.Typer) -> None:
    app.add_typer(zoom_app, name="zoom")
