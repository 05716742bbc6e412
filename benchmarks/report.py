"""How long the full series report takes for a series with 50,000 registrations.

    python benchmarks/report.py [--registrations 50000] [--postgres URL] [--repeat 5]

Builds the series in a fresh SQLite file (and, when ``--postgres URL`` or
``GEDSI_TEST_DATABASE_URL`` is given, in a private schema on that server, dropped afterwards)
with bulk inserts, then times building the series report: the shared version (SQL counts,
tables, small-cell suppression) against the 1 s target, the office-internal version (which
also lists every participant), and writing each file. Prints the best and median of the runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gedsi_bot.areas import load_areas  # noqa: E402
from gedsi_bot.catalog import load_catalog  # noqa: E402
from gedsi_bot.clock import SystemClock  # noqa: E402
from gedsi_bot.domain.disaggregation import Report, ReportScope  # noqa: E402
from gedsi_bot.domain.model import AgeBand, Category  # noqa: E402
from gedsi_bot.domain.suppression import Mark  # noqa: E402
from gedsi_bot.report_charts import chart_png  # noqa: E402
from gedsi_bot.reports import csv_text, xlsx_bytes  # noqa: E402
from gedsi_bot.services.context import ServiceContext  # noqa: E402
from gedsi_bot.services.reporting import build_report_document  # noqa: E402
from gedsi_bot.store.engine import Database, create_database_engine, upgrade  # noqa: E402
from gedsi_bot.store.tables import (  # noqa: E402
    FeedbackRow,
    ParticipantRow,
    RegistrationRow,
    SeriesRow,
    SessionRow,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
TARGET_SECONDS = 1.0
CATEGORIES = [c.value for c in Category]
CATEGORY_WEIGHTS = [30, 15, 20, 5, 15, 12, 3]
BANDS = [band.value for band in AgeBand][2:14]  # 10-14 … 65-69
BAND_WEIGHTS = [6, 12, 6, 8, 10, 12, 12, 10, 9, 7, 5, 3]
DISABILITIES = ["fisik", "intelektual", "mental", "sensorik_netra", "sensorik_rungu", "ganda"]


def populate(engine: Engine, *, registrations: int, seed: int = 2026) -> int:
    """A series of 100 sessions and ``registrations`` registrations; returns the series id."""
    rng = random.Random(seed)
    areas = [k.code for kec in load_areas().kecamatan for k in kec.kelurahan]
    catalog = load_catalog(ROOT / "themes.yaml")
    themes = [theme.id for theme in catalog.themes]
    sessions = 100
    with engine.begin() as connection:
        series_id = connection.execute(
            insert(SeriesRow)
            .values(slug=catalog.series.id, name=catalog.series.name)
            .returning(SeriesRow.id)
        ).scalar_one()
        first = dt.datetime(2023, 1, 12, 9, 0, tzinfo=JAKARTA)
        connection.execute(
            insert(SessionRow),
            [
                {
                    "series_id": series_id,
                    "number": number,
                    "theme_id": themes[number % len(themes)],
                    "starts_at": first + dt.timedelta(days=14 * number),
                    "duration_minutes": 120,
                    "status": "published" if number > sessions - 2 else "done",
                    "plan_reasons": [],
                    "flyer_file_ids": {},
                    "announcement_messages": [],
                }
                for number in range(1, sessions + 1)
            ],
        )
        session_ids = {
            number: session_id
            for session_id, number in connection.execute(
                text("SELECT id, number FROM sessions WHERE series_id = :s"), {"s": series_id}
            )
        }
        people = registrations * 2 // 5
        participant_rows = []
        for index in range(people):
            band = rng.choices(BANDS, BAND_WEIGHTS)[0]
            consented = rng.random() < 0.6
            disability = None
            if consented:
                roll = rng.random()
                disability = (
                    rng.choice(DISABILITIES)
                    if roll < 0.07
                    else "tidak_menjawab"
                    if roll < 0.1
                    else "tidak"
                )
            participant_rows.append(
                {
                    "telegram_user_id": 10_000_000 + index,
                    "full_name": f"Peserta {index}",
                    "sex": "P" if rng.random() < 0.7 else "L",
                    "birth_year": 2024 - int(band.split("-")[0]) - 2,
                    "category": rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0],
                    "institution": f"Instansi {index % 400}",
                    "area_code": "luar_kota" if rng.random() < 0.05 else rng.choice(areas),
                    "disability_consent": consented,
                    "disability": disability,
                    "band": band,
                }
            )
        connection.execute(
            insert(ParticipantRow),
            [{k: v for k, v in row.items() if k != "band"} for row in participant_rows],
        )
        participant_ids = list(
            connection.execute(text("SELECT id FROM participants ORDER BY id")).scalars()
        )
        chosen: set[tuple[int, int]] = set()
        while len(chosen) < registrations:
            chosen.add((rng.randint(1, sessions), rng.randrange(people)))
        rows = []
        for number, person in sorted(chosen):
            profile = participant_rows[person]
            if number > sessions - 2:
                status = "registered" if rng.random() < 0.95 else "waitlisted"
            else:
                status = rng.choices(
                    ["attended", "no_show", "registered", "waitlisted", "cancelled"],
                    [75, 15, 2, 4, 4],
                )[0]
            rows.append(
                {
                    "session_id": session_ids[number],
                    "participant_id": participant_ids[person],
                    "status": status,
                    "attendance_minutes": 100 if status == "attended" else None,
                    "sex": profile["sex"],
                    "age_band": profile["band"],
                    "is_child": profile["band"] in ("10-14", "15-19") and rng.random() < 0.8,
                    "category": profile["category"],
                    "area_code": profile["area_code"],
                    "disability": profile["disability"],
                }
            )
        connection.execute(insert(RegistrationRow), rows)
        attended = list(
            connection.execute(
                text("SELECT id FROM registrations WHERE status = 'attended' ORDER BY id")
            ).scalars()
        )
        connection.execute(
            insert(FeedbackRow),
            [
                {
                    "registration_id": registration,
                    "rating_material": rng.randint(3, 5),
                    "rating_speaker": rng.randint(3, 5),
                    "rating_usefulness": rng.randint(2, 5),
                    "suggested_theme_id": rng.choice(themes) if rng.random() < 0.5 else None,
                    "suggested_theme_text": "Literasi digital" if rng.random() < 0.02 else None,
                    "comment": "Terima kasih" if rng.random() < 0.05 else None,
                }
                for registration in attended
                if rng.random() < 0.7
            ],
        )
    return int(series_id)


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Best and median wall-clock seconds over ``repeat`` runs, and the best CPU seconds.

    The CPU time of this process (SQLite runs in it) is less disturbed by a busy machine; on
    PostgreSQL it leaves out the server's share.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(wall), statistics.median(wall), min(cpu)


def _line(label: str, figures: tuple[float, float, float]) -> str:
    best, median, cpu = figures
    return f"  {label}: best {best:.3f} s, median {median:.3f} s (cpu {cpu:.3f} s)"


def published_marks(report: Report) -> Counter[Mark]:
    """How the counts of the tables are published: shown, "<5" or hidden ("x")."""
    rows = [report.total, *(row for section in report.sections for row in section.rows)]
    return Counter(
        figure.mark
        for row in rows
        for figure in (
            *row.totals.values(),
            *(figure for by_sex in row.by_sex.values() for figure in by_sex.values()),
        )
    )


def measure(name: str, engine: Engine, *, registrations: int, repeat: int) -> bool:
    started = time.perf_counter()
    series_id = populate(engine, registrations=registrations)
    print(
        f"{name}: {registrations:,} registrations stored in {time.perf_counter() - started:.1f} s"
    )
    database = Database(engine)
    catalog = load_catalog(ROOT / "themes.yaml")
    ctx = ServiceContext(database, catalog, series_id, clock=SystemClock())

    def build(*, full: bool) -> Callable[[], object]:
        return lambda: build_report_document(ctx, scope=ReportScope(), full=full)

    build(full=False)()  # warm up: imports, caches, the database's pages
    shared = timed(build(full=False), repeat)
    internal = timed(build(full=True), max(1, repeat // 2))
    document = build_report_document(ctx, scope=ReportScope(), full=False)
    full_document = build_report_document(ctx, scope=ReportScope(), full=True)
    ok = shared[0] <= TARGET_SECONDS
    verdict = "met" if ok else "MISSED"
    print(
        _line("series report, shared (counts + suppression)", shared), f"[target 1 s: {verdict}]"
    )
    marks = published_marks(document.report)
    women = document.report.indicators.women_registered
    print(
        f'  published counts: {marks[Mark.SHOWN]} shown, {marks[Mark.SMALL]} "<5", '
        f"{marks[Mark.HIDDEN]} hidden; share of women registered "
        + ("hidden" if women is None else f"{women:.1f} %")
    )
    lines = f"{len(full_document.participants):,}"
    print(_line(f"series report, internal (+ {lines} participant lines)", internal))
    for label, action in (
        ("write XLSX, shared", lambda: xlsx_bytes(document, "id")),
        ("write XLSX, internal", lambda: xlsx_bytes(full_document, "id")),
        ("write CSV", lambda: csv_text(document, "id")),
        ("write PNG", lambda: chart_png(document, "id")),
    ):
        print(_line(label, timed(action, 1 if "internal" in label else 3)))
    return ok


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_database_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"bench_{secrets.token_hex(6)}"
    admin = create_database_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_database_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("GEDSI_TEST_DATABASE_URL"))
    options = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus (the machine may be busy)")
    with sqlite_engine() as engine:
        ok = measure("SQLite", engine, registrations=options.registrations, repeat=options.repeat)
    if options.postgres:
        with postgres_engine(options.postgres) as engine:
            measure(
                "PostgreSQL", engine, registrations=options.registrations, repeat=options.repeat
            )
    else:
        print("PostgreSQL: skipped (give --postgres URL or set GEDSI_TEST_DATABASE_URL)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
