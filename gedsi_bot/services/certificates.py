"""E-certificates: issued once when the office's policy is met, drawn to files, verified by code.

``issue_due_certificates`` is called whenever a condition of the policy may just have been met
(attendance read or marked, feedback given); it issues what is due and nothing twice — the
``certificates.registration_id`` column is unique and serial numbers are counted with the
session's row locked. The PNG and PDF are drawn under ``GEDSI_DATA_DIR/certificates/issued``
and drawn again if missing. A person deleting their data revokes their certificates
(``store.aftercare.revoke_certificates``); ``sweep_revoked_files`` removes the files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from html import escape
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.certificates import (
    Missing,
    certificate_due,
    display_code,
    format_serial,
    held_year,
    new_verification_code,
    normalise_code,
    serial_prefix,
    still_missing,
)
from gedsi_bot.domain.model import Session
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import Language, language_for, t
from gedsi_bot.render.certificate import CertificateFormat, render_certificate
from gedsi_bot.render.content import certificate_content
from gedsi_bot.render.template import Template, load_certificate_template
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.flyers import write_atomically
from gedsi_bot.store import outbox
from gedsi_bot.store.aftercare import (
    StoredCertificate,
    add_certificate,
    certificate_by_code,
    certificate_by_serial,
    certificate_candidates,
    certificates_for_registrations,
    certificates_in_session,
    certificates_of,
    code_taken,
    has_certificate,
    lock_session,
    revoked_serials,
    session_of_registration,
)

log = logging.getLogger(__name__)

ISSUED_FOLDER = Path("certificates") / "issued"  # under the data dir
# The periodic run looks for due certificates in sessions this recent (older ones are issued
# when something happens to them: a mark, feedback, or ``gedsi-bot certificate issue``).
RECENT_SESSIONS = dt.timedelta(days=60)


@dataclass(frozen=True, slots=True)
class CertificateFiles:
    png: Path
    pdf: Path


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate ready to send: its files and where to send them."""

    serial: str
    code: str  # as printed: K7QM-4XPD-9RTA
    session: Session
    chat_id: int | None
    language_code: str | None
    files: CertificateFiles

    @property
    def media_key(self) -> str:
        return f"certificate:{self.serial}"


class CertificateRenderer:
    """Draws certificates into ``folder``, once each; shared by the bot's threads."""

    def __init__(
        self, *, folder: Path, flyers_dir: Path, bot_username: str | None, language: Language
    ) -> None:
        self.folder = folder
        self.flyers_dir = flyers_dir
        self.bot_username = bot_username
        self.language = language
        self._templates: dict[int, Template] = {}
        self._lock = threading.Lock()

    def paths(self, serial: str) -> CertificateFiles:
        return CertificateFiles(
            png=self.folder / f"{serial}.{CertificateFormat.PNG.value}",
            pdf=self.folder / f"{serial}.{CertificateFormat.PDF.value}",
        )

    def _template(self, catalog: Catalog) -> Template:
        with self._lock:
            template = self._templates.get(id(catalog))
            if template is None:
                template = load_certificate_template(
                    self.flyers_dir, catalog, language=self.language
                )
                self._templates[id(catalog)] = template
            return template

    def files(self, catalog: Catalog, certificate: StoredCertificate) -> CertificateFiles:
        """The certificate's PNG and PDF, drawn now if they are not on disk."""
        paths = self.paths(certificate.serial)
        if paths.png.exists() and paths.pdf.exists():
            return paths
        if not certificate.holder_name:
            raise NotFound(f"holder of certificate {certificate.serial}")
        content = certificate_content(
            certificate.session,
            catalog,
            participant_name=certificate.holder_name,
            serial=certificate.serial,
            verification_code=display_code(certificate.code),
            bot_username=self.bot_username,
            language=self.language,
        )
        template = self._template(catalog)
        for fmt, path in ((CertificateFormat.PNG, paths.png), (CertificateFormat.PDF, paths.pdf)):
            write_atomically(path, render_certificate(content, template=template, fmt=fmt))
        return paths

    def discard(self, serial: str) -> bool:
        """Remove a certificate's files; ``True`` if there were any."""
        removed = False
        for path in (self.paths(serial).png, self.paths(serial).pdf):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed = True
        return removed


def _ready(
    ctx: ServiceContext, renderer: CertificateRenderer, certificate: StoredCertificate
) -> IssuedCertificate:
    return IssuedCertificate(
        serial=certificate.serial,
        code=display_code(certificate.code),
        session=certificate.session,
        chat_id=certificate.chat_id,
        language_code=certificate.language_code,
        files=renderer.files(ctx.catalog, certificate),
    )


def _new_code(db: DbSession) -> str:
    while True:
        code = new_verification_code(secrets.choice)
        if not code_taken(db, code):
            return code


def issue_due_certificates(
    ctx: ServiceContext,
    renderer: CertificateRenderer,
    *,
    session_ids: Sequence[int] | None = None,
    registration_ids: Sequence[int] | None = None,
    started_after: dt.datetime | None = None,
) -> list[IssuedCertificate]:
    """Issue every certificate now due (of some sessions or registrations, or all); the new ones.

    A certificate is issued once: a registration that has one is never given another.
    """
    now = ctx.clock.now()
    policy = ctx.catalog.certificates
    with ctx.database.read() as db:
        candidates = certificate_candidates(
            db,
            series_id=ctx.series_id,
            now=now,
            session_ids=session_ids,
            registration_ids=registration_ids,
            started_after=started_after,
        )
    due = sorted(
        (c for c in candidates if c.holder_name and certificate_due(policy, c.facts)),
        key=lambda c: (c.session.id, c.registration_id),
    )
    prefix = serial_prefix(ctx.catalog.series.id)
    zone = ctx.catalog.series.zone
    issued: list[int] = []
    for session_id, group in groupby(due, key=lambda c: c.session.id):
        with ctx.database.write() as db:
            lock_session(db, session_id=session_id)
            count = certificates_in_session(db, session_id=session_id)
            for candidate in group:
                if has_certificate(db, registration_id=candidate.registration_id):
                    continue
                count += 1
                session = candidate.session
                serial = format_serial(
                    prefix=prefix,
                    year=held_year(session.starts_at, zone),
                    session_number=session.number,
                    sequence=count,
                )
                add_certificate(
                    db,
                    registration_id=candidate.registration_id,
                    serial=serial,
                    code=_new_code(db),
                    holder_name=candidate.holder_name or "",
                    now=now,
                )
                issued.append(candidate.registration_id)
    if not issued:
        return []
    log.info("%s certificates issued", len(issued))
    with ctx.database.read() as db:
        stored = certificates_for_registrations(db, issued)
    return [_ready(ctx, renderer, certificate) for certificate in stored]


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where a registration stands on the way to its certificate."""

    has_certificate: bool
    missing: tuple[Missing, ...]


def certificate_outlook(ctx: ServiceContext, *, registration_id: int) -> Outlook:
    """Whether the registration has its certificate, and what it still lacks."""
    with ctx.database.read() as db:
        found = certificate_candidates(
            db,
            series_id=ctx.series_id,
            now=ctx.clock.now(),
            registration_ids=[registration_id],
            open_only=False,
        )
    if not found:
        raise NotFound(f"registration {registration_id}")
    facts = found[0].facts
    return Outlook(facts.has_certificate, still_missing(ctx.catalog.certificates, facts))


def registration_session(ctx: ServiceContext, registration_id: int) -> Session:
    with ctx.database.read() as db:
        found = session_of_registration(db, registration_id=registration_id)
    if found is None:
        raise NotFound(f"registration {registration_id}")
    return found


def my_certificates(
    ctx: ServiceContext, renderer: CertificateRenderer, *, telegram_user_id: int
) -> list[IssuedCertificate]:
    """The person's certificates that stand, with their files (drawn again if missing)."""
    with ctx.database.read() as db:
        stored = certificates_of(db, telegram_user_id=telegram_user_id, series_id=ctx.series_id)
    return [_ready(ctx, renderer, certificate) for certificate in stored]


def certificate_by_its_serial(
    ctx: ServiceContext, renderer: CertificateRenderer, serial: str
) -> IssuedCertificate:
    """One certificate by serial (for the CLI); ``NotFound`` if unknown or revoked."""
    with ctx.database.read() as db:
        stored = certificate_by_serial(db, serial.strip().upper())
    if stored is None or stored.revoked_at is not None:
        raise NotFound(f"certificate {serial}")
    return _ready(ctx, renderer, stored)


# --- verifying -------------------------------------------------------------------------------


class Validity(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Verification:
    """What a verification code says: whose certificate, for which session, or why not."""

    validity: Validity
    code: str | None = None  # as printed
    serial: str | None = None
    holder_name: str | None = None
    session: Session | None = None
    issued_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


def verify_certificate(ctx: ServiceContext, text: str) -> Verification:
    """Check a code typed or scanned: valid (with holder and session), revoked, or unknown.

    Only codes verify, never serial numbers: serials run in sequence, so anyone could walk
    through them and read off participants' names.
    """
    code = normalise_code(text)
    if code is None:
        return Verification(Validity.UNKNOWN)
    with ctx.database.read() as db:
        stored = certificate_by_code(db, code)
    if stored is None:
        return Verification(Validity.UNKNOWN, code=display_code(code))
    if stored.revoked_at is not None:
        return Verification(
            Validity.REVOKED,
            code=display_code(code),
            serial=stored.serial,
            session=stored.session,
            revoked_at=stored.revoked_at,
        )
    return Verification(
        Validity.VALID,
        code=display_code(code),
        serial=stored.serial,
        holder_name=stored.holder_name,
        session=stored.session,
        issued_at=stored.issued_at,
    )


def sweep_revoked_files(ctx: ServiceContext, renderer: CertificateRenderer) -> int:
    """Remove the files of revoked certificates (they show a name); how many were removed."""
    with ctx.database.read() as db:
        serials = revoked_serials(db)
    return sum(renderer.discard(serial) for serial in serials)


# --- sending through the outbox ----------------------------------------------------------------

OUTBOX_KIND = "certificate"


def certificate_caption(catalog: Catalog, issued: IssuedCertificate, language: Language) -> str:
    try:
        title = catalog.theme(issued.session.theme_id).title
    except KeyError:
        title = issued.session.theme_id
    return t(
        "aftercare.certificate.caption",
        language,
        series=escape(catalog.series.name),
        number=issued.session.number,
        theme=escape(title),
        serial=issued.serial,
        code=issued.code,
    )


def certificate_payloads(
    catalog: Catalog, issued: IssuedCertificate, language: Language
) -> list[tuple[str, dict[str, Any]]]:
    """The two outbox payloads of a certificate (picture, then PDF), each with its name."""
    files = issued.files  # absolute: a relative path would be read from the data dir
    photo = {"path": str(files.png.resolve()), "media_key": f"{issued.media_key}:png"}
    document = {"path": str(files.pdf.resolve()), "media_key": f"{issued.media_key}:pdf"}
    pdf_caption = t("aftercare.certificate.pdf_caption", language, serial=issued.serial)
    return [
        (
            "png",
            {
                "method": "sendPhoto",
                "params": {
                    "photo": photo,
                    "caption": certificate_caption(catalog, issued, language),
                },
            },
        ),
        (
            "pdf",
            {"method": "sendDocument", "params": {"document": document, "caption": pdf_caption}},
        ),
    ]


def enqueue_certificates(ctx: ServiceContext, issued: Sequence[IssuedCertificate]) -> int:
    """Queue each certificate for its holder through the outbox; how many messages were new."""
    now = ctx.clock.now()
    queued = 0
    with ctx.database.write() as db:
        for certificate in issued:
            if certificate.chat_id is None:
                continue
            language = language_for(certificate.language_code)
            for what, payload in certificate_payloads(ctx.catalog, certificate, language):
                queued += outbox.enqueue(
                    db,
                    kind=OUTBOX_KIND,
                    chat_id=certificate.chat_id,
                    payload=payload,
                    due_at=now,
                    dedupe_key=(
                        f"{OUTBOX_KIND}:{certificate.session.id}:{certificate.serial}:{what}:"
                        f"{certificate.chat_id}"
                    ),
                    session_id=certificate.session.id,
                )
    return queued
