"""``gedsi-bot report``: the disaggregated report of a session, the series or a date range."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gedsi_bot.cli import common
from gedsi_bot.domain.disaggregation import Dim, Measure, Question, ReportScope, Row
from gedsi_bot.errors import InvalidInput, NotFound
from gedsi_bot.locale import Language, t
from gedsi_bot.reports import Labels, ReportDocument
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.reporting import (
    InvalidDateRange,
    build_report_document,
    save_report_files,
)

# The sections worth reading on a terminal; the files hold every one.
_TERMINAL_SECTIONS = (Dim.SEX, Dim.AGE_GROUP, Dim.DISABILITY, Dim.CATEGORY, Dim.KECAMATAN)


def _day(value: str | None, language: Language) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(t("report.cli.bad_date", language, value=value)) from None


def report(
    session: Annotated[
        int | None,
        typer.Argument(help="Session number; leave out for the whole series.", show_default=False),
    ] = None,
    *,
    series: Annotated[
        bool, typer.Option("--series", help="The whole series (also without SESSION).")
    ] = False,
    first_day: Annotated[
        str | None,
        typer.Option("--from", help="First day, YYYY-MM-DD (sessions starting that day on)."),
    ] = None,
    last_day: Annotated[
        str | None, typer.Option("--until", help="Last day, YYYY-MM-DD, inclusive.")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the XLSX workbook here.")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the tidy CSV here.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write the PNG charts here.")] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Office-internal: full numbers, participant names and texts (never share).",
        ),
    ] = False,
) -> None:
    """Registered, attended and feedback by sex, age, disability, category and area.

    Small numbers are written "<5" unless --full is given.
    """
    language = common.language()
    if session is not None and (series or first_day or last_day):
        raise InvalidInput(t("report.cli.scope_conflict", language))
    scope = ReportScope(
        session_number=session,
        first_day=_day(first_day, language),
        last_day=_day(last_day, language),
    )
    config = common.settings()
    plan = common.catalog(config)
    db = common.database(config)
    try:
        document = build_report_document(ServiceContext.open(db, plan), scope=scope, full=full)
    except InvalidDateRange as error:
        raise InvalidInput(
            t("report.cli.bad_range", language, first=error.first, last=error.last)
        ) from None
    except NotFound:
        if session is None:
            raise
        raise NotFound(t("report.cli.session_not_found", language, number=session)) from None
    finally:
        db.dispose()
    if full:
        common.echo_err(t("report.cli.full_warning", language))
    print_summary(document, language, Console(width=120, highlight=False))
    fonts = config.resolved_flyers_dir / "fonts"
    written = save_report_files(
        document, language=language, xlsx=xlsx, csv=csv, png=png, fonts=fonts
    )
    for path in written:
        typer.echo(t("report.cli.written", language, path=path))


def print_summary(document: ReportDocument, language: Language, console: Console) -> None:
    """The report's main figures and a short breakdown as terminal tables."""
    labels = Labels(document, language)
    report = document.report
    console.print(f"[bold]{labels.t('title', series=document.series_name)}[/bold]", markup=True)
    console.print(labels.scope(), markup=False)
    console.print(labels.mode(), markup=False)

    figures = Table(title=labels.t("heading.key_figures"), title_justify="left")
    figures.add_column(labels.t("column.measure"))
    for sex in report.sexes:
        figures.add_column(labels.sex(sex), justify="right")
    figures.add_column(labels.t("column.total"), justify="right")
    for measure in Measure:
        if measure is Measure.HELD:
            continue
        split = [labels.count(report.total.figure(measure, sex)) for sex in report.sexes]
        if measure not in (Measure.REGISTERED, Measure.ATTENDED):
            split = ["" for _ in report.sexes]
        figures.add_row(
            labels.measure(measure), *split, labels.count(report.total.totals[measure])
        )
    console.print(figures)

    indicators = report.indicators
    for key, registered, attended in (
        ("women", indicators.women_registered, indicators.women_attended),
        ("children", indicators.children_registered, indicators.children_attended),
        ("disability", indicators.disability_registered, indicators.disability_attended),
    ):
        console.print(
            f"{labels.t(f'indicator.{key}')}: "
            f"{labels.measure(Measure.REGISTERED).lower()} {labels.percent(registered)} · "
            f"{labels.measure(Measure.ATTENDED).lower()} {labels.percent(attended)}",
            markup=False,
        )
    console.print(
        f"{labels.t('indicator.attendance_rate')}: {labels.percent(indicators.attendance_rate)}",
        markup=False,
    )

    breakdown = Table(title=labels.t("sheet.breakdown"), title_justify="left")
    breakdown.add_column(labels.t("column.group"))
    for name in (
        labels.measure(Measure.REGISTERED),
        labels.t("column.share"),
        labels.measure(Measure.ATTENDED),
        labels.t("column.attendance_rate"),
        labels.measure(Measure.FEEDBACK),
    ):
        breakdown.add_column(name, justify="right")

    def add(row: Row, name: str) -> None:
        breakdown.add_row(
            name,
            labels.count(row.totals[Measure.REGISTERED]),
            labels.percent(row.share),
            labels.count(row.totals[Measure.ATTENDED]),
            labels.percent(row.attendance_rate),
            labels.count(row.totals[Measure.FEEDBACK]),
        )

    add(report.total, labels.t("everyone"))
    shown = [
        *_TERMINAL_SECTIONS,
        *((Dim.SESSION,) if Dim.SESSION in report.sections_by_dimension else ()),
    ]
    for dimension in shown:
        section = report.section(dimension)
        breakdown.add_section()
        for row in section.rows:
            if row.depth == 0 and dimension is Dim.SESSION:
                add(row, labels.row(row))
            elif row.depth == 0:
                add(row, f"{labels.dimension_short(dimension)}: {labels.row(row)}")
    console.print(breakdown)

    overall = report.satisfaction_overall
    console.print(
        t(
            "report.summary.satisfaction",
            language,
            material=labels.average(overall.averages[Question.MATERIAL]),
            speaker=labels.average(overall.averages[Question.SPEAKER]),
            usefulness=labels.average(overall.averages[Question.USEFULNESS]),
        ),
        markup=False,
    )
    themes = [f"{labels.theme(d.theme_id)} ({labels.count(d.count)})" for d in report.demand[:5]]
    console.print(
        labels.t("summary.demand", themes="; ".join(themes))
        if themes
        else labels.t("no_suggestions"),
        markup=False,
    )
    legend = labels.t("summary.legend") if report.suppressed else labels.t("summary.internal")
    console.print(legend, markup=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
