"""Factories for after-session tests: a held session with registered people, a renderer."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from gedsi_bot.domain.model import RegistrationStatus, Session
from gedsi_bot.domain.series import Catalog
from gedsi_bot.services import registration
from gedsi_bot.services.certificates import CertificateRenderer
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.tables import RegistrationRow, SessionRow
from tests.conftest import REPO_ROOT
from tests.registration_factories import (
    SESSION_START,
    FixedClock,
    adult_profile,
    bundled_catalog,
    publish,
)

AFTER_END = SESSION_START + dt.timedelta(hours=3)  # the session lasts two hours


def catalog_with_certificates(**policy: object) -> Catalog:
    catalog = bundled_catalog()
    return replace(catalog, certificates=replace(catalog.certificates, **policy))  # type: ignore[arg-type]


def renderer(folder: Path, bot_username: str | None = "gedsi_test_bot") -> CertificateRenderer:
    return CertificateRenderer(
        folder=folder,
        flyers_dir=REPO_ROOT / "flyers",
        bot_username=bot_username,
        language="id",
    )


def register_people(
    ctx: ServiceContext, session: Session, users: list[int], *, first_name: str = "Peserta"
) -> dict[int, int]:
    """Register ``users`` (telegram ids) for ``session``; their registration ids by user."""
    version = ctx.catalog.registration.consent_version
    ids = {}
    for user in users:
        result = registration.register(
            ctx,
            telegram_user_id=user,
            chat_id=user,
            session_id=session.id,
            profile=adult_profile(f"{first_name} {chr(65 + user % 26)}"),
            consent_version=version,
        )
        ids[user] = result.registration.id
    return ids


def held_session(
    ctx: ServiceContext, clock: FixedClock, code: str, users: list[int], **kwargs: object
) -> tuple[Session, dict[int, int]]:
    """A session people registered for, with the clock moved past its end."""
    session = publish(ctx.database, series_id=ctx.series_id, code=code, **kwargs)
    ids = register_people(ctx, session, users)
    clock.moment = AFTER_END
    return session, ids


def set_status(
    database: Database, registration_id: int, status: RegistrationStatus, source: str = "zoom"
) -> None:
    with database.write() as db:
        row = db.get(RegistrationRow, registration_id)
        assert row is not None
        row.status = status.value
        row.attendance_source = source


def registration_row(database: Database, registration_id: int) -> RegistrationRow:
    with database.read() as db:
        row = db.get(RegistrationRow, registration_id)
        assert row is not None
        return row


def session_row(database: Database, session_id: int) -> SessionRow:
    with database.read() as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        return row
