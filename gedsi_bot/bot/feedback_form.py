"""The feedback form as a persistent conversation: three ratings, what was most useful, a theme.

It starts from the feedback request's button (``umpan:<session number>``) or ``/umpanbalik
[no]``. The answers so far live in ``user_data["feedback"]`` and the state in ``bot_state``, so
a restart continues the form. Giving feedback again starts from the earlier answers and
replaces them. Submitting may complete the certificate policy; ``on_submitted`` (from
``bot.aftercare``) issues and sends what is due.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot.certificates import after_feedback
from gedsi_bot.bot.common import (
    acknowledge,
    command,
    language_of,
    run,
    send,
    services,
    show,
    user_id,
)
from gedsi_bot.bot.context import Context
from gedsi_bot.domain.feedback import (
    RATING_MAX,
    RATING_MIN,
    SUGGESTION_MAX,
    TEXT_MAX,
    Aspect,
    FeedbackAnswers,
    FeedbackProblem,
    InvalidFeedback,
    Step,
    clean_text,
    next_step,
    parse_rating,
)
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import Language, t
from gedsi_bot.services import feedback as service

logger = logging.getLogger(__name__)

CONVERSATION_NAME = "feedback"
FORM = "feedback"
END = ConversationHandler.END

# Callback data (the request's button is the team's: ``umpan:<session number>``).
REQUEST = "umpan"
RATE = "fbr"  # fbr:<aspect>:<1-5>
SKIP = "fbs"
THEME = "fbt"  # fbt:<theme id>
OWN_THEME = "fbo"
STOP = "fbx"
FORM_PREFIXES = (RATE, SKIP, THEME, OWN_THEME, STOP)

PRIVATE = filters.ChatType.PRIVATE
ANSWER_TEXT = PRIVATE & filters.TEXT & ~filters.COMMAND
NOT_TEXT = PRIVATE & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL

State = str | int | None


@dataclass(slots=True)
class Form:
    """A feedback form in progress."""

    registration_id: int
    session_number: int
    theme_title: str
    answers: FeedbackAnswers
    updating: bool = False  # feedback was given before; this replaces it

    def to_dict(self) -> dict[str, Any]:
        return {
            "registration_id": self.registration_id,
            "session_number": self.session_number,
            "theme_title": self.theme_title,
            "answers": self.answers.to_dict(),
            "updating": self.updating,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form | None:
        registration_id, number = data.get("registration_id"), data.get("session_number")
        if not isinstance(registration_id, int) or not isinstance(number, int):
            return None
        answers = data.get("answers")
        return cls(
            registration_id=registration_id,
            session_number=number,
            theme_title=str(data.get("theme_title") or ""),
            answers=FeedbackAnswers.from_dict(answers if isinstance(answers, dict) else {}),
            updating=data.get("updating") is True,
        )


def load_form(context: Context) -> Form | None:
    data = context.user_data.get(FORM) if context.user_data is not None else None
    return Form.from_dict(data) if isinstance(data, dict) else None


def save_form(context: Context, form: Form) -> None:
    assert context.user_data is not None
    context.user_data[FORM] = form.to_dict()


def drop_form(context: Context) -> int:
    if context.user_data is not None:
        context.user_data.pop(FORM, None)
    return END


# --- keyboards ---------------------------------------------------------------------------------


def _button(text: str, prefix: str, value: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=kb.data(prefix, value))


def _stop_row(language: Language) -> list[InlineKeyboardButton]:
    return [_button(t("aftercare.feedback.stop", language), STOP)]


def rating_keyboard(aspect: Aspect, language: Language) -> InlineKeyboardMarkup:
    stars = [
        _button(str(value), RATE, f"{aspect.value}:{value}")
        for value in range(RATING_MIN, RATING_MAX + 1)
    ]
    return InlineKeyboardMarkup([stars, _stop_row(language)])


def skip_keyboard(language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(t("aftercare.feedback.skip", language), SKIP)], _stop_row(language)]
    )


def theme_keyboard(choices: list[tuple[str, str]], language: Language) -> InlineKeyboardMarkup:
    rows = []
    for theme_id, title in choices:
        try:
            rows.append([_button(title, THEME, theme_id)])
        except ValueError:  # an id too long for Telegram's 64 bytes: typed suggestions remain
            continue
    rows.append([_button(t("aftercare.feedback.own_theme", language), OWN_THEME)])
    rows.append([_button(t("aftercare.feedback.skip", language), SKIP)])
    rows.append(_stop_row(language))
    return InlineKeyboardMarkup(rows)


# --- prompts -----------------------------------------------------------------------------------


async def prompt(context: Context, form: Form, language: Language) -> tuple[str, Any]:
    """The text and buttons of the form's next question."""
    step = next_step(form.answers)
    assert step is not None
    if step in (Step.MATERIAL, Step.SPEAKER, Step.USEFULNESS):
        aspect = Aspect(step.value)
        return t(f"aftercare.feedback.ask_{aspect.value}", language), rating_keyboard(
            aspect, language
        )
    if step is Step.MOST_USEFUL:
        return t("aftercare.feedback.ask_most_useful", language), skip_keyboard(language)
    themes = await run(service.theme_choices, services(context))
    if not themes:
        return t("aftercare.feedback.ask_theme_free", language), skip_keyboard(language)
    choices = [(theme.id, theme.title) for theme in themes]
    return t("aftercare.feedback.ask_theme", language), theme_keyboard(choices, language)


def heading(context: Context, form: Form, language: Language) -> str:
    series = services(context).catalog.series.name
    return t(
        "aftercare.feedback.heading",
        language,
        series=escape(series),
        number=form.session_number,
        theme=escape(form.theme_title),
    )


async def ask(
    update: Update, context: Context, form: Form, *, fresh: bool = False, notice: str = ""
) -> State:
    """Save the form and ask its next question (or submit it when complete)."""
    if next_step(form.answers) is None:
        return await submit(update, context, form)
    save_form(context, form)
    language = language_of(update)
    text, markup = await prompt(context, form, language)
    body = f"{heading(context, form, language)}\n\n{text}"
    if notice:
        await send(update, f"{notice}\n\n{body}", markup)
    else:
        await (send if fresh else show)(update, body, markup)
    step = next_step(form.answers)
    assert step is not None
    return step.value


# --- starting ----------------------------------------------------------------------------------


async def begin(update: Update, context: Context, number: int | None) -> State:
    ctx = services(context)
    language = language_of(update)
    try:
        target = await run(
            service.feedback_target, ctx, telegram_user_id=user_id(update), number=number
        )
    except service.NoFeedbackPlace as error:
        if error.not_started:
            key = "aftercare.feedback.not_started"
        elif number is not None:
            key = "aftercare.feedback.not_registered"
        else:
            key = "aftercare.feedback.none"
        await send(update, t(key, language, number=number))
        return drop_form(context)
    try:
        title = ctx.catalog.theme(target.session.theme_id).title
    except KeyError:
        title = target.session.theme_id
    form = Form(
        registration_id=target.registration_id,
        session_number=target.session.number,
        theme_title=title,
        answers=FeedbackAnswers(),
        updating=target.previous is not None,
    )
    notice = t("aftercare.feedback.again", language) if form.updating else ""
    return await ask(update, context, form, fresh=True, notice=notice)


async def start_command(update: Update, context: Context) -> State:
    """``/umpanbalik [no]``."""
    args = context.args or []
    if len(args) > 1 or (args and not args[0].lstrip("#").isdigit()):
        await send(update, t("aftercare.feedback.usage", language_of(update)))
        return END
    return await begin(update, context, int(args[0].lstrip("#")) if args else None)


async def start_button(update: Update, context: Context) -> State:
    """The feedback request's button, ``umpan:<session number>``."""
    await acknowledge(update)
    value = kb.value_of(update.callback_query.data if update.callback_query else None)
    return await begin(update, context, int(value) if value.isdigit() else None)


# --- answers -----------------------------------------------------------------------------------


def answering(
    handler: Callable[[Update, Context, Form], Awaitable[State]],
) -> Callable[[Update, Context], Coroutine[Any, Any, State]]:
    """Give ``handler`` the form; a typed answer that is noise is asked again, politely."""

    async def wrapper(update: Update, context: Context) -> State:
        form = load_form(context)
        if form is None:
            await acknowledge(update)
            await send(update, t("aftercare.feedback.closed", language_of(update)))
            return END
        try:
            return await handler(update, context, form)
        except InvalidFeedback as error:
            return await reask(update, context, form, problem_text(error.problem, update))

    wrapper.__name__ = handler.__name__
    return wrapper


def problem_text(problem: FeedbackProblem, update: Update, *, limit: int = TEXT_MAX) -> str:
    return t(f"aftercare.feedback.problem.{problem.value}", language_of(update), limit=limit)


async def reask(update: Update, context: Context, form: Form, notice: str) -> State:
    await acknowledge(update)
    return await ask(update, context, form, notice=notice)


def _text(update: Update) -> str:
    assert update.message is not None
    assert update.message.text is not None
    return update.message.text


def _choice(update: Update) -> str:
    return kb.value_of(update.callback_query.data if update.callback_query else None)


@answering
async def on_rating(update: Update, context: Context, form: Form) -> State:
    aspect_name, _, value = _choice(update).partition(":")
    step = next_step(form.answers)
    if step is None or aspect_name != step.value or not value.isdigit():
        return await stale_button(update, context)
    form.answers = form.answers.rated(Aspect(aspect_name), int(value))
    return await ask(update, context, form)


@answering
async def on_typed_rating(update: Update, context: Context, form: Form) -> State:
    step = next_step(form.answers)
    assert step is not None
    form.answers = form.answers.rated(Aspect(step.value), parse_rating(_text(update)))
    return await ask(update, context, form, fresh=True)


@answering
async def on_most_useful(update: Update, context: Context, form: Form) -> State:
    text = clean_text(_text(update), limit=TEXT_MAX)
    form.answers = replace(form.answers, most_useful=text, most_useful_answered=True)
    return await ask(update, context, form, fresh=True)


@answering
async def on_skip(update: Update, context: Context, form: Form) -> State:
    step = next_step(form.answers)
    if step is Step.MOST_USEFUL:
        form.answers = replace(form.answers, most_useful=None, most_useful_answered=True)
    elif step is Step.THEME:
        form.answers = replace(form.answers, theme_id=None, theme_text=None, theme_answered=True)
    else:
        return await stale_button(update, context)
    return await ask(update, context, form)


@answering
async def on_theme(update: Update, context: Context, form: Form) -> State:
    theme_id = _choice(update)
    if next_step(form.answers) is not Step.THEME or not theme_id:
        return await stale_button(update, context)
    form.answers = replace(form.answers, theme_id=theme_id, theme_text=None, theme_answered=True)
    return await ask(update, context, form)


@answering
async def on_own_theme(update: Update, context: Context, form: Form) -> State:
    language = language_of(update)
    await show(
        update,
        f"{heading(context, form, language)}\n\n{t('aftercare.feedback.ask_own_theme', language)}",
    )
    return Step.THEME.value


@answering
async def on_theme_text(update: Update, context: Context, form: Form) -> State:
    try:
        text = clean_text(_text(update), limit=SUGGESTION_MAX)
    except InvalidFeedback as error:
        notice = problem_text(error.problem, update, limit=SUGGESTION_MAX)
        return await reask(update, context, form, notice)
    form.answers = replace(form.answers, theme_id=None, theme_text=text, theme_answered=True)
    return await ask(update, context, form, fresh=True)


@answering
async def not_text(update: Update, context: Context, form: Form) -> State:
    """A sticker, photo or voice note in the middle of the form."""
    language = language_of(update)
    step = next_step(form.answers)
    key = "text_only" if step in (Step.MOST_USEFUL, Step.THEME) else "use_buttons"
    return await reask(update, context, form, t(f"aftercare.feedback.problem.{key}", language))


async def stale_button(update: Update, context: Context) -> State:
    """A button of an earlier question: say so, and ask the current one again."""
    language = language_of(update)
    await acknowledge(update, t("bot.error.stale_button", language))
    form = load_form(context)
    if form is None:
        return END
    return await ask(update, context, form, notice=t("bot.resume.busy", language))


async def on_stop(update: Update, context: Context) -> State:
    await show(update, t("aftercare.feedback.stopped", language_of(update)))
    return drop_form(context)


# --- submitting --------------------------------------------------------------------------------


def build_conversation() -> ConversationHandler[Context]:
    """The persistent feedback form."""

    def buttons(prefix: str, callback: Callable[..., Any]) -> CallbackQueryHandler[Context, Any]:
        return CallbackQueryHandler(callback, pattern=kb.pattern(prefix))

    typed_rating = MessageHandler(ANSWER_TEXT, on_typed_rating)
    rating = [buttons(RATE, on_rating), typed_rating]
    states: dict[object, list[BaseHandler[Update, Context, object]]] = {
        Step.MATERIAL.value: rating,
        Step.SPEAKER.value: rating,
        Step.USEFULNESS.value: rating,
        Step.MOST_USEFUL.value: [
            MessageHandler(ANSWER_TEXT, on_most_useful),
            buttons(SKIP, on_skip),
        ],
        Step.THEME.value: [
            buttons(THEME, on_theme),
            buttons(OWN_THEME, on_own_theme),
            buttons(SKIP, on_skip),
            MessageHandler(ANSWER_TEXT, on_theme_text),
        ],
    }
    fallbacks: list[BaseHandler[Update, Context, object]] = [
        buttons(STOP, on_stop),
        CallbackQueryHandler(stale_button, pattern=rf"^({'|'.join(FORM_PREFIXES)}):"),
        MessageHandler(NOT_TEXT, not_text),
    ]
    with warnings.catch_warnings():
        # Buttons are tracked per chat on purpose: a form is one person's, in a private chat.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                command("umpanbalik", start_command, where=PRIVATE),
                CallbackQueryHandler(start_button, pattern=rf"^{REQUEST}:\d+$"),
            ],
            states=states,
            fallbacks=fallbacks,
            name=CONVERSATION_NAME,
            persistent=True,
            allow_reentry=True,
        )


async def submit(update: Update, context: Context, form: Form) -> State:
    ctx = services(context)
    language = language_of(update)
    try:
        await run(
            service.submit_feedback,
            ctx,
            telegram_user_id=user_id(update),
            registration_id=form.registration_id,
            answers=form.answers,
        )
    except NotFound:  # the registration is gone (data deleted meanwhile)
        await show(update, t("aftercare.feedback.closed", language))
        return drop_form(context)
    drop_form(context)
    key = "aftercare.feedback.updated" if form.updating else "aftercare.feedback.thanks"
    await show(update, t(key, language, number=form.session_number))
    await after_feedback(update, context, registration_id=form.registration_id)
    return END
