"""A few flyers and a certificate compared with approved pictures, with a small tolerance.

The pictures in ``tests/golden/`` are reduced so the repository stays small. After a deliberate
change of design, look at the new output and approve it with ``GEDSI_UPDATE_GOLDEN=1 pytest
tests/integration/test_render_golden.py``.
"""

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from gedsi_bot.render.certificate import render_certificate
from gedsi_bot.render.flyer import render_flyer
from gedsi_bot.render.template.checks import LONGEST_THEME
from tests.render_factories import (
    certificate_template,
    flyer_templates,
    long_person,
    make_certificate,
    make_content,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
MEAN_TOLERANCE = 1.0  # per channel, out of 255
OUTLIER_SHARE = 0.0005  # pixels that may differ by more than 48 (font hinting, antialiasing)


def _post() -> bytes:
    return render_flyer(make_content(), "post", templates=flyer_templates())


def _story_pending() -> bytes:
    content = make_content(
        speakers=make_content().speakers[:1],
        meeting_id=None,
        passcode=None,
        registration_link=None,
    )
    return render_flyer(content, "story", templates=flyer_templates())


def _square_longest() -> bytes:
    content = make_content(
        theme=LONGEST_THEME, speakers=(long_person(), long_person()), moderator=long_person()
    )
    return render_flyer(content, "square", templates=flyer_templates())


def _certificate() -> bytes:
    return render_certificate(make_certificate(specimen=True), template=certificate_template())


CASES: dict[str, tuple[Callable[[], bytes], int]] = {
    "flyer-post": (_post, 4),
    "flyer-story-pending": (_story_pending, 4),
    "flyer-square-longest": (_square_longest, 4),
    "certificate": (_certificate, 8),
}


@pytest.mark.parametrize("name", list(CASES))
def test_output_matches_the_approved_picture(name: str) -> None:
    render, factor = CASES[name]
    image = Image.open(io.BytesIO(render())).convert("RGB").reduce(factor)
    golden = GOLDEN / f"{name}.png"
    if os.environ.get("GEDSI_UPDATE_GOLDEN"):
        image.save(golden, optimize=True)
    with Image.open(golden) as stored:
        approved = stored.convert("RGB")
    assert approved.size == image.size
    difference = ImageChops.difference(image, approved)
    assert max(ImageStat.Stat(difference).mean) <= MEAN_TOLERANCE
    strong = difference.convert("L").point(lambda value: 255 if value > 48 else 0)
    share = ImageStat.Stat(strong).mean[0] / 255
    assert share <= OUTLIER_SHARE
