"""Factories for the render tests: flyer and certificate contents, templates, images on disk."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.model import (
    Meeting,
    MeetingSource,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
)
from gedsi_bot.domain.series import Catalog
from gedsi_bot.render.content import (
    CertificateContent,
    FlyerContent,
    PersonCard,
    certificate_content,
    flyer_content,
)
from gedsi_bot.render.template import (
    FlyerFormat,
    Template,
    load_certificate_template,
    load_flyer_templates,
)
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT

FLYERS_DIR = REPO_ROOT / "flyers"
JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

# Long but real-looking texts: the longest the flyer must hold without shortening.
LONG_NAME = "Prof. Dr. Hj. Raden Ayu Siti Nurhaliza Kusumawardhani, S.Psi., M.Psi., Psikolog"
LONG_INSTITUTION = (
    "Pusat Pembelajaran Keluarga (PUSPAGA) dan Unit Pelaksana Teknis Daerah Perlindungan "
    "Perempuan dan Anak Kota Probolinggo"
)


@cache
def bundled_catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=NOW)


@cache
def flyer_templates() -> dict[FlyerFormat, Template]:
    return load_flyer_templates(FLYERS_DIR, bundled_catalog())


@cache
def certificate_template() -> Template:
    return load_certificate_template(FLYERS_DIR, bundled_catalog())


def make_session(**overrides: Any) -> Session:
    values: dict[str, Any] = {
        "id": 7,
        "number": 12,
        "theme_id": "waspada-tppo",
        "starts_at": dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA),
        "duration_minutes": 120,
        "status": SessionStatus.PUBLISHED,
        "people": (
            SessionPerson("psikolog-puspaga", Role.SPEAKER, 0),
            SessionPerson("ketua-organisasi-disabilitas", Role.SPEAKER, 1),
            SessionPerson("analis-pug", Role.MODERATOR),
        ),
        "meeting": Meeting(
            "81234567890", "gedsi26", "https://zoom.us/j/81234567890", MeetingSource.MANUAL
        ),
        "registration_code": "k7m2x9qa",
    }
    values.update(overrides)
    return Session(**values)


def make_content(**overrides: Any) -> FlyerContent:
    content = flyer_content(make_session(), bundled_catalog(), bot_username="CaringGedsiBot")
    return dataclasses.replace(content, **overrides)


def long_person(photo: Path | None = None) -> PersonCard:
    return PersonCard(LONG_NAME, "Ketua Tim Psikolog Klinis", LONG_INSTITUTION, photo)


def make_certificate(**overrides: Any) -> CertificateContent:
    content = certificate_content(
        make_session(status=SessionStatus.DONE),
        bundled_catalog(),
        participant_name="Siti Nurhaliza Rahmawati, S.Pd.",
        serial="CG-2026-012-00042",
        verification_code="x8k2m9q4",
        bot_username="CaringGedsiBot",
    )
    return dataclasses.replace(content, **overrides)


def write_photo(
    path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (300, 400)
) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def copy_flyers(target: Path) -> Path:
    """A copy of the bundled flyers folder the test may edit."""
    shutil.copytree(FLYERS_DIR, target, ignore=shutil.ignore_patterns("examples"))
    return target
