"""Whatever people send, in whatever order, the bot answers within Telegram's limits, never
fails, and stores only values the registration rules allow.

Hypothesis writes sequences of updates — hostile and very long texts, commands with junk
arguments, buttons pressed late or forged, stickers, photos, locations, contacts, edits — and
one new person sends each sequence to the real bot through the Telegram sandbox. The sandbox
refuses (400) anything Telegram would refuse: too long a text, broken HTML, bad buttons.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update

from gedsi_bot.bot.app import describe, frames
from gedsi_bot.bot.context import Context
from gedsi_bot.bot.registration_form import FORM
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.domain.registration import (
    ACTIVE,
    OLDEST_AGE,
    YOUNGEST_AGE,
    validate_institution,
    validate_name,
)
from gedsi_bot.locale import t
from gedsi_bot.sandbox.telegram.client import (
    AsyncSandboxClient,
    ReceivedMessage,
    SandboxClient,
    SandboxError,
)
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.store.participants import participant_from_row
from gedsi_bot.store.tables import ParticipantRow, RegistrationRow
from tests.e2e.conftest import TEST_FLOOD
from tests.e2e.harness import WAIT, BotHarness
from tests.e2e.harness import Person as HarnessPerson
from tests.registration_factories import NOW, SESSION_START

pytestmark = pytest.mark.slow

T = TypeVar("T")

# Telegram refuses to edit a message into what it already shows; the bot expects and ignores it.
EXPECTED_REFUSALS = ("message is not modified",)
UNEXPECTED_REPLY = "terjadi gangguan"  # bot.error.unexpected: the error handler answered


# --- the bot on an event loop of its own, so hypothesis can drive it from this thread ---------


class Processed:
    """The ids of updates the bot has finished with (handlers and error handlers done)."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = threading.Condition()

    def add(self, update_id: int) -> None:
        with self._changed:
            self._done.add(update_id)
            self._changed.notify_all()

    def wait(self, update_id: int, timeout: float = WAIT) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: update_id in self._done, timeout):
                raise AssertionError(f"the bot did not finish update {update_id} in {timeout} s")


@dataclass
class RunningBot:
    harness: BotHarness
    users: SandboxClient
    loop: asyncio.AbstractEventLoop
    http: httpx.Client
    processed: Processed = field(default_factory=Processed)
    errors: list[tuple[int | None, BaseException | None]] = field(default_factory=list)

    def simulate(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A raw simulation request; its result (with the ``update_id`` the client drops)."""
        response = self.http.post(path, json=body)
        answer: dict[str, Any] = response.json()
        if not answer.get("ok"):
            raise SandboxError(response.status_code, str(answer.get("error")))
        result: dict[str, Any] = answer["result"]
        return result

    def form_of(self, user_id: int) -> dict[str, Any] | None:
        """The registration form the bot holds for the person, if one is open."""
        application = self.harness.application
        assert application is not None
        form = application.user_data.get(user_id, {}).get(FORM)
        return dict(form) if isinstance(form, dict) else None

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the bot's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(WAIT)


async def _start(bot: RunningBot) -> None:
    application = await bot.harness.start()

    async def record(update: object, context: Context) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        bot.errors.append((update_id, context.error))

    application.add_error_handler(record)
    processor = application.update_processor
    process = processor.do_process_update

    async def tracked(update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await process(update, coroutine)
        finally:
            if isinstance(update, Update):
                bot.processed.add(update.update_id)

    processor.do_process_update = tracked  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def running_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """One bot for every example; each example is a new person, so examples stay apart."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bad-input-bot", daemon=True)
    thread.start()
    path: Path = tmp_path_factory.mktemp("bad-input") / "gedsi.db"
    with (
        TelegramSandbox(flood=TEST_FLOOD) as sandbox,
        sandbox.client() as users,
        httpx.Client(base_url=f"{sandbox.url}/sandbox", timeout=WAIT) as http,
    ):
        harness = BotHarness(sandbox, path)
        harness.publish("K12", capacity=150)
        harness.publish("K13", capacity=1, starts_at=SESSION_START + dt.timedelta(days=14))
        harness.publish("K10", starts_at=NOW + dt.timedelta(hours=1))  # closed: starts soon
        bot = RunningBot(harness, users, loop, http)
        bot.call(_start(bot))
        try:
            yield bot
        finally:
            bot.call(harness.stop())
            harness.database.dispose()
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


# --- what people send ----------------------------------------------------------------------------

HOSTILE = [
    "<b>Siti</b>",
    "Siti & Aminah",
    "</code><i>",
    "&lt;script&gt;",
    "<a href='javascript:alert(1)'>x</a>",
    "Robert'); DROP TABLE participants;--",
    "' OR 1=1 --",
    "Siti\u200bAminah",  # zero-width space
    "\u200d\u200c\ufeff",
    "\u202eharambe",  # right-to-left override
    "سيتي أمينة",  # Arabic, right to left
    "שרה כהן",  # Hebrew
    "Siti 👩🏽‍💻 Aminah",
    "🇮🇩🇮🇩🇮🇩",
    "Ñoño O’Brien-Smith Jr.",
    "Z̷̡a̸l̵g̶o̷",
    "   ",
    ".",
    "1985",
    "0000",
    "99999999999999999999",
    "-1",
    "1985.0",
    "١٩٨٥",  # Arabic-Indic digits
    "Posyandu Melati",
    "Siti Aminah",
    "x" * 4096,
    "ꦱꦶꦠꦶ",  # Javanese script
    "%s%s%n",
    "{name}",
    "${jndi:ldap://x}",
    "\\N{BEL}",
]
COMMANDS = [
    "start",
    "jadwal",
    "batal",
    "dataku",
    "ubah",
    "hapusdata",
    "langganan",
    "bantuan",
    "help",
    "umpanbalik",
    "laporan",
    "admin",
    "tidakada",
]
PREFIXES = [  # every button prefix of gedsi_bot.bot.keyboards, and a few that are none
    "sub",
    "daftar",
    "privacy",
    "reuse",
    "sex",
    "adult",
    "gc",
    "cat",
    "inst",
    "kec",
    "kel",
    "dc",
    "dis",
    "acc",
    "sum",
    "edit",
    "resume",
    "cxl",
    "cxlok",
    "cxlno",
    "del",
    "export",
    "ics",
    "umpan",
    "cek",
    "",
]
VALUES = [
    "yes",
    "no",
    "P",
    "L",
    "X",
    "kader",
    "none",
    "done",
    "back",
    "1",
    "0",
    "-1",
    "999999999999999999999999",
    "35.74.01",
    "35.74.01.1001",
    "99.99",
    "name",
    "birth_year",
    "<b>",
    "' OR 1=1",
    "💥",
    "",
]

safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=300,
).filter(lambda text: bool(text.strip()))
texts = st.one_of(st.sampled_from(HOSTILE), safe_text)
payloads = st.one_of(
    st.sampled_from(["daftar_K12", "daftar_K13", "daftar_K10", "daftar_ZZ99", "cek_ABC", "tim_1"]),
    st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
)
forged_data = st.one_of(
    st.builds(
        lambda prefix, value: f"{prefix}:{value}",
        st.sampled_from(PREFIXES),
        st.sampled_from(VALUES),
    ),
    st.text(min_size=1, max_size=20).filter(lambda data: len(data.encode()) <= 64),
)

valid_names = st.sampled_from(
    ["Siti Aminah", "Ñoño O’Brien-Smith Jr.", "Ni Luh Putu Ayu", "سيتي أمينة", "Dr. Ana-Maria"]
)
# ``advance`` gives a valid answer to whatever the form asks now, so sequences reach every
# step of the form (and its submission) with junk in between; the integer picks a button.
advances = st.tuples(
    st.just("advance"),
    st.tuples(
        st.lists(st.integers(0, 40), min_size=1, max_size=20),  # one button pick per step
        valid_names,
        st.integers(NOW.year - OLDEST_AGE, NOW.year - YOUNGEST_AGE),
        st.sampled_from(["Posyandu Melati", "SDN 1 Mayangan", "<b>PKK</b> & Co", "—"]),
    ),
)
actions = st.one_of(
    advances,
    advances,
    st.tuples(st.just("press"), st.integers(0, 40)),
    st.tuples(st.just("press_old"), st.integers(0, 400)),
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("text"), st.sampled_from(["Siti Aminah", "1985", "2012", "Posyandu"])),
    st.tuples(
        st.just("command"), st.tuples(st.sampled_from(COMMANDS), st.one_of(st.none(), texts))
    ),
    st.tuples(st.just("start"), payloads),
    st.tuples(st.just("forged"), forged_data),
    st.tuples(st.just("edit"), texts),
    st.tuples(
        st.just("media"),
        st.sampled_from(["sticker", "photo", "voice", "location", "contact", "document"]),
    ),
)


@dataclass
class Person:
    """One simulated person, and the ids of the texts they sent (to edit them later)."""

    bot: RunningBot
    id: int
    texts: list[int] = field(default_factory=list)
    presses: list[str] = field(default_factory=list)

    @property
    def users(self) -> SandboxClient:
        return self.bot.users

    def act(self, kind: str, argument: Any) -> None:
        """Do one thing and wait until the bot has finished with it."""
        handlers: dict[str, Callable[[Any], int | None]] = {
            "advance": self.advance,
            "press": self.press_latest,
            "press_old": self.press_any,
            "text": self.say,
            "command": self.command,
            "start": lambda payload: self.send({"kind": "start", "payload": payload}),
            "forged": self.forge,
            "edit": self.edit,
            "media": lambda kind: self.send({"kind": kind, **MEDIA.get(kind, {})}),
        }
        update_id = handlers[kind](argument)
        if update_id is not None:
            self.bot.processed.wait(update_id)

    def advance(self, walk: tuple[list[int], str, int, str]) -> int | None:
        """Answer the form's questions validly, one step per pick, opening it if none is open;
        the walk ends early when the form does (submitted, declined, left)."""
        picks, name, year, institution = walk
        typed = {"name": name, "guardian_name": name, "birth_year": str(year)}
        for step, index in enumerate(picks):
            form = self.bot.form_of(self.id)
            if form is None and step > 0:
                return None
            if form is None:
                update_id = self.send(
                    {"kind": "start", "payload": ("daftar_K12", "daftar_K13")[index % 2]}
                )
            elif form.get("state") in typed:
                update_id = self.say(typed[str(form["state"])])
            elif form.get("state") == "institution" and index % 3:
                update_id = self.say(institution)
            else:
                update_id = self.press_latest(index)
            if update_id is not None:
                self.bot.processed.wait(update_id)
        return None

    def send(self, spec: dict[str, Any]) -> int | None:
        if spec["kind"] == "text" and not spec["text"].strip():
            return None  # a Telegram app sends no blank message
        sent = self.bot.simulate(f"/users/{self.id}/send", spec)
        if "text" in sent["message"]:
            self.texts.append(sent["message"]["message_id"])
        return int(sent["update_id"])

    def say(self, text: str) -> int | None:
        return self.send({"kind": "text", "text": text})

    def command(self, spec: tuple[str, str | None]) -> int | None:
        name, argument = spec
        return self.say((f"/{name} {argument}" if argument else f"/{name}")[:4096])

    def edit(self, text: str) -> int | None:
        if not self.texts or not text.strip():
            return None  # nothing to edit; or a blank text, which no Telegram app sends
        body = {"message_id": self.texts[-1], "text": text}
        return int(self.bot.simulate(f"/users/{self.id}/edit", body)["update_id"])

    def press(self, message: ReceivedMessage, data: str, *, forged: bool = False) -> int | None:
        press = self.users.press_button(self.id, message.message_id, data=data, forged=forged)
        assert press.callback_query_id is not None
        self.presses.append(press.callback_query_id)
        return press.update_id

    def pressable(self) -> list[tuple[ReceivedMessage, str]]:
        return [
            (message, button.callback_data)
            for message in self.users.messages(self.id)
            if not message.deleted
            for row in message.buttons
            for button in row
            if button.callback_data
        ]

    def press_latest(self, index: int) -> int | None:
        """A button of the newest message that has any: what a person taps next."""
        pressable = self.pressable()
        if not pressable:
            return None
        newest = pressable[-1][0].message_id
        latest = [(m, data) for m, data in pressable if m.message_id == newest]
        return self.press(*latest[index % len(latest)])

    def press_any(self, index: int) -> int | None:
        """A button of any message, however old: out of order, or twice."""
        pressable = self.pressable()
        return self.press(*pressable[index % len(pressable)]) if pressable else None

    def forge(self, data: str) -> int | None:
        messages = [m for m in self.users.messages(self.id) if not m.deleted]
        return self.press(messages[-1], data, forged=True) if messages else None


MEDIA: dict[str, dict[str, Any]] = {
    "photo": {"caption": "<b>foto</b> & \u202e"},
    "contact": {"phone_number": "+6281234567890"},
    "document": {"data": "JVBERi0xLjQganVuaw==", "file_name": "a.pdf"},
}


# --- the property -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(actions, min_size=1, max_size=12), english=st.booleans())
def test_any_sequence_of_updates_gets_answers_within_limits_and_valid_data(
    running_bot: RunningBot, steps: list[tuple[str, Any]], english: bool
) -> None:
    bot = running_bot
    language = "en" if english else "id"
    user = bot.users.create_user("Siti", language_code=language)
    person = Person(bot, user.id)
    errors_before = len(bot.errors)
    failures_before = bot.users.stats().failures

    for kind, argument in steps:
        person.act(kind, argument)

    failed = [(uid, describe(error), frames(error)) for uid, error in bot.errors[errors_before:]]
    assert failed == []
    unexpected = t("bot.error.unexpected", language)
    assert [m.text for m in bot.users.messages(user.id) if m.text == unexpected] == []
    failures = {
        failure: count - failures_before.get(failure, 0)
        for failure, count in bot.users.stats().failures.items()
        if count > failures_before.get(failure, 0)
        and not any(refusal in failure for refusal in EXPECTED_REFUSALS)
    }
    assert failures == {}
    unanswered = [q for q in person.presses if not bot.users.callback_answer(q).answered]
    assert unanswered == []
    assert_stored_values_valid(bot.harness, user.id)


def assert_stored_values_valid(harness: BotHarness, telegram_user_id: int) -> None:
    """Everything held about the person passes the rules the form checks."""
    with harness.database.read() as db:
        row = db.scalar(
            select(ParticipantRow).where(ParticipantRow.telegram_user_id == telegram_user_id)
        )
        if row is None:
            return
        person = participant_from_row(row)  # sex, category, disability: known values only
        statuses = db.execute(
            select(RegistrationRow.session_id, RegistrationRow.status).where(
                RegistrationRow.participant_id == row.id
            )
        ).all()
        consent_at, guardian_consent_at = row.consent_at, row.guardian_consent_at
        disability_without_consent = row.disability is not None and not row.disability_consent
        seats = db.scalar(
            select(func.count()).where(
                RegistrationRow.status == RegistrationStatus.REGISTERED.value
            )
        )
    assert not disability_without_consent
    if person.full_name is not None:
        assert validate_name(person.full_name) == person.full_name
        assert person.consent_version == harness.catalog.registration.consent_version
        assert consent_at is not None
    if person.institution is not None:
        assert validate_institution(person.institution) == person.institution
    if person.guardian_name is not None:
        assert validate_name(person.guardian_name) == person.guardian_name
    if person.birth_year is not None:
        age = NOW.year - person.birth_year
        assert YOUNGEST_AGE <= age <= OLDEST_AGE
        if age < 18:
            assert person.guardian_name is not None
            assert guardian_consent_at is not None
    if person.area_code is not None:
        assert harness.services.areas.is_valid_area(person.area_code)
    active = [session for session, status in statuses if RegistrationStatus(status) in ACTIVE]
    assert len(active) == len(set(active))  # one place per session at most
    assert seats is not None
    assert seats <= 150 + 1 + 150  # K12, K13 (one seat), K10 (closed, so none)


# --- what the search found, kept as examples --------------------------------------------------


async def test_an_edited_answer_is_not_taken_and_the_question_is_asked_again(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    siti = await HarnessPerson.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")
    typed = await client.send_text(siti.id, "Siti Aminh")
    siti.seen = (await client.wait_for_events(siti.id, 1, after=siti.seen, timeout=WAIT))[-1].seq

    await client.edit_text(siti.id, typed["message_id"], "Siti Aminah")
    [event] = await client.wait_for_events(siti.id, 1, after=siti.seen, timeout=WAIT)

    assert event.message.text.startswith(t("bot.error.edited", "id"))
    assert event.message.text.endswith(t("bot.ask.sex", "id"))
    form = (bot.application.user_data[siti.id] if bot.application else {})[FORM]
    assert form["answers"]["full_name"] == "Siti Aminh"


async def test_a_forged_choice_is_answered_and_the_question_asked_again(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    siti = await HarnessPerson.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")
    question = await siti.say("Siti Aminah")

    press = await client.press_button(siti.id, question.message_id, data="sex:X", forged=True)
    [event] = await client.wait_for_events(siti.id, 1, after=siti.seen, timeout=WAIT)

    assert press.callback_query_id is not None
    assert (await client.wait_for_callback_answer(press.callback_query_id, timeout=WAIT)).answered
    assert event.message.text.endswith(t("bot.ask.sex", "id"))


async def test_a_press_on_a_file_is_answered_with_a_new_message(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    siti = await HarnessPerson.create(client)
    await siti.register("K12")
    [calendar] = [m for m in await siti.messages() if m.document is not None]

    press = await client.press_button(siti.id, calendar.message_id, data="sub:yes", forged=True)
    [event] = await client.wait_for_events(siti.id, 1, after=siti.seen, timeout=WAIT)

    assert press.callback_query_id is not None
    assert (await client.wait_for_callback_answer(press.callback_query_id, timeout=WAIT)).answered
    assert event.action == "sent"
    assert event.message.text.startswith(t("bot.subscribed", "id"))
    assert (await client.stats()).failures == {}
