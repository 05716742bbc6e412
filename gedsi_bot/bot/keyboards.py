"""Inline keyboards and the callback data their buttons carry (always ≤ 64 bytes).

Callback data is ``<prefix>:<value>``; each prefix belongs to one step, so a button pressed in
an old message is recognised as stale instead of being taken for an answer to another question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from gedsi_bot.domain.areas import OUTSIDE_CITY, Areas, Kecamatan
from gedsi_bot.domain.model import AccessibilityNeed, Category, Disability, Session, Sex
from gedsi_bot.domain.registration import Question
from gedsi_bot.locale import Language, t
from gedsi_bot.services.notices import CALENDAR_CALLBACK

MAX_CALLBACK_BYTES = 64

# prefixes
SUBSCRIBE = "sub"
REGISTER = "daftar"
PRIVACY = "privacy"
REUSE = "reuse"
SEX = "sex"
ADULT = "adult"
GUARDIAN_CONSENT = "gc"
CATEGORY = "cat"
INSTITUTION = "inst"
KECAMATAN = "kec"
KELURAHAN = "kel"
DISABILITY_CONSENT = "dc"
DISABILITY = "dis"
ACCESSIBILITY = "acc"
SUMMARY = "sum"
EDIT = "edit"
RESUME = "resume"
CANCEL = "cxl"
CANCEL_CONFIRM = "cxlok"
CANCEL_KEEP = "cxlno"
DELETE = "del"
EXPORT = "export"
CALENDAR = "ics"

YES = "yes"
NO = "no"
NONE = "none"
DONE = "done"
BACK = "back"


def data(prefix: str, value: object = "") -> str:
    """``prefix:value``; ``ValueError`` if Telegram would refuse it."""
    text = f"{prefix}:{value}"
    if len(text.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {text!r}")
    return text


def pattern(prefix: str) -> str:
    """The regular expression matching every button of ``prefix``."""
    return rf"^{prefix}:"


def value_of(callback_data: str | None) -> str:
    """What follows the prefix."""
    return (callback_data or "").partition(":")[2]


def _button(text: str, prefix: str, value: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(prefix, value))


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def yes_no(prefix: str, language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("bot.button.yes", language), prefix, YES),
                _button(t("bot.button.no", language), prefix, NO),
            ]
        ]
    )


def subscribe(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("bot.button.subscribe_yes", language), SUBSCRIBE, YES)],
            [_button(t("bot.button.subscribe_no", language), SUBSCRIBE, NO)],
        ]
    )


def register_buttons(sessions: Iterable[Session], language: Language) -> InlineKeyboardMarkup:
    buttons = [
        _button(t("bot.button.register", language, number=session.number), REGISTER, session.id)
        for session in sessions
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def privacy(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("bot.button.agree", language), PRIVACY, YES)],
            [_button(t("bot.button.decline", language), PRIVACY, NO)],
        ]
    )


def reuse(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("bot.button.reuse", language), REUSE, YES)],
            [_button(t("bot.button.edit_data", language), REUSE, EDIT)],
        ]
    )


def sex(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t(f"bot.answer.sex.{s.value}", language), SEX, s.value) for s in Sex]]
    )


def category(language: Language) -> InlineKeyboardMarkup:
    buttons = [
        _button(t(f"bot.answer.category.{c.value}", language), CATEGORY, c.value) for c in Category
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def institution(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t("bot.button.none_institution", language), INSTITUTION, NONE)]]
    )


def kecamatan(areas: Areas, language: Language) -> InlineKeyboardMarkup:
    buttons = [_button(kec.name, KECAMATAN, kec.code) for kec in areas.kecamatan]
    rows = _rows(buttons, 2)
    rows.append(
        [
            _button(
                t("bot.button.outside_city", language, city=areas.city_name),
                KELURAHAN,
                OUTSIDE_CITY,
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def kelurahan(kec: Kecamatan, language: Language) -> InlineKeyboardMarkup:
    buttons = [_button(kel.name, KELURAHAN, kel.code) for kel in kec.kelurahan]
    rows = _rows(buttons, 2)
    rows.append([_button(t("bot.button.back", language), KECAMATAN, BACK)])
    return InlineKeyboardMarkup(rows)


def disability(language: Language) -> InlineKeyboardMarkup:
    buttons = [
        _button(t(f"bot.answer.disability.{d.value}", language), DISABILITY, d.value)
        for d in Disability
    ]
    return InlineKeyboardMarkup([[button] for button in buttons])


def accessibility(chosen: Iterable[AccessibilityNeed], language: Language) -> InlineKeyboardMarkup:
    picked = set(chosen)
    rows = [
        [
            _button(
                ("☑️ " if need in picked else "⬜ ")
                + t(f"bot.answer.accessibility.{need.value}", language),
                ACCESSIBILITY,
                need.value,
            )
        ]
        for need in AccessibilityNeed
    ]
    rows.append(
        [
            _button(t("bot.button.no_need", language), ACCESSIBILITY, NONE),
            _button(t("bot.button.done", language), ACCESSIBILITY, DONE),
        ]
    )
    return InlineKeyboardMarkup(rows)


def summary(*, updating: bool, language: Language) -> InlineKeyboardMarkup:
    submit = t("bot.button.save" if updating else "bot.button.confirm", language)
    return InlineKeyboardMarkup(
        [
            [_button(submit, SUMMARY, YES)],
            [_button(t("bot.button.edit", language), SUMMARY, EDIT)],
        ]
    )


def edit_menu(questions: Iterable[Question], language: Language) -> InlineKeyboardMarkup:
    buttons = [_button(t(f"bot.edit.{q.value}", language), EDIT, q.value) for q in questions]
    rows = _rows(buttons, 2)
    rows.append([_button(t("bot.button.back", language), EDIT, BACK)])
    return InlineKeyboardMarkup(rows)


def resume(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("bot.button.resume", language), RESUME, YES),
                _button(t("bot.button.stop", language), RESUME, NO),
            ]
        ]
    )


def calendar(session: Session, language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("bot.button.calendar", language),
                    callback_data=CALENDAR_CALLBACK.format(session_id=session.id),
                )
            ]
        ]
    )


def cancel_choices(sessions: Iterable[Session], language: Language) -> InlineKeyboardMarkup:
    buttons = [
        _button(
            t("bot.button.cancel_registration", language, number=session.number),
            CANCEL,
            session.id,
        )
        for session in sessions
    ]
    return InlineKeyboardMarkup([[button] for button in buttons])


def cancel_confirm(session: Session, language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("bot.button.cancel_confirm", language), CANCEL_CONFIRM, session.id),
                _button(t("bot.button.cancel_keep", language), CANCEL_KEEP, session.id),
            ]
        ]
    )


def delete_confirm(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("bot.button.delete_confirm", language), DELETE, YES)],
            [_button(t("bot.button.delete_keep", language), DELETE, NO)],
        ]
    )


def export(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("bot.button.export", language), EXPORT, YES)]])
