"""Capacity holds when everyone presses at once, and nobody is registered twice."""

import asyncio
import contextlib
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, SandboxError
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services import registration as service
from tests.e2e.conftest import TEST_FLOOD
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.e2e.processes import registration_counts
from tests.registration_factories import SESSION_START, adult_profile

pytestmark = pytest.mark.slow

BURST_WAIT = WAIT * 3  # everyone at once on a shared CI machine


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    """The sandbox in a process of its own: the crowd and the bot keep this one busy enough."""
    with TelegramSandbox(flood=TEST_FLOOD, separate_process=True) as running:
        yield running


PEOPLE_PER_CLIENT = 10


class Crowd:
    """People spread over several simulation clients."""

    def __init__(self, new_client: Callable[[], Awaitable[AsyncSandboxClient]]) -> None:
        self._new_client = new_client

    async def people(self, count: int) -> list[Person]:
        clients = [await self._new_client() for _ in range(-(-count // PEOPLE_PER_CLIENT))]
        users = await clients[0].create_users(count)
        return [Person(clients[n // PEOPLE_PER_CLIENT], user) for n, user in enumerate(users)]


@pytest.fixture
async def crowd(sandbox: TelegramSandbox) -> AsyncIterator[Crowd]:
    """Simulation clients for a crowd, with no flood limits in the way.

    httpx looks through every pooled connection for each request, so one client per ten
    people keeps the crowd from spending its time (and the bot's) in connection pools.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def client() -> AsyncSandboxClient:
            made = AsyncSandboxClient(sandbox.url, timeout=120)
            return await stack.enter_async_context(made)

        crowd = Crowd(client)
        await (await client()).set_flood_limits(enabled=False)
        yield crowd


def letters(number: int) -> str:
    """A name part for a number, as names hold no digits: 0 → "A", 27 → "BB"."""
    return chr(65 + number % 26) * (1 + number // 26)


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


async def test_200_people_registering_at_once_for_150_seats(bot: BotHarness, crowd: Crowd) -> None:
    people_count, seats = 200, 150
    earlier = bot.publish("K11", starts_at=SESSION_START - dt.timedelta(days=1))
    session = bot.publish("K12", capacity=seats)
    people = await crowd.people(people_count)
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
    assert registration_counts(bot.database, session.id) == {
        "registered": (seats, seats),
        "waitlisted": (people_count - seats, people_count - seats),
    }


async def test_new_people_filling_the_whole_form_at_once_get_the_seats_there_are(
    bot: BotHarness, crowd: Crowd
) -> None:
    people_count, seats = 16, 10
    session = bot.publish("K12", capacity=seats)
    people = await crowd.people(people_count)

    async def register(number: int, person: Person) -> str:
        await person.start("daftar_K12")
        await person.fill_adult_form(name=f"Peserta {letters(number)}")
        return await submit(person, "sum:yes")

    answers = await asyncio.gather(*(register(n, p) for n, p in enumerate(people)))

    assert outcomes(answers) == {"registered": seats, "waitlisted": people_count - seats}
    assert registration_counts(bot.database, session.id) == {
        "registered": (seats, seats),
        "waitlisted": (people_count - seats, people_count - seats),
    }
