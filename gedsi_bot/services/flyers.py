"""Flyer files for stored sessions, and sample certificates: the use cases behind the CLI.

The publish workflow uses the same pieces: ``session_flyer_contents`` (which gives each session
its registration code once) and ``render_flyer``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import Session, SessionStatus
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import Language, t
from gedsi_bot.render.certificate import CertificateFormat, render_certificate
from gedsi_bot.render.content import (
    FlyerContent,
    certificate_content,
    flyer_caption,
    flyer_content,
)
from gedsi_bot.render.flyer import render_flyer
from gedsi_bot.render.template import FlyerFormat, FlyerTemplates, Template
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import (
    ensure_registration_code,
    ensure_series,
    get_session,
    list_sessions,
)

# Letters and digits nobody confuses when typing a link from a printed flyer.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 10
# Sessions whose flyer may be spread: approved by the team, or already announced.
UPCOMING_STATUSES = (SessionStatus.APPROVED, SessionStatus.PUBLISHED)


class SessionCancelled(InvalidInput):
    """A flyer was asked for a cancelled session."""

    def __init__(self, number: int) -> None:
        super().__init__(f"session {number} is cancelled")
        self.number = number


def new_registration_code() -> str:
    """A fresh random code for a session's ``daftar_<code>`` link."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def _with_code(db: DbSession, session: Session, series_id: int) -> Session:
    code = ensure_registration_code(
        db,
        series_id=series_id,
        number=session.number,
        new_code=new_registration_code,
    )
    return dataclasses.replace(session, registration_code=code)


def session_flyer_contents(
    database: Database,
    catalog: Catalog,
    *,
    numbers: Sequence[int] = (),
    upcoming_from: dt.datetime | None = None,
    bot_username: str | None,
    language: Language,
) -> list[FlyerContent]:
    """The flyer contents of sessions ``numbers`` and/or every upcoming session from a time on.

    Each session gets its registration code here, once. ``NotFound`` for an unknown number,
    ``SessionCancelled`` for a cancelled one.
    """
    with database.write() as db:
        series_id = ensure_series(db, slug=catalog.series.id, name=catalog.series.name)
        sessions = [get_session(db, series_id=series_id, number=number) for number in numbers]
        for session in sessions:
            if session.status is SessionStatus.CANCELLED:
                raise SessionCancelled(session.number)
        if upcoming_from is not None:
            sessions += list_sessions(
                db, series_id=series_id, statuses=UPCOMING_STATUSES, starting_from=upcoming_from
            )
        coded = [_with_code(db, session, series_id) for session in sessions]
    return [
        flyer_content(session, catalog, bot_username=bot_username, language=language)
        for session in coded
    ]


def flyer_file_name(content: FlyerContent, fmt: FlyerFormat) -> str:
    return f"flyer-{content.episode:03d}-{fmt.value}.png"


def plain_caption(content: FlyerContent) -> str:
    """The caption without HTML, for posting the flyer elsewhere (WhatsApp, Instagram)."""
    return html.unescape(re.sub(r"</?[a-z]+>", "", flyer_caption(content)))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_flyers(
    contents: Sequence[FlyerContent],
    *,
    templates: FlyerTemplates,
    formats: Sequence[FlyerFormat],
    out_dir: Path,
    on_file: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Render every content in every format into ``out_dir``, with a text caption beside each
    session's flyers; return the files written."""
    written: list[Path] = []
    for content in contents:
        for fmt in formats:
            path = out_dir / flyer_file_name(content, fmt)
            write_atomically(path, render_flyer(content, fmt, templates=templates))
            written.append(path)
            if on_file is not None:
                on_file(path)
        caption = out_dir / f"flyer-{content.episode:03d}.txt"
        write_atomically(caption, (plain_caption(content) + "\n").encode("utf-8"))
        written.append(caption)
    return written


def write_sample_certificate(
    catalog: Catalog,
    *,
    template: Template,
    out_dir: Path,
    bot_username: str | None,
    language: Language,
    today: dt.date,
) -> list[Path]:
    """A sample certificate (PNG and PDF), clearly marked as a sample, for checking the design."""
    series = catalog.series
    sample = Session(
        id=0,
        number=1,
        theme_id=catalog.themes[0].id,
        starts_at=dt.datetime.combine(today, series.start_time, tzinfo=series.zone),
        duration_minutes=series.duration_minutes,
        status=SessionStatus.DONE,
    )
    content = certificate_content(
        sample,
        catalog,
        participant_name=t("render.cert.sample_name", language),
        serial=f"{series.id.upper()}-CONTOH-0001",
        verification_code="contoh",
        bot_username=bot_username,
        language=language,
        specimen=True,
    )
    written = []
    for fmt in CertificateFormat:
        path = out_dir / f"sertifikat-contoh.{fmt.value}"
        write_atomically(path, render_certificate(content, template=template, fmt=fmt))
        written.append(path)
    return written
