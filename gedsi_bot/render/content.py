"""What a flyer and a certificate say, as plain values, and the flyer's text-only caption.

``flyer_content`` gathers everything a flyer shows from a stored ``Session`` and the
``Catalog``; ``render_flyer`` draws it and ``flyer_caption`` says the same in words (for screen
readers and as the Telegram caption). ``certificate_content`` does the same for a certificate.
Nothing here draws or reads files.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from gedsi_bot.domain.deeplinks import LinkKind, payload_for, start_link
from gedsi_bot.domain.layout import NO_BREAK
from gedsi_bot.domain.model import Person, Session, format_meeting_id
from gedsi_bot.domain.names import initials
from gedsi_bot.domain.series import Catalog, CertificatePolicy, Contact, Signatory
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import Language, format_date, format_span, t

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption, in UTF-16 code units


@dataclass(frozen=True, slots=True)
class PersonCard:
    """A speaker or moderator as the flyer shows them."""

    name: str
    title: str
    organisation: str
    photo: Path | None = None

    @property
    def initials(self) -> str:
        return initials(self.name)

    @property
    def details(self) -> str:
        """ "Psikolog, PUSPAGA Kota Probolinggo"."""
        return ", ".join(part for part in (self.title, self.organisation) if part)


@dataclass(frozen=True, slots=True)
class FlyerContent:
    """Everything one session's flyer shows, in any format."""

    language: Language
    series_name: str
    tagline: str
    organiser: str
    episode: int
    theme: str
    speakers: tuple[PersonCard, ...]
    moderator: PersonCard | None
    starts_at: dt.datetime  # aware, in the series' timezone
    ends_at: dt.datetime
    platform: str
    meeting_id: str | None  # grouped for reading: "812 3456 7890"
    passcode: str | None
    registration_link: str | None  # None until the bot's username and a code are known
    contact: Contact
    certificate_jp: int
    certificate_policy: CertificatePolicy
    logos: tuple[Path, ...] = ()


def person_card(person: Person) -> PersonCard:
    return PersonCard(
        name=person.name,
        title=person.title,
        organisation=person.organisation,
        photo=Path(person.photo) if person.photo else None,
    )


def _person(catalog: Catalog, person_id: str) -> Person:
    try:
        return catalog.person(person_id)
    except KeyError:
        raise NotFound(f"person '{person_id}' in the catalog") from None


def registration_link(session: Session, bot_username: str | None) -> str | None:
    """The flyer's ``https://t.me/<bot>?start=daftar_<code>``, if both parts are known."""
    if not bot_username or not session.registration_code:
        return None
    return start_link(bot_username, payload_for(LinkKind.REGISTER, session.registration_code))


def flyer_content(
    session: Session,
    catalog: Catalog,
    *,
    bot_username: str | None,
    language: Language = "id",
) -> FlyerContent:
    """What ``session``'s flyer shows; ``NotFound`` if its theme or people left the catalog."""
    try:
        theme = catalog.theme(session.theme_id)
    except KeyError:
        raise NotFound(f"theme '{session.theme_id}' in the catalog") from None
    series = catalog.series
    zone = series.zone
    meeting = session.meeting
    return FlyerContent(
        language=language,
        series_name=series.name,
        tagline=series.tagline,
        organiser=series.organiser,
        episode=session.number,
        theme=theme.title,
        speakers=tuple(person_card(_person(catalog, pid)) for pid in session.speaker_ids),
        moderator=(
            person_card(_person(catalog, session.moderator_id))
            if session.moderator_id is not None
            else None
        ),
        starts_at=session.starts_at.astimezone(zone),
        ends_at=session.ends_at.astimezone(zone),
        platform=series.platform,
        meeting_id=format_meeting_id(meeting.meeting_id) if meeting else None,
        passcode=meeting.passcode if meeting else None,
        registration_link=registration_link(session, bot_username),
        contact=series.contact,
        certificate_jp=series.certificate_jp,
        certificate_policy=catalog.certificates,
        logos=tuple(catalog.branding.logos),
    )


# --- the words, in one language ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlyerTexts:
    """The flyer's sentences in one language (the renderer and the caption share them)."""

    episode: str
    when: str
    meeting: str
    register: str
    certificate: str
    contact: str
    label_theme: str
    label_speakers: str
    label_moderator: str


def contact_line(contact: Contact) -> str:
    """ "Sekretariat Bidang PP · 0812 3456 7890 · @sekretariat_pp"."""
    return " · ".join(part for part in (contact.name, contact.phone, contact.telegram) if part)


def certificate_note(jp: int, policy: CertificatePolicy, language: Language) -> str:
    """ "E-sertifikat 2 JP bagi peserta yang hadir dan mengisi umpan balik"."""
    if policy.require_attendance and policy.require_feedback:
        who = "attend_feedback"
    elif policy.require_attendance:
        who = "attend"
    elif policy.require_feedback:
        who = "feedback"
    else:
        who = "everyone"
    whom = t(f"render.certificate.who.{who}", language)
    if jp > 0:
        return t("render.certificate.with_jp", language, jp=jp, who=whom)
    return t("render.certificate.without_jp", language, who=whom)


def meeting_line(content: FlyerContent, language: Language) -> str:
    if content.meeting_id is None:
        return t("render.meeting.pending", language, platform=content.platform)
    if content.passcode:
        return t(
            "render.meeting.with_passcode",
            language,
            platform=content.platform,
            meeting_id=content.meeting_id,
            passcode=content.passcode,
        )
    return t(
        "render.meeting.without_passcode",
        language,
        platform=content.platform,
        meeting_id=content.meeting_id,
    )


def flyer_texts(content: FlyerContent, language: Language | None = None) -> FlyerTexts:
    """The flyer's sentences in ``language`` (the content's own language by default)."""
    lang = language or content.language
    speakers = len(content.speakers)
    return FlyerTexts(
        episode=t("render.episode", lang, number=content.episode),
        when=format_span(content.starts_at, content.ends_at, lang),
        meeting=meeting_line(content, lang),
        register=t(
            "render.register.open" if content.registration_link else "render.register.pending",
            lang,
        ),
        certificate=certificate_note(content.certificate_jp, content.certificate_policy, lang),
        contact=t("render.contact", lang, contact=contact_line(content.contact)),
        label_theme=t("render.label.theme", lang),
        label_speakers=t(
            "render.label.speakers" if speakers > 1 else "render.label.speaker", lang
        ),
        label_moderator=t("render.label.moderator", lang),
    )


# --- the caption ---------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _shorten(text: str, limit: int | None) -> str:
    """``text`` HTML-escaped, cut at a word so the escaped form is at most ``limit`` long."""
    escaped = html.escape(text, quote=False)
    if limit is None or utf16_length(escaped) <= limit:
        return escaped
    words = text.split()
    while words:
        words.pop()
        candidate = html.escape(" ".join(words).rstrip(",.;:–-") + "…", quote=False)
        if utf16_length(candidate) <= limit:
            return candidate
    return "…"


def _person_line(card: PersonCard, limit: int | None, *, with_details: bool) -> str:
    name = f"<b>{_shorten(card.name, limit)}</b>"
    if with_details and card.details:
        return f"{name} — {_shorten(card.details, limit)}"
    return name


def _caption(content: FlyerContent, language: Language, limit: int | None, *, full: bool) -> str:
    texts = flyer_texts(content, language)

    def cut(text: str) -> str:
        return _shorten(text, limit)

    lines = [f"<b>{cut(content.series_name)} · {cut(texts.episode)}</b>"]
    if full:
        lines.append(f"<i>{cut(content.tagline)}</i>")
    lines += ["", f"<b>{cut(content.theme)}</b>", ""]
    lines.append(f"{t('render.caption.when', language)}: {cut(texts.when)}")
    if content.speakers:
        label = texts.label_speakers
        people = "; ".join(_person_line(p, limit, with_details=full) for p in content.speakers)
        lines.append(f"{cut(label)}: {people}")
    if content.moderator is not None:
        moderator = _person_line(content.moderator, limit, with_details=full)
        lines.append(f"{cut(texts.label_moderator)}: {moderator}")
    lines.append(cut(texts.meeting))
    if content.registration_link:
        lines.append(f"{cut(texts.register)}: {html.escape(content.registration_link)}")
    else:
        lines.append(cut(texts.register))
    lines.append(cut(texts.certificate) + ".")
    lines.append(cut(texts.contact))
    if full:
        lines.append(t("render.caption.organiser", language, organiser=cut(content.organiser)))
    return "\n".join(lines)


def flyer_caption(content: FlyerContent, language: Language | None = None) -> str:
    """Everything the flyer shows, as Telegram HTML of at most 1024 characters.

    Every text from the catalog is HTML-escaped. When the full text is too long (very long
    names and institutions), details are dropped first, then long texts are cut at a word.
    """
    lang = language or content.language
    for limit, full in _CAPTION_STEPS:
        caption = _caption(content, lang, limit, full=full)
        if utf16_length(caption) <= CAPTION_LIMIT:
            return caption
    # With every catalog text cut to 16 characters, the rest (labels from the locale catalog,
    # a link of at most ~130 characters) is far below the limit.
    return _caption(content, lang, _LAST_RESORT, full=False)


_LAST_RESORT = 16
_CAPTION_STEPS: tuple[tuple[int | None, bool], ...] = (
    (None, True),
    (None, False),
    (120, False),
    (80, False),
    (50, False),
    (30, False),
)


# --- certificates --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateContent:
    """Everything one participant's e-certificate shows."""

    language: Language
    participant_name: str
    series_name: str
    tagline: str
    organiser: str
    episode: int
    theme: str
    held_on: dt.date
    jp: int
    signatory: Signatory | None
    serial: str
    verification_code: str
    verification_link: str | None  # None until the bot's username is known
    logos: tuple[Path, ...] = ()
    specimen: bool = False  # a sample: marked as not valid


def verification_link(code: str, bot_username: str | None) -> str | None:
    """``https://t.me/<bot>?start=cek_<code>``, if the bot's username is known."""
    if not bot_username:
        return None
    return start_link(bot_username, payload_for(LinkKind.VERIFY, code))


def certificate_content(
    session: Session,
    catalog: Catalog,
    *,
    participant_name: str,
    serial: str,
    verification_code: str,
    bot_username: str | None,
    language: Language = "id",
    specimen: bool = False,
) -> CertificateContent:
    """What the certificate of ``participant_name`` for ``session`` shows."""
    try:
        theme = catalog.theme(session.theme_id)
    except KeyError:
        raise NotFound(f"theme '{session.theme_id}' in the catalog") from None
    series = catalog.series
    return CertificateContent(
        language=language,
        participant_name=participant_name,
        series_name=series.name,
        tagline=series.tagline,
        organiser=series.organiser,
        episode=session.number,
        theme=theme.title,
        held_on=session.starts_at.astimezone(series.zone).date(),
        jp=series.certificate_jp,
        signatory=catalog.branding.signatory,
        serial=serial,
        verification_code=verification_code,
        verification_link=verification_link(verification_code, bot_username),
        logos=tuple(catalog.branding.logos),
        specimen=specimen,
    )


def held_on_text(content: CertificateContent) -> str:
    """ "Kamis, 26 November 2026", kept on one line."""
    return format_date(content.held_on, content.language).replace(" ", NO_BREAK)
