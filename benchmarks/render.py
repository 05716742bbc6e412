"""How fast flyers are drawn: milliseconds per flyer per format, and a whole batch of 72.

    .venv/bin/python benchmarks/render.py            # every format, then the batch
    .venv/bin/python benchmarks/render.py --formats post --count 200 --repeat 3 --no-batch

Each timing covers laying out, drawing and PNG encoding of one flyer (``render_flyer``), for 72
different sessions: the bundled catalog's themes, speakers and moderators in turn, half of the
people with a photo. The batch runs in a fresh process — interpreter start, imports, loading
the catalog and the templates, rendering 72 post flyers and writing them to disk — and is
timed from outside.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from gedsi_bot.catalog import load_catalog  # noqa: E402
from gedsi_bot.domain.model import (  # noqa: E402
    Meeting,
    MeetingSource,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
)
from gedsi_bot.domain.series import Catalog  # noqa: E402
from gedsi_bot.render.content import FlyerContent, PersonCard, flyer_content  # noqa: E402
from gedsi_bot.render.flyer import render_flyer  # noqa: E402
from gedsi_bot.render.template import FlyerFormat, load_flyer_templates  # noqa: E402

BATCH = 72
JAKARTA = ZoneInfo("Asia/Jakarta")


def sessions(catalog: Catalog, count: int, first_number: int = 1) -> list[Session]:
    speakers = [person.id for person in catalog.people if person.can_speak]
    moderators = [person.id for person in catalog.people if person.can_moderate]
    first = dt.datetime(2027, 1, 14, 9, 0, tzinfo=JAKARTA)
    made = []
    for index in range(first_number - 1, first_number - 1 + count):
        people = [SessionPerson(speakers[index % len(speakers)], Role.SPEAKER, 0)]
        if index % 3:
            people.append(SessionPerson(speakers[(index + 5) % len(speakers)], Role.SPEAKER, 1))
        people.append(SessionPerson(moderators[index % len(moderators)], Role.MODERATOR))
        made.append(
            Session(
                id=index + 1,
                number=index + 1,
                theme_id=catalog.themes[index % len(catalog.themes)].id,
                starts_at=first + dt.timedelta(weeks=2 * index),
                duration_minutes=120,
                status=SessionStatus.PUBLISHED,
                people=tuple(people),
                meeting=Meeting(
                    f"8{index:010d}",
                    f"gd{index:04d}",
                    f"https://zoom.us/j/8{index:010d}",
                    MeetingSource.API,
                ),
                registration_code=f"kode{index:06d}",
            )
        )
    return made


def with_photos(content: FlyerContent, photos: dict[str, Path]) -> FlyerContent:
    def card(person: PersonCard) -> PersonCard:
        photo = photos.get(person.name)
        return PersonCard(person.name, person.title, person.organisation, photo)

    import dataclasses

    return dataclasses.replace(
        content,
        speakers=tuple(card(person) for person in content.speakers),
        moderator=card(content.moderator) if content.moderator else None,
    )


def contents(
    catalog: Catalog, count: int, folder: Path, first_number: int = 1
) -> list[FlyerContent]:
    photos = {}
    for index, person in enumerate(catalog.people):
        if index % 2 == 0:  # half of the people send a photo: a 1000 × 1250 JPEG
            path = folder / f"foto-{index}.jpg"
            if not path.exists():
                picture = Image.radial_gradient("L").resize((1000, 1250)).convert("RGB")
                picture.save(path, quality=85)
            photos[person.name] = path
    made = [
        flyer_content(session, catalog, bot_username="CaringGedsiBot")
        for session in sessions(catalog, count, first_number)
    ]
    return [with_photos(content, photos) for content in made]


def time_format(
    fmt: FlyerFormat, items: list[FlyerContent], templates: dict[FlyerFormat, object]
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each flyer (CPU time varies less on a busy machine)."""
    for content in items[:3]:  # fonts and the template's background are made once
        render_flyer(content, fmt, templates=templates)  # type: ignore[arg-type]
    wall, cpu = [], []
    for content in items:
        start, start_cpu = time.perf_counter(), time.process_time()
        render_flyer(content, fmt, templates=templates)  # type: ignore[arg-type]
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def batch(out: Path) -> None:
    """Render 72 post flyers into ``out`` (run in a fresh process by ``main``; the photos are
    already there)."""
    catalog = load_catalog(ROOT / "themes.yaml")
    templates = load_flyer_templates(ROOT / "flyers", catalog)
    for content in contents(catalog, BATCH, out):
        data = render_flyer(content, FlyerFormat.POST, templates=templates)
        (out / f"flyer-{content.episode:03d}-post.png").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(f.value for f in FlyerFormat))
    parser.add_argument("--count", type=int, default=BATCH)
    parser.add_argument("--repeat", type=int, default=1, help="time each format this many times")
    parser.add_argument("--no-batch", action="store_true", help="leave out the batch of 72")
    parser.add_argument("--batch-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_into:
        batch(args.batch_into)
        return

    catalog = load_catalog(ROOT / "themes.yaml")
    started = time.perf_counter()
    templates = load_flyer_templates(ROOT / "flyers", catalog)
    loaded = (time.perf_counter() - started) * 1000
    print(f"templates loaded and checked in {loaded:.0f} ms (once per process)")
    print(
        f"{'format':<8} {'size':>11} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} "
        f"{'cpu median':>11} {'cpu p95':>8}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeat):
            # New sessions each time: a session's lines and QR code are kept once drawn.
            items = contents(catalog, args.count, Path(scratch), repeat * args.count + 1)
            for name in args.formats.split(","):
                fmt = FlyerFormat(name)
                wall, cpu = time_format(fmt, items, templates)  # type: ignore[arg-type]
                template = templates[fmt]
                print(
                    f"{fmt.value:<8} {template.width:>5}×{template.height:<5} "
                    f"{statistics.median(wall):>10.1f} {percentile(wall, 0.95):>8.1f} "
                    f"{min(wall):>8.1f} {statistics.median(cpu):>11.1f} "
                    f"{percentile(cpu, 0.95):>8.1f}   load {os.getloadavg()[0]:.2f}"
                )
    if args.no_batch:
        return
    with tempfile.TemporaryDirectory() as scratch:
        contents(catalog, 1, Path(scratch))  # the speakers' photos, made before timing
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--batch-into", scratch], check=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        written = len(list(Path(scratch).glob("flyer-*.png")))
    print(f"batch: {written} post flyers in a fresh process, written to disk: {elapsed:.2f} s")
    print(
        f"machine load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
