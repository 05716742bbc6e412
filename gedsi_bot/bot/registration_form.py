"""The registration form as a persistent conversation, and the same form for /ubah.

The form lives in ``user_data["form"]`` and its state in the ``bot_state`` table, so a person
can leave in the middle, come back days later or after a restart, and go on where they were.
Which question comes next is decided by ``domain.registration.next_question``; every handler
here stores one answer and asks whatever is next.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from functools import partial
from html import escape
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot import texts
from gedsi_bot.bot.common import (
    acknowledge,
    chat_id,
    command,
    language_of,
    run,
    send,
    services,
    show,
    today,
    user_id,
)
from gedsi_bot.bot.context import Context
from gedsi_bot.domain.deeplinks import LinkKind, parse_payload
from gedsi_bot.domain.model import (
    AccessibilityNeed,
    Category,
    Disability,
    RegistrationStatus,
    Session,
    Sex,
)
from gedsi_bot.domain.registration import (
    Answers,
    ConsentMissing,
    IncompleteAnswers,
    InvalidAnswer,
    Question,
    RegistrationClosed,
    SessionFull,
    answers_from_participant,
    can_reuse,
    forget,
    is_minor,
    next_question,
    parse_birth_year,
    profile_from,
    validate_area,
    validate_institution,
    validate_name,
)
from gedsi_bot.errors import GedsiError, NotFound
from gedsi_bot.locale import Language, t
from gedsi_bot.services import meetings
from gedsi_bot.services import registration as service
from gedsi_bot.services.calendar_file import calendar_filename, session_calendar
from gedsi_bot.services.notices import confirmation_text

logger = logging.getLogger(__name__)

CONVERSATION_NAME = "registration"
FORM = "form"

# states besides the questions (whose states are their Question values)
PRIVACY = "privacy"
REUSE = "reuse"
SUMMARY = "summary"
EDIT = "edit"
END = ConversationHandler.END

REGISTER_MODE = "register"
UPDATE_MODE = "update"

PRIVATE = filters.ChatType.PRIVATE
# Answers are new messages; an edited one is not read as an answer (see ``edited``).
NEW_MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
ANSWER_TEXT = NEW_MESSAGE & filters.TEXT & ~filters.COMMAND
NOT_TEXT = NEW_MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL
EDITED = PRIVATE & filters.UpdateType.EDITED_MESSAGE
REGISTER_LINK = PRIVATE & filters.Regex(r"^/start(@\w+)?\s+daftar_")
# Links that verify a certificate or answer a team invitation are answered as usual, and the
# open form stays where it was.
OTHER_LINK = filters.Regex(r"^/start(@\w+)?\s+(cek|tim)_")
TEXT_QUESTIONS = frozenset(
    question.value
    for question in (
        Question.NAME,
        Question.BIRTH_YEAR,
        Question.GUARDIAN_NAME,
        Question.INSTITUTION,
    )
)
# Commands that, in the middle of the form, offer to continue it rather than run.
FORM_INTERRUPTIONS = ("start", "jadwal", "dataku", "ubah", "langganan")
FORM_PREFIXES = (
    kb.PRIVACY,
    kb.REUSE,
    kb.SEX,
    kb.ADULT,
    kb.GUARDIAN_CONSENT,
    kb.CATEGORY,
    kb.INSTITUTION,
    kb.KECAMATAN,
    kb.KELURAHAN,
    kb.DISABILITY_CONSENT,
    kb.DISABILITY,
    kb.ACCESSIBILITY,
    kb.SUMMARY,
    kb.EDIT,
    kb.RESUME,
)

State = str | int | None
Callback = Callable[[Update, Context], Coroutine[Any, Any, State]]


@dataclass(slots=True)
class Form:
    """A form in progress: what for, how far, and the answers so far."""

    mode: str
    session_id: int | None
    answers: Answers
    state: str = PRIVACY
    privacy: bool = False  # the current privacy notice is agreed to
    consented_before: bool = False  # ... and was agreed to at an earlier registration
    kecamatan: str | None = None  # the kecamatan chosen on the way to a kelurahan
    picked: list[str] = field(default_factory=list)  # accessibility needs ticked so far

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "session_id": self.session_id,
            "answers": self.answers.to_dict(),
            "state": self.state,
            "privacy": self.privacy,
            "consented_before": self.consented_before,
            "kecamatan": self.kecamatan,
            "picked": list(self.picked),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form:
        answers = data.get("answers")
        session_id = data.get("session_id")
        return cls(
            mode=UPDATE_MODE if data.get("mode") == UPDATE_MODE else REGISTER_MODE,
            session_id=session_id if isinstance(session_id, int) else None,
            answers=Answers.from_dict(answers if isinstance(answers, dict) else {}),
            state=str(data.get("state") or PRIVACY),
            privacy=data.get("privacy") is True,
            consented_before=data.get("consented_before") is True,
            kecamatan=data.get("kecamatan") if isinstance(data.get("kecamatan"), str) else None,
            picked=[p for p in data.get("picked") or [] if isinstance(p, str)],
        )

    @property
    def updating(self) -> bool:
        return self.mode == UPDATE_MODE


def load_form(context: Context) -> Form | None:
    data = context.user_data.get(FORM) if context.user_data is not None else None
    return Form.from_dict(data) if isinstance(data, dict) else None


def save_form(context: Context, form: Form, state: str) -> str:
    """Remember the form at ``state``; returns the state for the conversation."""
    form.state = state
    assert context.user_data is not None
    context.user_data[FORM] = form.to_dict()
    return state


def drop_form(context: Context) -> int:
    if context.user_data is not None:
        context.user_data.pop(FORM, None)
    return END


# --- prompts ----------------------------------------------------------------------------------


_KEYBOARDS: dict[Question, Callable[[Language], InlineKeyboardMarkup]] = {
    Question.SEX: kb.sex,
    Question.ADULT_CHECK: partial(kb.yes_no, kb.ADULT),
    Question.CATEGORY: kb.category,
    Question.INSTITUTION: kb.institution,
    Question.DISABILITY_CONSENT: partial(kb.yes_no, kb.DISABILITY_CONSENT),
    Question.DISABILITY: kb.disability,
}


def question_prompt(
    question: Question, form: Form, context: Context, language: Language
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons that ask ``question``."""
    areas = services(context).areas
    if question is Question.GUARDIAN_CONSENT:
        guardian = escape(form.answers.guardian_name or "")
        text = t("bot.ask.guardian_consent", language, guardian=guardian)
        return text, kb.yes_no(kb.GUARDIAN_CONSENT, language)
    if question is Question.AREA and form.kecamatan is not None:
        kecamatan = next(k for k in areas.kecamatan if k.code == form.kecamatan)
        text = t("bot.ask.area_kelurahan", language, kecamatan=escape(kecamatan.name))
        return text, kb.kelurahan(kecamatan, language)
    if question is Question.AREA:
        text = t("bot.ask.area_kecamatan", language, city=escape(areas.city_name))
        return text, kb.kecamatan(areas, language)
    if question is Question.ACCESSIBILITY:
        picked = [AccessibilityNeed(value) for value in form.picked]
        return t("bot.ask.accessibility", language), kb.accessibility(picked, language)
    keyboard = _KEYBOARDS.get(question)
    return t(f"bot.ask.{question.value}", language), keyboard(language) if keyboard else None


def state_prompt(form: Form, context: Context, language: Language) -> tuple[str, Any]:
    """The text and buttons of the step the form is at."""
    ctx = services(context)
    options = ctx.catalog.registration
    if form.state == PRIVACY:
        return texts.privacy_notice(ctx.catalog, language), kb.privacy(language)
    if form.state == REUSE:
        return texts.reuse(form.answers, options, ctx.areas, language), kb.reuse(language)
    if form.state == SUMMARY:
        text = texts.summary(form.answers, options, ctx.areas, language, updating=form.updating)
        return text, kb.summary(updating=form.updating, language=language)
    if form.state == EDIT:
        return t("bot.summary.edit_which", language), kb.edit_menu(
            editable_questions(form, context), language
        )
    return question_prompt(Question(form.state), form, context, language)


def editable_questions(form: Form, context: Context) -> list[Question]:
    ctx = services(context)
    options = ctx.catalog.registration
    asked = {
        Question.INSTITUTION: options.ask_institution,
        Question.AREA: options.ask_area,
        Question.DISABILITY_CONSENT: options.ask_disability,
        Question.ACCESSIBILITY: options.ask_accessibility,
        Question.GUARDIAN_NAME: is_minor(form.answers, today(ctx)),
    }
    order = (
        Question.NAME,
        Question.SEX,
        Question.BIRTH_YEAR,
        Question.GUARDIAN_NAME,
        Question.CATEGORY,
        Question.INSTITUTION,
        Question.AREA,
        Question.DISABILITY_CONSENT,
        Question.ACCESSIBILITY,
    )
    return [question for question in order if asked.get(question, True)]


async def goto(
    update: Update, context: Context, form: Form, state: str, *, fresh: bool = False
) -> str:
    """Move the form to ``state`` and show that step (in a new message when ``fresh``)."""
    save_form(context, form, state)
    text, markup = state_prompt(form, context, language_of(update))
    await (send if fresh else show)(update, text, markup)
    return state


async def ask_next(update: Update, context: Context, form: Form, *, fresh: bool = False) -> str:
    """Ask the next unanswered question, or show the summary when there is none."""
    ctx = services(context)
    question = next_question(form.answers, ctx.catalog.registration, today(ctx))
    state = SUMMARY if question is None else question.value
    return await goto(update, context, form, state, fresh=fresh)


async def reprompt(update: Update, context: Context, form: Form, notice: str) -> None:
    """Say ``notice`` and ask the current step again, in a new message below."""
    language = language_of(update)
    text, markup = state_prompt(form, context, language)
    await send(update, f"{notice}\n\n{text}", markup)


# --- starting ---------------------------------------------------------------------------------


async def begin(update: Update, context: Context, session_id: int) -> State:
    """Open the form for a session: the privacy notice, the one-tap re-use, or the questions."""
    ctx = services(context)
    language = language_of(update)
    assert update.effective_user is not None
    try:
        start = await run(
            service.start_registration,
            ctx,
            telegram_user_id=user_id(update),
            chat_id=chat_id(update),
            language_code=update.effective_user.language_code,
            session_id=session_id,
        )
    except NotFound:
        await send(update, t("bot.error.unknown_code", language))
        return drop_form(context)
    if start.current is not None:
        current = await with_personal_link(context, start.current)
        await send_confirmation(update, context, current, already=True, fresh=True)
        return drop_form(context)
    if not start.is_open:
        await send(update, t("bot.error.closed", language))
        return drop_form(context)

    person = start.participant
    day = today(ctx)
    options = ctx.catalog.registration
    consented = person.consent_version == options.consent_version
    answers = answers_from_participant(person, day) if person.full_name else Answers()
    form = Form(
        mode=REGISTER_MODE,
        session_id=session_id,
        answers=answers,
        privacy=consented,
        consented_before=consented,
    )
    if not consented:
        return await goto(update, context, form, PRIVACY, fresh=True)
    if can_reuse(person, options, day):
        return await goto(update, context, form, REUSE, fresh=True)
    return await ask_next(update, context, form, fresh=True)


async def start_from_link(update: Update, context: Context) -> State:
    """``/start daftar_<code>`` from a flyer's QR code or a channel post."""
    language = language_of(update)
    link = parse_payload(context.args[0]) if context.args else None
    if link is None or link.kind is not LinkKind.REGISTER:
        await send(update, t("bot.error.unknown_code", language))
        return END
    try:
        session = await run(service.session_by_code, services(context), link.code)
    except NotFound:
        await send(update, t("bot.error.unknown_code", language))
        return END
    return await begin(update, context, session.id)


def _session_id_of(update: Update) -> int | None:
    value = kb.value_of(update.callback_query.data if update.callback_query else None)
    return int(value) if value.isdigit() else None


async def start_from_button(update: Update, context: Context) -> State:
    """The "Daftar" button under /jadwal."""
    await acknowledge(update)
    session_id = _session_id_of(update)
    if session_id is None:
        await send(update, t("bot.error.stale_button", language_of(update)))
        return END
    return await begin(update, context, session_id)


async def start_update(update: Update, context: Context) -> State:
    """``/ubah``: the same form, filled with the data held, to correct and save."""
    ctx = services(context)
    language = language_of(update)
    person = await run(service.find_participant, ctx, user_id(update))
    if person is None or person.full_name is None:
        await send(update, t("bot.update.nothing", language))
        return END
    answers = answers_from_participant(person, today(ctx))
    form = Form(mode=UPDATE_MODE, session_id=None, answers=answers, privacy=True)
    return await goto(update, context, form, SUMMARY)


# --- answers ----------------------------------------------------------------------------------


def answering(
    handler: Callable[[Update, Context, Form], Awaitable[State]],
) -> Callback:
    """Give ``handler`` the form; a form that is gone (deleted data) ends the conversation."""

    async def wrapper(update: Update, context: Context) -> State:
        form = load_form(context)
        if form is None:
            await show(update, t("bot.cancel.left_form", language_of(update)))
            return END
        try:
            return await handler(update, context, form)
        except InvalidAnswer as error:
            language = language_of(update)
            await acknowledge(update)  # a button the form did not make: stop its spinner
            if form.state in TEXT_QUESTIONS:
                await send(update, texts.answer_error(error, language))
            else:
                await reprompt(update, context, form, texts.answer_error(error, language))
            return None

    wrapper.__name__ = handler.__name__
    return wrapper


def _text(update: Update) -> str:
    assert update.message is not None
    assert update.message.text is not None
    return update.message.text


def _choice(update: Update) -> str:
    return kb.value_of(update.callback_query.data if update.callback_query else None)


_Choice = TypeVar("_Choice", Sex, Category, Disability, AccessibilityNeed)


def _enum(kind: type[_Choice], value: str, question: Question) -> _Choice:
    """The option a button stands for; a button the form did not make is refused."""
    try:
        return kind(value)
    except ValueError:
        raise InvalidAnswer(question, "use_buttons") from None


@answering
async def on_privacy(update: Update, context: Context, form: Form) -> State:
    if _choice(update) != kb.YES:
        await show(update, t("bot.privacy.declined", language_of(update)))
        return drop_form(context)
    form.privacy = True
    ctx = services(context)
    if (
        form.answers.full_name
        and next_question(form.answers, ctx.catalog.registration, today(ctx)) is None
    ):
        return await goto(update, context, form, REUSE)
    return await ask_next(update, context, form)


@answering
async def on_reuse(update: Update, context: Context, form: Form) -> State:
    if _choice(update) == kb.YES:
        return await submit(update, context, form)
    return await goto(update, context, form, EDIT)


@answering
async def on_name(update: Update, context: Context, form: Form) -> State:
    form.answers = replace(form.answers, full_name=validate_name(_text(update)))
    return await ask_next(update, context, form)


@answering
async def on_sex(update: Update, context: Context, form: Form) -> State:
    form.answers = replace(form.answers, sex=_enum(Sex, _choice(update), Question.SEX))
    return await ask_next(update, context, form)


@answering
async def on_birth_year(update: Update, context: Context, form: Form) -> State:
    year = parse_birth_year(_text(update), today=today(services(context)))
    form.answers = replace(
        form.answers, birth_year=year, is_adult=None, guardian_name=None, guardian_consent=False
    )
    return await ask_next(update, context, form)


@answering
async def on_adult(update: Update, context: Context, form: Form) -> State:
    form.answers = replace(form.answers, is_adult=_choice(update) == kb.YES)
    return await ask_next(update, context, form)


@answering
async def on_guardian_name(update: Update, context: Context, form: Form) -> State:
    name = validate_name(_text(update), Question.GUARDIAN_NAME)
    form.answers = replace(form.answers, guardian_name=name)
    return await ask_next(update, context, form)


@answering
async def on_guardian_consent(update: Update, context: Context, form: Form) -> State:
    if _choice(update) != kb.YES:
        await show(update, t("bot.error.guardian_needed", language_of(update)))
        return drop_form(context)
    form.answers = replace(form.answers, guardian_consent=True)
    return await ask_next(update, context, form)


@answering
async def on_category(update: Update, context: Context, form: Form) -> State:
    form.answers = replace(
        form.answers, category=_enum(Category, _choice(update), Question.CATEGORY)
    )
    return await ask_next(update, context, form)


@answering
async def on_institution(update: Update, context: Context, form: Form) -> State:
    if update.callback_query is not None:
        form.answers = replace(form.answers, institution=None, institution_answered=True)
    else:
        name = validate_institution(_text(update))
        form.answers = replace(form.answers, institution=name, institution_answered=True)
    return await ask_next(update, context, form)


@answering
async def on_kecamatan(update: Update, context: Context, form: Form) -> State:
    choice = _choice(update)
    codes = {k.code for k in services(context).areas.kecamatan}
    form.kecamatan = choice if choice in codes else None
    return await goto(update, context, form, Question.AREA.value)


@answering
async def on_kelurahan(update: Update, context: Context, form: Form) -> State:
    code = validate_area(_choice(update), services(context).areas)
    form.answers = replace(form.answers, area_code=code)
    form.kecamatan = None
    return await ask_next(update, context, form)


@answering
async def on_disability_consent(update: Update, context: Context, form: Form) -> State:
    consent = _choice(update) == kb.YES
    form.answers = replace(form.answers, disability_consent=consent, disability=None)
    return await ask_next(update, context, form)


@answering
async def on_disability(update: Update, context: Context, form: Form) -> State:
    form.answers = replace(
        form.answers, disability=_enum(Disability, _choice(update), Question.DISABILITY)
    )
    return await ask_next(update, context, form)


@answering
async def on_accessibility(update: Update, context: Context, form: Form) -> State:
    choice = _choice(update)
    if choice == kb.NONE:
        form.picked = []
    if choice in {kb.NONE, kb.DONE}:
        needs = frozenset(AccessibilityNeed(value) for value in form.picked)
        form.answers = replace(form.answers, accessibility=needs)
        form.picked = []
        return await ask_next(update, context, form)
    need = _enum(AccessibilityNeed, choice, Question.ACCESSIBILITY)
    if need.value in form.picked:
        form.picked.remove(need.value)
    else:
        form.picked.append(need.value)
    return await goto(update, context, form, Question.ACCESSIBILITY.value)


@answering
async def on_summary(update: Update, context: Context, form: Form) -> State:
    if _choice(update) == kb.YES:
        return await submit(update, context, form)
    return await goto(update, context, form, EDIT)


@answering
async def on_edit(update: Update, context: Context, form: Form) -> State:
    choice = _choice(update)
    if choice == kb.BACK:
        return await goto(update, context, form, SUMMARY)
    try:
        question = Question(choice)
    except ValueError:
        return await goto(update, context, form, EDIT)
    if question is Question.ACCESSIBILITY:
        form.picked = sorted(need.value for need in form.answers.accessibility or ())
    form.answers = forget(form.answers, question)
    return await ask_next(update, context, form)


@answering
async def use_the_buttons(update: Update, context: Context, form: Form) -> State:
    """Text typed where a button is expected."""
    await reprompt(update, context, form, t("bot.error.use_buttons", language_of(update)))
    return None


# --- submitting -------------------------------------------------------------------------------


async def submit(update: Update, context: Context, form: Form) -> State:
    """Register (or save the corrections) and confirm."""
    ctx = services(context)
    language = language_of(update)
    try:
        profile = profile_from(form.answers, ctx.catalog.registration, today(ctx))
    except IncompleteAnswers:
        return await ask_next(update, context, form)
    if form.updating:
        count = await run(
            service.update_profile, ctx, telegram_user_id=user_id(update), profile=profile
        )
        await show(update, t("bot.confirm.updated", language, count=count))
        return drop_form(context)

    assert form.session_id is not None
    reuse_stored = form.consented_before and form.state == REUSE
    assert update.effective_user is not None
    try:
        result = await run(
            service.register,
            ctx,
            telegram_user_id=user_id(update),
            chat_id=chat_id(update),
            session_id=form.session_id,
            language_code=update.effective_user.language_code,
            profile=None if reuse_stored else profile,
            consent_version=None if reuse_stored else ctx.catalog.registration.consent_version,
        )
    except (RegistrationClosed, SessionFull, NotFound) as error:
        key = "bot.error.full" if isinstance(error, SessionFull) else "bot.error.closed"
        await show(update, t(key, language))
        return drop_form(context)
    except ConsentMissing:
        form.privacy = form.consented_before = False
        return await goto(update, context, form, PRIVACY)
    except IncompleteAnswers:
        return await ask_next(update, context, form)
    drop_form(context)
    view = await with_personal_link(context, result)
    await send_confirmation(update, context, view, already=result.already, name=profile.full_name)
    return END


async def with_personal_link(
    context: Context, view: service.RegistrationView
) -> service.RegistrationView:
    """The registration with its personal Zoom link, where the meeting uses registration.

    Zoom being away does not undo a registration: the confirmation then says the personal
    link will follow, and the link is asked for again before the session.
    """
    meeting = view.session.meeting
    if (
        meeting is None
        or not meeting.uses_registration
        or view.registration.personal_join_url
        or view.status is not RegistrationStatus.REGISTERED
    ):
        return view
    data = context.bot_data
    try:
        url = await meetings.add_registrant(
            data.services.database,
            data.zoom,
            options=data.settings.meeting_options,
            registration_id=view.registration.id,
        )
    except GedsiError as error:
        logger.warning("no personal link for registration %s yet: %s", view.registration.id, error)
        return view
    return replace(view, registration=replace(view.registration, personal_join_url=url))


async def send_confirmation(
    update: Update,
    context: Context,
    view: service.RegistrationView,
    *,
    already: bool,
    name: str | None = None,
    fresh: bool = False,
) -> None:
    """The confirmation (or waitlist) message, and the calendar file for a seat."""
    ctx = services(context)
    language = language_of(update)
    if name is None:
        person = await run(service.find_participant, ctx, user_id(update))
        name = person.full_name if person else None
    text = confirmation_text(
        ctx.catalog,
        view.session,
        view.registration,
        language,
        name=name,
        position=view.position,
        already=already,
    )
    await (send if fresh else show)(update, text)
    if view.status is RegistrationStatus.REGISTERED:
        await send_calendar(update, context, view)


async def send_calendar(update: Update, context: Context, view: service.RegistrationView) -> None:
    ctx = services(context)
    language = language_of(update)
    content = session_calendar(
        ctx.catalog, view.session, view.registration, language, now=ctx.clock.now()
    )
    assert update.effective_chat is not None
    await update.effective_chat.send_document(
        InputFile(content, filename=calendar_filename(ctx.catalog, view.session)),
        caption=t("bot.confirm.calendar_caption", language),
    )


# --- leaving, interruptions and resuming ------------------------------------------------------


async def leave(update: Update, context: Context) -> State:
    """``/batal`` in the middle of the form."""
    await send(update, t("bot.cancel.left_form", language_of(update)))
    return drop_form(context)


@answering
async def switch_session(update: Update, context: Context, form: Form) -> State:
    """A registration link or button for another session while the form is open."""
    language = language_of(update)
    if update.callback_query is not None:
        await acknowledge(update)
        session_id = _session_id_of(update)
    else:
        session_id = await _linked_session_id(context)
    if session_id is None:
        await reprompt(update, context, form, t("bot.error.unknown_code", language))
        return None
    if form.session_id == session_id:
        await reprompt(update, context, form, t("bot.resume.busy", language))
        return None
    session = await _still_open(context, session_id)
    if form.updating or session is None:
        return await begin(update, context, session_id)  # says why, if it cannot be
    form.session_id = session_id
    save_form(context, form, form.state)
    notice = t(
        "bot.resume.switched",
        language,
        series=escape(services(context).catalog.series.name),
        number=session.number,
    )
    await reprompt(update, context, form, notice)
    return None


async def _linked_session_id(context: Context) -> int | None:
    """The session a ``/start daftar_<code>`` names, if any."""
    link = parse_payload(context.args[0]) if context.args else None
    if link is None or link.kind is not LinkKind.REGISTER:
        return None
    try:
        session = await run(service.session_by_code, services(context), link.code)
    except NotFound:
        return None
    return session.id


@answering
async def offer_resume(update: Update, context: Context, form: Form) -> State:
    """Another command while the form is open: continue it, or stop."""
    ctx = services(context)
    language = language_of(update)
    if form.updating or form.session_id is None:
        text = t("bot.resume.question_update", language)
    else:
        session = await _still_open(context, form.session_id)
        if session is None:
            await send(update, t("bot.error.closed", language))
            return drop_form(context)
        text = t(
            "bot.resume.question",
            language,
            series=escape(ctx.catalog.series.name),
            number=session.number,
        )
    await send(update, text, kb.resume(language))
    return None


@answering
async def on_resume(update: Update, context: Context, form: Form) -> State:
    language = language_of(update)
    if _choice(update) != kb.YES:
        await show(update, t("bot.cancel.left_form", language))
        return drop_form(context)
    registering = not form.updating and form.session_id is not None
    if registering and await _still_open(context, form.session_id or 0) is None:
        await show(update, t("bot.error.closed", language))
        return drop_form(context)
    return await goto(update, context, form, form.state)


async def _still_open(context: Context, session_id: int) -> Session | None:
    """The session of an abandoned form, if it still takes registrations."""
    ctx = services(context)
    try:
        session = await run(service.get_session, ctx, session_id)
    except NotFound:
        return None
    return session if service.is_session_open(ctx, session) else None


@answering
async def stale_button(update: Update, context: Context, form: Form) -> State:
    """A button from an earlier step: say so, and ask the current step again."""
    language = language_of(update)
    await acknowledge(update, t("bot.error.stale_button", language))
    await reprompt(update, context, form, t("bot.resume.busy", language))
    return None


@answering
async def not_text(update: Update, context: Context, form: Form) -> State:
    """A sticker, photo, voice note, … in the middle of the form."""
    language = language_of(update)
    key = "bot.error.text_only" if form.state in TEXT_QUESTIONS else "bot.error.use_buttons"
    await reprompt(update, context, form, t(key, language))
    return None


@answering
async def edited(update: Update, context: Context, form: Form) -> State:
    """An earlier message edited: the answer it gave stands; a new answer needs a new message."""
    await reprompt(update, context, form, t("bot.error.edited", language_of(update)))
    return None


# --- the conversation -------------------------------------------------------------------------


def _buttons(prefix: str, callback: Callback) -> CallbackQueryHandler[Context, object]:
    return CallbackQueryHandler(callback, pattern=kb.pattern(prefix))


def _typed(callback: Callback) -> MessageHandler[Context, object]:
    return MessageHandler(ANSWER_TEXT, callback)


def build_conversation(*, on_delete_request: Callback) -> ConversationHandler[Context]:
    """The persistent registration form; ``on_delete_request`` answers /hapusdata in it."""

    async def delete_request(update: Update, context: Context) -> State:
        drop_form(context)
        await on_delete_request(update, context)
        return END

    buttons_only = [_typed(use_the_buttons)]
    states: dict[object, list[BaseHandler[Update, Context, object]]] = {
        PRIVACY: [_buttons(kb.PRIVACY, on_privacy), *buttons_only],
        REUSE: [_buttons(kb.REUSE, on_reuse), *buttons_only],
        Question.NAME.value: [_typed(on_name)],
        Question.SEX.value: [_buttons(kb.SEX, on_sex), *buttons_only],
        Question.BIRTH_YEAR.value: [_typed(on_birth_year)],
        Question.ADULT_CHECK.value: [_buttons(kb.ADULT, on_adult), *buttons_only],
        Question.GUARDIAN_NAME.value: [_typed(on_guardian_name)],
        Question.GUARDIAN_CONSENT.value: [
            _buttons(kb.GUARDIAN_CONSENT, on_guardian_consent),
            *buttons_only,
        ],
        Question.CATEGORY.value: [_buttons(kb.CATEGORY, on_category), *buttons_only],
        Question.INSTITUTION.value: [
            _typed(on_institution),
            _buttons(kb.INSTITUTION, on_institution),
        ],
        Question.AREA.value: [
            _buttons(kb.KECAMATAN, on_kecamatan),
            _buttons(kb.KELURAHAN, on_kelurahan),
            *buttons_only,
        ],
        Question.DISABILITY_CONSENT.value: [
            _buttons(kb.DISABILITY_CONSENT, on_disability_consent),
            *buttons_only,
        ],
        Question.DISABILITY.value: [_buttons(kb.DISABILITY, on_disability), *buttons_only],
        Question.ACCESSIBILITY.value: [
            _buttons(kb.ACCESSIBILITY, on_accessibility),
            *buttons_only,
        ],
        SUMMARY: [_buttons(kb.SUMMARY, on_summary), *buttons_only],
        EDIT: [_buttons(kb.EDIT, on_edit), *buttons_only],
    }
    fallbacks: list[BaseHandler[Update, Context, object]] = [
        command("batal", leave, where=PRIVATE),
        command("hapusdata", delete_request, where=PRIVATE),
        command("start", switch_session, where=REGISTER_LINK),
        CallbackQueryHandler(switch_session, pattern=rf"^{kb.REGISTER}:\d+$"),
        command(FORM_INTERRUPTIONS, offer_resume, where=PRIVATE & ~OTHER_LINK),
        CallbackQueryHandler(on_resume, pattern=kb.pattern(kb.RESUME)),
        CallbackQueryHandler(
            stale_button, pattern=rf"^({'|'.join(map(re.escape, FORM_PREFIXES))}):"
        ),
        MessageHandler(NOT_TEXT, not_text),
        MessageHandler(EDITED, edited),
    ]
    with warnings.catch_warnings():
        # Buttons are tracked per chat on purpose: a form is one person's, in a private chat.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                command("start", start_from_link, where=REGISTER_LINK),
                CallbackQueryHandler(start_from_button, pattern=rf"^{kb.REGISTER}:\d+$"),
                command("ubah", start_update, where=PRIVATE),
            ],
            states=states,
            fallbacks=fallbacks,
            name=CONVERSATION_NAME,
            persistent=True,
        )
