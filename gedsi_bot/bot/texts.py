"""The bot's messages, composed from the locale catalog; user-supplied values are escaped here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape

from gedsi_bot.domain.areas import OUTSIDE_CITY, Areas
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.domain.registration import (
    Answers,
    InvalidAnswer,
    RegistrationError,
    answers_from_participant,
)
from gedsi_bot.domain.series import Catalog, RegistrationOptions
from gedsi_bot.locale import Language, format_date, format_when, t
from gedsi_bot.services.notices import session_heading, theme_title
from gedsi_bot.services.registration import ParticipantData, RegistrationView, SessionListing


def welcome(catalog: Catalog, first_name: str, language: Language) -> str:
    series = catalog.series
    return "\n\n".join(
        [
            t(
                "bot.welcome",
                language,
                name=escape(first_name),
                series=escape(series.name),
                tagline=escape(series.tagline),
                organiser=escape(series.organiser),
            ),
            t("bot.subscribe_question", language),
        ]
    )


def help_text(catalog: Catalog, language: Language) -> str:
    contact = catalog.series.contact
    parts = [contact.name, contact.phone, contact.telegram]
    return t("bot.help", language, contact=escape(", ".join(p for p in parts if p)))


def schedule(
    listings: Iterable[SessionListing],
    mine: Mapping[int, RegistrationView],
    catalog: Catalog,
    language: Language,
) -> str:
    """The open sessions, each with its seats and the person's own place."""
    blocks = [t("bot.schedule.header", language)]
    for listing in listings:
        session = listing.session
        lines = [session_heading(catalog, session, language)]
        view = mine.get(session.id)
        if view is not None and view.status is RegistrationStatus.WAITLISTED:
            lines.append(
                t("bot.schedule.your_status_waitlisted", language, position=view.position)
            )
        elif view is not None:
            lines.append(t("bot.schedule.your_status_registered", language))
        elif listing.seats_left > 0:
            lines.append(t("bot.schedule.seats_left", language, seats=listing.seats_left))
        elif catalog.registration.waitlist:
            lines.append(t("bot.schedule.full_waitlist", language))
        else:
            lines.append(t("bot.schedule.full", language))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def privacy_notice(catalog: Catalog, language: Language) -> str:
    return "\n\n".join(
        [
            t(
                "bot.privacy.notice",
                language,
                retention_days=catalog.series.retention_days,
                organiser=escape(catalog.series.organiser),
                version=escape(catalog.registration.consent_version),
            ),
            t("bot.privacy.question", language),
        ]
    )


def answer_error(error: RegistrationError, language: Language) -> str:
    """The message that explains why an answer or a registration was refused."""
    details = error.details if isinstance(error, InvalidAnswer) else {}
    return t(f"bot.error.{error.reason}", language, **details)


def area_label(code: str | None, areas: Areas, language: Language) -> str:
    if code is None:
        return t("bot.answer.none", language)
    if code == OUTSIDE_CITY:
        return t("bot.answer.outside_city", language, city=escape(areas.city_name))
    kecamatan = areas.kecamatan_of(code)
    if kecamatan is None:
        return escape(code)
    return t(
        "bot.answer.kelurahan",
        language,
        kelurahan=escape(areas.kelurahan(code).name),
        kecamatan=escape(kecamatan.name),
    )


def answers_lines(
    answers: Answers, options: RegistrationOptions, areas: Areas, language: Language
) -> list[str]:
    """One line per answer, as the person will check them."""
    none = t("bot.answer.none", language)

    def line(key: str, value: str) -> str:
        return t(f"bot.summary.{key}", language, value=value)

    lines = [
        line("name", escape(answers.full_name) if answers.full_name else none),
        line("sex", t(f"bot.answer.sex.{answers.sex.value}", language) if answers.sex else none),
        line("birth_year", str(answers.birth_year) if answers.birth_year else none),
    ]
    if answers.guardian_name:
        lines.append(line("guardian", escape(answers.guardian_name)))
    lines.append(
        line(
            "category",
            t(f"bot.answer.category.{answers.category.value}", language)
            if answers.category
            else none,
        )
    )
    if options.ask_institution:
        lines.append(line("institution", escape(answers.institution or none)))
    if options.ask_area:
        lines.append(line("area", area_label(answers.area_code, areas, language)))
    if options.ask_disability:
        if answers.disability is not None:
            value = t(f"bot.answer.disability.{answers.disability.value}", language)
        else:
            value = t("bot.answer.disability_declined", language)
        lines.append(line("disability", value))
    if options.ask_accessibility:
        needs = sorted(answers.accessibility or ())
        value = (
            ", ".join(t(f"bot.answer.accessibility.{n.value}", language) for n in needs)
            if needs
            else none
        )
        lines.append(line("accessibility", value))
    return lines


def summary(
    answers: Answers,
    options: RegistrationOptions,
    areas: Areas,
    language: Language,
    *,
    updating: bool,
) -> str:
    title = "bot.summary.title_update" if updating else "bot.summary.title_register"
    question = "bot.summary.question_update" if updating else "bot.summary.question_register"
    body = "\n".join(answers_lines(answers, options, areas, language))
    return f"{t(title, language)}\n\n{body}\n\n{t(question, language)}"


def reuse(answers: Answers, options: RegistrationOptions, areas: Areas, language: Language) -> str:
    body = "\n".join(answers_lines(answers, options, areas, language))
    return f"{t('bot.reuse.intro', language)}\n\n{body}\n\n{t('bot.reuse.question', language)}"


def my_data(
    data: ParticipantData, catalog: Catalog, areas: Areas, language: Language, *, today: dt.date
) -> str:
    """Everything held about the person, the way /dataku shows it."""
    person = data.participant
    zone = catalog.series.zone
    parts = [t("bot.mydata.title", language)]
    lines = [t("bot.mydata.telegram", language, id=person.telegram_user_id)]
    if data.has_profile:
        answers = answers_from_participant(person, today)
        lines.extend(answers_lines(answers, catalog.registration, areas, language))
        if person.consent_version and person.consent_at:
            lines.append(
                t(
                    "bot.mydata.consent",
                    language,
                    version=escape(person.consent_version),
                    when=format_date(person.consent_at.astimezone(zone).date(), language),
                )
            )
    else:
        lines.append(t("bot.mydata.nothing", language))
    yes_no = "bot.answer.yes" if person.subscribed else "bot.answer.no"
    lines.append(t("bot.mydata.subscribed", language, value=t(yes_no, language)))
    parts.append("\n".join(lines))

    registrations = [t("bot.mydata.registrations", language)]
    for view in data.registrations:
        status = t(f"bot.mydata.status.{view.status.value}", language, position=view.position or 1)
        registrations.append(
            t(
                "bot.mydata.registration_line",
                language,
                number=view.session.number,
                theme=escape(theme_title(catalog, view.session)),
                when=format_when(view.session.starts_at.astimezone(zone), language),
                status=status,
            )
        )
    if not data.registrations:
        registrations.append(t("bot.mydata.no_registrations", language))
    parts.append("\n".join(registrations))
    parts.append(t("bot.mydata.retention", language, retention_days=catalog.series.retention_days))
    return "\n\n".join(parts)
