"""``gedsi-bot attendance …`` and ``gedsi-bot certificate issue|verify``: after the session."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from gedsi_bot.cli import common
from gedsi_bot.cli.render_cmd import certificate_app
from gedsi_bot.config import Settings
from gedsi_bot.domain.attendance import ImportOutcome
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.locale import format_date, format_when, t
from gedsi_bot.services import attendance as attendance_service
from gedsi_bot.services import certificates as certificate_service
from gedsi_bot.services.certificates import CertificateRenderer, Validity
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.zoom import ZoomClient

attendance_app = typer.Typer(
    help="Attendance: read it from Zoom, list it, mark it by hand.", no_args_is_help=True
)

SessionNumber = Annotated[
    int, typer.Argument(help="Session number (see: gedsi-bot sessions list).")
]


def _context() -> tuple[ServiceContext, Settings]:
    config = common.settings()
    plan = common.catalog(config)
    return ServiceContext.open(common.database(config), plan), config


def _renderer(config: Settings) -> CertificateRenderer:
    return CertificateRenderer(
        folder=config.data_dir / certificate_service.ISSUED_FOLDER,
        flyers_dir=config.resolved_flyers_dir,
        bot_username=config.bot_username,
        language=config.language,
    )


@attendance_app.command("import")
def attendance_import() -> None:
    """Read Zoom's report of every session that ended and was not read yet (as the bot does)."""
    ctx, config = _context()
    language = config.language

    async def work() -> list[attendance_service.AttendanceRun]:
        if not config.has_zoom_credentials:
            return await attendance_service.import_due_attendance(
                ctx, None, options=config.meeting_options
            )
        async with ZoomClient.from_settings(config) as client:
            return await attendance_service.import_due_attendance(
                ctx, client, options=config.meeting_options
            )

    try:
        runs = asyncio.run(work())
    finally:
        ctx.database.dispose()
    if not runs:
        typer.echo(t("aftercare.cli.nothing_due", language))
    for run in runs:
        number = run.session.number
        if run.outcome is ImportOutcome.ZOOM and run.report is not None:
            typer.echo(
                t(
                    "aftercare.cli.imported",
                    language,
                    number=number,
                    attended=run.report.attended,
                    no_show=run.report.no_show,
                )
            )
        else:
            typer.echo(t("aftercare.cli.left_for_admin", language, number=number))


@attendance_app.command("list")
def attendance_list(number: SessionNumber) -> None:
    """Every registration of the session with its attendance (ids for ``mark``)."""
    ctx, config = _context()
    language = config.language
    try:
        sheet = attendance_service.attendance_sheet(ctx, number=number)
    except attendance_service.NotHeldYet:
        common.echo_err(t("aftercare.attendance.admin.not_held", language, number=number))
        raise typer.Exit(2) from None
    finally:
        ctx.database.dispose()
    typer.echo(
        t(
            "aftercare.cli.sheet_header",
            language,
            number=number,
            attended=sheet.attended,
            total=len(sheet.lines),
        )
    )
    nameless = t("aftercare.attendance.admin.nameless", language)
    for line in sheet.lines:
        typer.echo(
            t(
                "aftercare.cli.sheet_row",
                language,
                mark="x" if line.status is RegistrationStatus.ATTENDED else " ",
                id=line.registration_id,
                status=line.status.value,
                minutes="" if line.minutes is None else line.minutes,
                name=line.name or nameless,
            )
        )


@attendance_app.command("mark")
def attendance_mark(
    number: SessionNumber,
    registration_ids: Annotated[
        list[int], typer.Argument(help="Registration ids (see: gedsi-bot attendance list).")
    ],
    absent: Annotated[
        bool, typer.Option("--absent", help="Mark them as not attended instead.")
    ] = False,
) -> None:
    """Mark registrations attended by hand (kept even if Zoom's report is read later)."""
    ctx, config = _context()
    language = config.language
    try:
        result = attendance_service.mark_attendance(
            ctx, number=number, registration_ids=registration_ids, attended=not absent
        )
    except attendance_service.NotHeldYet:
        common.echo_err(t("aftercare.attendance.admin.not_held", language, number=number))
        raise typer.Exit(2) from None
    finally:
        ctx.database.dispose()
    status = RegistrationStatus.NO_SHOW if absent else RegistrationStatus.ATTENDED
    typer.echo(
        t(
            "aftercare.cli.marked",
            language,
            number=number,
            count=len(result.changed),
            status=status.value,
        )
    )
    if result.unknown:
        ids = ", ".join(str(rid) for rid in result.unknown)
        common.echo_err(t("aftercare.cli.unknown_ids", language, number=number, ids=ids))


def certificate_issue(
    session: Annotated[
        int | None,
        typer.Argument(help="Session number; leave out for every session.", show_default=False),
    ] = None,
) -> None:
    """Issue the e-certificates now due (PNG and PDF) and queue them for their holders."""
    ctx, config = _context()
    language = config.language
    try:
        session_ids = None
        if session is not None:
            session_ids = [attendance_service.session_id_of(ctx, number=session)]
        issued = certificate_service.issue_due_certificates(
            ctx, _renderer(config), session_ids=session_ids
        )
        certificate_service.enqueue_certificates(ctx, issued)
    finally:
        ctx.database.dispose()
    if not issued:
        typer.echo(t("aftercare.cli.none_due", language))
        return
    for certificate in issued:
        typer.echo(
            t(
                "aftercare.cli.issued_row",
                language,
                serial=certificate.serial,
                code=certificate.code,
                png=certificate.files.png,
            )
        )
    typer.echo(t("aftercare.cli.issued", language, count=len(issued)))
    typer.echo(t("aftercare.cli.queued", language))


def certificate_verify(
    code: Annotated[str, typer.Argument(help="The verification code printed on the certificate.")],
) -> None:
    """Whose certificate a code is, for which session — or that it is revoked or unknown."""
    ctx, config = _context()
    language = config.language
    try:
        verification = certificate_service.verify_certificate(ctx, code)
    finally:
        ctx.database.dispose()
    session = verification.session
    if verification.validity is Validity.VALID and session is not None:
        catalog = ctx.catalog
        try:
            title = catalog.theme(session.theme_id).title
        except KeyError:
            title = session.theme_id
        typer.echo(
            t(
                "aftercare.cli.valid",
                language,
                holder=verification.holder_name,
                series=catalog.series.name,
                number=session.number,
                theme=title,
                date=format_date(
                    session.starts_at.astimezone(catalog.series.zone).date(), language
                ),
                serial=verification.serial,
            )
        )
        return
    if verification.validity is Validity.REVOKED and verification.revoked_at is not None:
        zone = ctx.catalog.series.zone
        typer.echo(
            t(
                "aftercare.cli.revoked",
                language,
                serial=verification.serial,
                date=format_when(verification.revoked_at.astimezone(zone), language),
            )
        )
        raise typer.Exit(1)
    typer.echo(t("aftercare.cli.unknown", language, code=code.strip()))
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(attendance_app, name="attendance")
    certificate_app.command("issue")(certificate_issue)
    certificate_app.command("verify")(certificate_verify)
