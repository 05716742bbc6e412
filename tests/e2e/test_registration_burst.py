"""Capacity holds when everyone presses at once, and nobody is registered twice."""

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, SandboxError
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services import registration as service
from gedsi_bot.store.tables import RegistrationRow
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.registration_factories import SESSION_START, adult_profile

pytestmark = pytest.mark.slow

BURST_WAIT = WAIT * 3  # everyone at once on a shared CI machine


@pytest.fixture
async def crowd_client(sandbox: TelegramSandbox) -> AsyncIterator[AsyncSandboxClient]:
    """A simulation client with a connection for everyone, and no flood limits in the way."""
    wide = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=500))
    async with AsyncSandboxClient(sandbox.url, transport=wide, timeout=120) as client:
        await client.set_flood_limits(enabled=False)
        yield client


def letters(number: int) -> str:
    """A name part for a number, as names hold no digits: 0 → "A", 27 → "BB"."""
    return chr(65 + number % 26) * (1 + number // 26)


def counts_by_status(bot: BotHarness, session_id: int) -> dict[str, tuple[int, int]]:
    """status → (registrations, distinct people)."""
    with bot.database.read() as db:
        rows = db.execute(
            select(
                RegistrationRow.status,
                func.count(),
                func.count(func.distinct(RegistrationRow.participant_id)),
            )
            .where(RegistrationRow.session_id == session_id)
            .group_by(RegistrationRow.status)
        ).all()
    return {status: (count, distinct) for status, count, distinct in rows}


async def submit(person: Person, data: str, *, twice: bool = False) -> str:
    """Press the submit button (twice, quickly, if told); the bot's answer."""
    message = await person.message_with(data)
    press = person.client.press_button(person.id, message.message_id, data=data)
    if twice:
        again = person.client.press_button(person.id, message.message_id, data=data)
        first, second = await asyncio.gather(press, again, return_exceptions=True)
        # A second tap that comes after the bot replaced the buttons finds none, as on a phone.
        for outcome in (first, second):
            if isinstance(outcome, BaseException) and not isinstance(outcome, SandboxError):
                raise outcome
    else:
        await press
    events = await person.client.wait_for_events(
        person.id, 1, after=person.seen, timeout=BURST_WAIT
    )
    person.seen = events[0].seq
    return events[0].message.text


def outcomes(answers: list[str]) -> Counter[str]:
    return Counter("registered" if "berhasil" in text else "waitlisted" for text in answers)


def waitlist_positions(answers: list[str]) -> list[int]:
    marker = "urutan ke-"
    return sorted(
        int(text.split(marker)[1].split()[0].rstrip(":")) for text in answers if marker in text
    )


async def test_200_people_registering_at_once_for_150_seats(
    bot: BotHarness, crowd_client: AsyncSandboxClient
) -> None:
    people_count, seats = 200, 150
    earlier = bot.publish("K11", starts_at=SESSION_START - dt.timedelta(days=1))
    session = bot.publish("K12", capacity=seats)
    people = [Person(crowd_client, user) for user in await crowd_client.create_users(people_count)]
    # Everyone has registered before, so all of them reach the one-tap step together.
    for number, person in enumerate(people):
        await asyncio.to_thread(
            service.register,
            bot.services,
            telegram_user_id=person.id,
            chat_id=person.id,
            session_id=earlier.id,
            profile=adult_profile(f"Peserta {letters(number)}"),
            consent_version=bot.catalog.registration.consent_version,
        )

    offers = await asyncio.gather(*(p.start("daftar_K12") for p in people))
    assert all("Pakai data sebelumnya" in offer.button_texts[0] for offer in offers)
    # Everyone taps at once; every fourth person taps twice.
    answers = await asyncio.gather(
        *(submit(p, "reuse:yes", twice=n % 4 == 0) for n, p in enumerate(people))
    )

    assert outcomes(answers) == {"registered": seats, "waitlisted": people_count - seats}
    assert waitlist_positions(answers) == list(range(1, people_count - seats + 1))
    assert counts_by_status(bot, session.id) == {
        "registered": (seats, seats),
        "waitlisted": (people_count - seats, people_count - seats),
    }


async def test_new_people_filling_the_whole_form_at_once_get_the_seats_there_are(
    bot: BotHarness, crowd_client: AsyncSandboxClient
) -> None:
    people_count, seats = 16, 10
    session = bot.publish("K12", capacity=seats)
    people = [Person(crowd_client, user) for user in await crowd_client.create_users(people_count)]

    async def register(number: int, person: Person) -> str:
        await person.start("daftar_K12")
        await person.fill_adult_form(name=f"Peserta {letters(number)}")
        return await submit(person, "sum:yes")

    answers = await asyncio.gather(*(register(n, p) for n, p in enumerate(people)))

    assert outcomes(answers) == {"registered": seats, "waitlisted": people_count - seats}
    assert counts_by_status(bot, session.id) == {
        "registered": (seats, seats),
        "waitlisted": (people_count - seats, people_count - seats),
    }
