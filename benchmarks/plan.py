"""Planner speed: a year (52 weekly sessions) and three years (156) with 120 themes, 60 people.

Run: ``.venv/bin/python benchmarks/plan.py``. Prints, per size, the wall time, the solver's
status, the objective, its proven bound and the relative gap. Instances are generated from a
fixed seed, so every run solves the same problem.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from pathlib import Path

from gedsi_bot.domain.calendar import candidate_dates
from gedsi_bot.domain.model import (
    Availability,
    Commemoration,
    DateRange,
    Person,
    PersonKind,
    Role,
    Sex,
    Theme,
    ThemeGroup,
)
from gedsi_bot.domain.plan_model import SolverOptions
from gedsi_bot.domain.planner import plan_series
from gedsi_bot.domain.series import (
    Branding,
    Cadence,
    Catalog,
    CertificatePolicy,
    Contact,
    Frequency,
    PlanningRules,
    RegistrationOptions,
    ReminderTimings,
    SeriesConfig,
)

SEED = 8
FIRST_DAY = dt.date(2027, 1, 1)
TAGS = [f"tag{index:02d}" for index in range(30)]
COMMEMORATIONS = (
    Commemoration("kartini", "Hari Kartini", (4, 21), (4, 21)),
    Commemoration("anak", "Hari Anak Nasional", (7, 23), (7, 23)),
    Commemoration("haktp", "16 Hari Anti Kekerasan terhadap Perempuan", (11, 25), (12, 10)),
    Commemoration("disabilitas", "Hari Disabilitas Internasional", (12, 3), (12, 3)),
    Commemoration("ibu", "Hari Ibu", (12, 22), (12, 22)),
    Commemoration("perempuan", "Hari Perempuan Internasional", (3, 8), (3, 8)),
)


def generated_catalog(*, themes: int = 120, people: int = 60, seed: int = SEED) -> Catalog:
    """A catalog of the given size, the same for the same arguments."""
    rng = random.Random(seed)
    groups = list(ThemeGroup)
    theme_list = []
    for index in range(themes):
        commemorations: tuple[str, ...] = ()
        if rng.random() < 0.2:
            commemorations = (rng.choice(COMMEMORATIONS).id,)
        theme_list.append(
            Theme(
                id=f"tema-{index:03d}",
                title=f"Tema {index}",
                group=groups[index % 3],
                summary="Ringkasan.",
                tags=frozenset(rng.sample(TAGS, rng.randint(2, 4))),
                commemorations=commemorations,
            )
        )
    person_list = []
    for index in range(people):
        if index % 6 == 0:
            roles = frozenset({Role.MODERATOR})
        elif index % 6 == 1:
            roles = frozenset({Role.SPEAKER, Role.MODERATOR})
        else:
            roles = frozenset({Role.SPEAKER})
        blackout: tuple[DateRange, ...] = ()
        if rng.random() < 0.3:
            start = FIRST_DAY + dt.timedelta(days=rng.randint(0, 3 * 365))
            blackout = (DateRange(start, start + dt.timedelta(days=rng.randint(7, 60))),)
        person_list.append(
            Person(
                id=f"orang-{index:02d}",
                name=f"Orang {index}",
                title="Narasumber",
                organisation="Lembaga",
                kind=PersonKind.LAINNYA,
                gender=Sex.FEMALE if rng.random() < 0.55 else Sex.MALE,
                roles=roles,
                expertise=frozenset(rng.sample(TAGS, rng.randint(3, 6))),
                availability=Availability(blackout=blackout),
                max_per_quarter=2 if rng.random() < 0.2 else None,
                has_disability=rng.random() < 0.1,
            )
        )
    return Catalog(
        source=Path("benchmark.yaml"),
        series=SeriesConfig(
            id="benchmark",
            name="Benchmark",
            tagline="Seri mingguan",
            organiser="Dinas",
            timezone="Asia/Jakarta",
            cadence=Cadence(Frequency.WEEKLY, weekday=3),
            start_time=dt.time(9, 0),
            duration_minutes=120,
            capacity=300,
            certificate_jp=2,
            retention_days=730,
            contact=Contact("Sekretariat"),
        ),
        branding=Branding(colors={}),
        planning=PlanningRules(),
        reminders=ReminderTimings(),
        registration=RegistrationOptions(consent_version="1"),
        certificates=CertificatePolicy(),
        tags={tag: tag for tag in TAGS},
        commemorations=COMMEMORATIONS,
        themes=tuple(theme_list),
        people=tuple(person_list),
    )


def demand_for(catalog: Catalog, seed: int = SEED) -> dict[str, int]:
    rng = random.Random(seed + 1)
    return {theme.id: rng.randint(1, 40) for theme in rng.sample(list(catalog.themes), 30)}


def run(sessions: int, *, gap: float, max_seconds: float) -> None:
    catalog = generated_catalog()
    slots = candidate_dates(catalog.series, start=FIRST_DAY, count=sessions).starts
    options = SolverOptions(max_work=10 * max_seconds, max_seconds=max_seconds, relative_gap=gap)
    started = time.perf_counter()
    cpu_started = time.process_time()
    plan = plan_series(catalog, slots=slots, demand=demand_for(catalog), options=options)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    solve = plan.solve
    # One solver worker: on a quiet machine the wall time is the CPU time; on a busy one the
    # CPU time is the figure that does not depend on the neighbours.
    print(
        f"{sessions:4d} sessions: {solve.status.value} in {elapsed:.2f} s, CPU {cpu:.2f} s "
        f"(solver {solve.seconds:.2f} s, deterministic work {solve.work:.2f}); "
        f"objective {solve.objective}, bound {solve.bound}, gap {solve.gap:.3%}"
    )
    for stage in solve.stages:
        print(
            f"    {stage.stage:9s} {stage.status.value:9s} {stage.seconds:6.2f} s  "
            f"objective {stage.objective}  bound {stage.bound}  gap {stage.gap:.3%}"
        )
    for problem in plan.problems:
        print("    problem:", problem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="safety limit per run")
    parser.parse_args()
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(targets assume a quiet machine)"
    )
    print("target: one year (52) proven OPTIMAL in <= 2 s")
    run(52, gap=0.0, max_seconds=60.0)
    print("target: three years (156) within 1% of the bound in <= 10 s")
    run(156, gap=0.01, max_seconds=60.0)


if __name__ == "__main__":
    main()
