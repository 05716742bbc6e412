"""Reports: the disaggregated report of one session, the whole series or a date range, and its
files (XLSX, CSV, PNG) and summary for the admins.

By default every report is fit to leave the office (small cells suppressed, no names); ``full``
gives the office-internal version with full numbers, the participant list and what people wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gedsi_bot.domain.disaggregation import ReportData, ReportScope, ReportSession, build_report
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import Language
from gedsi_bot.report_charts import chart_png
from gedsi_bot.reports import ReportDocument, csv_text, summary_html, xlsx_bytes
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store.reports import (
    SessionFilter,
    count_registrations,
    feedback_texts,
    participant_lines,
    rating_totals,
    report_sessions,
    suggested_themes,
)
from gedsi_bot.store.sessions import get_session


class InvalidDateRange(InvalidInput):
    """The first day of a report's range falls after its last day."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        super().__init__(f"first day {first} after last day {last}")
        self.first = first
        self.last = last


def session_filter(scope: ReportScope, *, series_id: int, catalog: Catalog) -> SessionFilter:
    """The sessions ``scope`` covers: whole days in the series' own timezone."""
    first, last = scope.first_day, scope.last_day
    if first is not None and last is not None and first > last:
        raise InvalidDateRange(first, last)
    zone = catalog.series.zone
    midnight = dt.time(0, 0)
    return SessionFilter(
        series_id=series_id,
        number=scope.session_number,
        starts_from=dt.datetime.combine(first, midnight, zone) if first else None,
        starts_before=(
            dt.datetime.combine(last + dt.timedelta(days=1), midnight, zone) if last else None
        ),
    )


def build_report_document(
    ctx: ServiceContext, *, scope: ReportScope, full: bool = False
) -> ReportDocument:
    """The report of ``scope``; ``full`` for the office-internal version.

    ``NotFound`` if ``scope`` names a session that does not exist; ``InvalidDateRange`` if its
    days are the wrong way round.
    """
    catalog = ctx.catalog
    where = session_filter(scope, series_id=ctx.series_id, catalog=catalog)
    with ctx.database.read() as db:
        if scope.session_number is not None:
            get_session(db, series_id=ctx.series_id, number=scope.session_number)
        sessions = report_sessions(db, where)
        counts = count_registrations(db, where)
        ratings = rating_totals(db, where)
        suggested, free = suggested_themes(db, where)
        participants = tuple(participant_lines(db, where)) if full else ()
        texts = tuple(feedback_texts(db, where)) if full else ()
    titles = {theme.id: theme.title for theme in catalog.themes}
    data = ReportData(
        counts=counts,
        sessions=tuple(
            ReportSession(
                number=session.number,
                theme_id=session.theme_id,
                theme_title=titles.get(session.theme_id, session.theme_id),
                starts_at=session.starts_at,
            )
            for session in sessions
        ),
        ratings=ratings,
        suggested_themes=suggested,
        free_suggestions=free,
    )
    report = build_report(
        data, scope=scope, areas=ctx.areas, suppress=not full, generated_at=ctx.clock.now()
    )
    return ReportDocument(
        report=report,
        series_name=catalog.series.name,
        organiser=catalog.series.organiser,
        zone=catalog.series.zone,
        areas=ctx.areas,
        theme_titles=titles,
        participants=participants,
        feedback_texts=texts,
    )


def report_file_stem(scope: ReportScope) -> str:
    """ "laporan-sesi-3", "laporan-seri" or "laporan-2026-01-01-sd-2026-03-31"."""
    if scope.session_number is not None:
        return f"laporan-sesi-{scope.session_number}"
    if scope.kind == "series":
        return "laporan-seri"
    first = scope.first_day.isoformat() if scope.first_day else "awal"
    last = scope.last_day.isoformat() if scope.last_day else "akhir"
    return f"laporan-{first}-sd-{last}"


@dataclass(frozen=True, slots=True)
class ReportMessage:
    """What the bot sends an admin for ``/laporan``: a summary, the chart and the workbook."""

    text: str  # HTML, escaped, at most 4096 characters
    png: bytes
    png_name: str
    xlsx: bytes
    xlsx_name: str


def report_for_chat(
    ctx: ServiceContext,
    *,
    session_number: int | None,
    language: Language,
    full: bool = False,
    fonts: Path | None = None,
) -> ReportMessage:
    """The report of session ``session_number`` (the whole series for ``None``) for a chat.

    ``fonts`` is the office's font folder (``Settings.resolved_flyers_dir / "fonts"``).
    """
    scope = ReportScope(session_number=session_number)
    document = build_report_document(ctx, scope=scope, full=full)
    stem = report_file_stem(scope)
    return ReportMessage(
        text=summary_html(document, language),
        png=chart_png(document, language, fonts=fonts),
        png_name=f"{stem}.png",
        xlsx=xlsx_bytes(document, language),
        xlsx_name=f"{stem}{'-internal' if full else ''}.xlsx",
    )


def save_report_files(
    document: ReportDocument,
    *,
    language: Language,
    xlsx: Path | None = None,
    csv: Path | None = None,
    png: Path | None = None,
    fonts: Path | None = None,
) -> list[Path]:
    """Write the requested files; return the paths written."""
    renderers: list[tuple[Path | None, Callable[[], bytes]]] = [
        (xlsx, lambda: xlsx_bytes(document, language)),
        (csv, lambda: csv_text(document, language).encode("utf-8")),
        (png, lambda: chart_png(document, language, fonts=fonts)),
    ]
    written = []
    for path, render in renderers:
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render())
        written.append(path)
    return written
