"""Render the pictures in flyers/examples/ from the bundled catalog and templates.

    .venv/bin/python tools/render_examples.py

A made-up episode with the catalog's own themes and people (named by role, as the catalog
ships), reduced in size so the repository stays small.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import sys
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
from gedsi_bot.render.certificate import render_certificate  # noqa: E402
from gedsi_bot.render.content import certificate_content, flyer_content  # noqa: E402
from gedsi_bot.render.flyer import render_flyer  # noqa: E402
from gedsi_bot.render.template import (  # noqa: E402
    FlyerFormat,
    load_certificate_template,
    load_flyer_templates,
)

OUT = ROOT / "flyers" / "examples"
# format → reduction factor of the example picture
FLYERS = {FlyerFormat.POST: 1, FlyerFormat.STORY: 2, FlyerFormat.SQUARE: 2, FlyerFormat.A4: 4}


def save(data: bytes, name: str, factor: int) -> None:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if factor > 1:
        image = image.reduce(factor)
    # 256 colours are plenty for flat design and keep the repository small.
    image.quantize(256, method=Image.Quantize.MEDIANCUT).save(OUT / name, optimize=True)


def main() -> None:
    catalog = load_catalog(ROOT / "themes.yaml")
    zone = ZoneInfo(catalog.series.timezone)
    session = Session(
        id=1,
        number=12,
        theme_id="waspada-tppo",
        starts_at=dt.datetime(2026, 11, 26, 9, 0, tzinfo=zone),
        duration_minutes=120,
        status=SessionStatus.PUBLISHED,
        people=(
            SessionPerson("psikolog-uptd-ppa", Role.SPEAKER, 0),
            SessionPerson("ketua-organisasi-disabilitas", Role.SPEAKER, 1),
            SessionPerson("ketua-forum-puspa", Role.MODERATOR),
        ),
        meeting=Meeting(
            "81234567890", "gedsi26", "https://zoom.us/j/81234567890", MeetingSource.MANUAL
        ),
        registration_code="k7m2x9qa4p",
    )
    templates = load_flyer_templates(ROOT / "flyers", catalog)
    content = flyer_content(session, catalog, bot_username="CaringGedsiBot")
    for fmt, factor in FLYERS.items():
        save(render_flyer(content, fmt, templates=templates), f"flyer-{fmt.value}.png", factor)
    early = dataclasses.replace(
        content, meeting_id=None, passcode=None, speakers=content.speakers[:1]
    )
    save(render_flyer(early, "post", templates=templates), "flyer-post-meeting-pending.png", 2)
    certificate = certificate_content(
        dataclasses.replace(session, status=SessionStatus.DONE),
        catalog,
        participant_name="Siti Nurhaliza Rahmawati Kusumaningrum, S.Pd.",
        serial="CARING-GEDSI-CONTOH-0001",
        verification_code="contoh",
        bot_username="CaringGedsiBot",
        specimen=True,
    )
    template = load_certificate_template(ROOT / "flyers", catalog)
    save(render_certificate(certificate, template=template), "certificate.png", 4)


if __name__ == "__main__":
    main()
