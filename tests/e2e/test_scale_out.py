"""Scale-out: two ``gedsi-bot run`` processes in webhook mode behind one load balancer, sharing
one PostgreSQL.

The sandbox delivers every update to the balancer, which hands them to the two processes in
turn, so a person's answers land on either. Shown over real sockets: a form continues whichever
process takes the next answer; a crowd registering at once is stored once each, within the
seats; one process leads the periodic jobs and the other takes over when it is killed, after
which a reminder falls due and is sent once; a webhook call without the secret is refused.

On SQLite the test is skipped: a SQLite file serves one bot process by design.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gedsi_bot.catalog import load_catalog
from gedsi_bot.clock import RehearsalClock
from gedsi_bot.domain.reminders import schedule_stamp
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.team import EXPAND_PARTICIPANT_REMINDER, FAN_OUT_CHAT
from gedsi_bot.store import Database, create_database_engine
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.tables import OutboxRow
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT, postgres_url
from tests.e2e.balancer import Balancer, Route
from tests.e2e.conftest import TEST_FLOOD
from tests.e2e.harness import Person
from tests.e2e.processes import free_port, process_environment, registration_counts
from tests.e2e.test_delivery_processes import leader_pid
from tests.e2e.test_registration_burst import letters, outcomes, submit
from tests.registration_factories import SESSION_START, publish

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        postgres_url() is None,
        reason="scale-out needs PostgreSQL (set GEDSI_TEST_DATABASE_URL): "
        "a SQLite file serves one bot process by design",
    ),
]

CROWD, SEATS = 20, 12
SECRET = "rahasia-bersama_26"
DEADLINE = 60.0  # seconds for any one thing to happen on a busy CI machine
LEADS = "this process leads the scheduler"
REMINDER_DUE = SESSION_START - dt.timedelta(days=1)


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=TEST_FLOOD) as running:
        yield running


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class BotProcess:
    """One ``gedsi-bot run`` with its webhook port and its log (INFO: ids, never people)."""

    port: int
    log: Path
    process: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def start_bot(env: dict[str, str], port: int, log: Path) -> BotProcess:
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gedsi_bot", "run"],
            env={**env, "GEDSI_WEBHOOK_PORT": str(port)},
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    return BotProcess(port, log, process)


def environment(
    sandbox: TelegramSandbox, database_url: str, *, hook: str, clock: Path, lock_key: int
) -> dict[str, str]:
    return process_environment(
        sandbox,
        database_url,
        GEDSI_LOG_LEVEL="INFO",
        GEDSI_WEBHOOK_URL=hook,
        GEDSI_WEBHOOK_LISTEN="127.0.0.1",
        GEDSI_WEBHOOK_SECRET=SECRET,
        GEDSI_REHEARSAL_CLOCK=str(clock),
        GEDSI_SCHEDULER_LOCK_KEY=str(lock_key),
        GEDSI_DELIVERY_LEASE="3",
        GEDSI_DELIVERY_POLL="0.5",
        PTB_TIMEDELTA="true",
    )


async def wait_until(condition: Callable[[], bool], *, within: float = DEADLINE) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


def sender(route: Route) -> int | None:
    """The Telegram user behind a routed update (the test's own bookkeeping, never logged)."""
    try:
        update = json.loads(route.body)
    except ValueError:
        return None
    for kind in ("message", "callback_query", "edited_message", "my_chat_member"):
        if kind in update:
            return int(update[kind]["from"]["id"])
    return None


def outbox(database: Database) -> Counter[tuple[str, str]]:
    """(kind, status) → rows."""
    with database.read() as db:
        rows = db.execute(
            select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
                OutboxRow.kind, OutboxRow.status
            )
        ).all()
    return Counter({(kind, status): count for kind, status, count in rows})


def settled(database: Database) -> bool:
    """Nothing left to send (the calendar files and the like)."""
    return all(status in {"sent", "failed", "cancelled"} for _, status in outbox(database))


@pytest.fixture
async def client(sandbox: TelegramSandbox) -> AsyncIterator[AsyncSandboxClient]:
    async with AsyncSandboxClient(sandbox.url, timeout=120) as simulation:
        await simulation.set_flood_limits(enabled=False)
        yield simulation


@dataclass
class Deployment:
    """The two processes behind the balancer, their database and the session they open."""

    database: Database
    balancer: Balancer
    bots: list[BotProcess]
    client: AsyncSandboxClient
    session_id: int
    lock_key: int
    clock: Path

    @property
    def hook(self) -> str:
        return f"{self.balancer.url}/telegram/updates"


async def a_form_crosses_processes(deployment: Deployment) -> Person:
    """One person alone: the balancer alternates, so each answer lands on the other process
    from the one before; the form goes on regardless."""
    client, balancer = deployment.client, deployment.balancer
    siti = Person(client, await client.create_user("Siti"))
    await siti.start("daftar_K12")
    await siti.fill_adult_form()
    confirmation = await siti.confirm()
    assert "Pendaftaran berhasil" in confirmation.text
    hers = [route.backend for route in balancer.routes if sender(route) == siti.id]
    assert len(hers) >= 12
    assert all(one != other for one, other in itertools.pairwise(hers)), hers
    return siti


async def a_crowd_registers_at_once(deployment: Deployment, earlier: list[Person]) -> list[Person]:
    """Everyone stored once, within the seats, told once; both processes took updates."""
    database, client = deployment.database, deployment.client
    crowd = [Person(client, user) for user in await client.create_users(CROWD)]

    async def register(number: int, person: Person) -> str:
        await person.start("daftar_K12")
        await person.fill_adult_form(name=f"Peserta {letters(number)}")
        return await submit(person, "sum:yes")

    answers = await asyncio.gather(*(register(n, p) for n, p in enumerate(crowd)))
    seated = SEATS - len(earlier)
    assert outcomes(answers) == {"registered": seated, "waitlisted": CROWD - seated}
    assert registration_counts(database, deployment.session_id) == {
        "registered": (SEATS, SEATS),
        "waitlisted": (CROWD - seated, CROWD - seated),
    }
    await wait_until(lambda: settled(database))
    for person in [*earlier, *crowd]:
        told = [
            m.text
            for m in await person.messages()
            if "Pendaftaran berhasil" in m.text or "daftar tunggu urutan" in m.text
        ]
        assert len(told) == 1, told
    handled = Counter(route.backend for route in deployment.balancer.routes if route.status == 200)
    assert set(handled) == {0, 1}, handled
    return crowd


async def forgeries_are_refused(deployment: Deployment) -> None:
    """Without the secret, or with a wrong one, both processes answer 403."""
    forged = {"update_id": 999_999, "message": {}}
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-bersama_27"}
    async with httpx.AsyncClient(timeout=10) as http:
        refused = [
            await http.post(deployment.hook, json=forged, headers=headers)
            for headers in ({}, {}, wrong, wrong)
        ]
    assert [response.status_code for response in refused] == [403] * 4
    assert {route.backend for route in deployment.balancer.routes[-4:]} == {0, 1}


def queue_reminder(deployment: Deployment) -> None:
    """The participants' H-1 reminder, queued as publishing queues it (a fan-out row)."""
    with deployment.database.write() as db:
        enqueue(
            db,
            kind=msg.PARTICIPANT_REMINDER,
            chat_id=FAN_OUT_CHAT,
            payload={
                "expand": {
                    "name": EXPAND_PARTICIPANT_REMINDER,
                    "args": {
                        "session_id": deployment.session_id,
                        "stamp": schedule_stamp(SESSION_START),
                        "before_minutes": 24 * 60,
                    },
                }
            },
            due_at=REMINDER_DUE,
            dedupe_key=f"reminder:{deployment.session_id}:h-1",
            session_id=deployment.session_id,
        )


async def the_leader_fails_over(deployment: Deployment, people: list[Person]) -> None:
    """One process leads the periodic jobs; killed, the other takes over, and a reminder
    that falls due afterwards reaches each seat once."""
    database, key = deployment.database, deployment.lock_key
    pids = {bot.pid: bot for bot in deployment.bots}
    await wait_until(lambda: leader_pid(database, key) in pids)
    leader = pids[leader_pid(database, key) or 0]
    [follower] = [bot for bot in deployment.bots if bot is not leader]
    assert LEADS in leader.logged()
    assert LEADS not in follower.logged()

    queue_reminder(deployment)
    before = {p.id: len(await p.messages()) for p in people}
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait(timeout=30)
    await wait_until(lambda: leader_pid(database, key) == follower.pid)
    assert LEADS in follower.logged()

    RehearsalClock(deployment.clock).move_to(REMINDER_DUE + dt.timedelta(minutes=1))
    # The fan-out row and one row per seat, each sent.
    await wait_until(lambda: outbox(database)[(msg.PARTICIPANT_REMINDER, "sent")] == 1 + SEATS)
    await wait_until(lambda: settled(database))
    after = {p.id: len(await p.messages()) for p in people}
    got = Counter(after[person] - before[person] for person in before)
    assert got == {1: SEATS, 0: len(people) - SEATS}  # the seats once each, the waitlist not


async def test_two_bot_processes_behind_a_load_balancer_share_one_postgresql(
    sandbox: TelegramSandbox, client: AsyncSandboxClient, postgres_database: str, tmp_path: Path
) -> None:
    database = Database(create_database_engine(postgres_database))
    ctx = ServiceContext.open(database, load_catalog(BUNDLED_CATALOG))
    session = publish(database, series_id=ctx.series_id, code="K12", capacity=SEATS)
    ports = [free_port(), free_port()]
    bots: list[BotProcess] = []
    try:
        async with Balancer([("127.0.0.1", port) for port in ports]) as balancer:
            deployment = Deployment(
                database,
                balancer,
                bots,
                client,
                session.id,
                lock_key=secrets.randbelow(2**31) + 1,
                clock=tmp_path / "clock.json",
            )
            env = environment(
                sandbox,
                postgres_database,
                hook=deployment.hook,
                clock=deployment.clock,
                lock_key=deployment.lock_key,
            )
            for number, port in enumerate(ports):
                bots.append(start_bot(env, port, tmp_path / f"bot-{number}.log"))
            await wait_until(lambda: all(listening(bot.port) for bot in bots))
            for _ in range(int(DEADLINE * 10)):
                if (await client.webhook_status())["url"] == deployment.hook:
                    break
                await asyncio.sleep(0.1)

            siti = await a_form_crosses_processes(deployment)
            crowd = await a_crowd_registers_at_once(deployment, [siti])
            await forgeries_are_refused(deployment)
            await the_leader_fails_over(deployment, [siti, *crowd])
    finally:
        codes = [bot.stop() for bot in bots]
        database.dispose()
    assert codes.count(0) == 1  # the survivor stopped cleanly (the other was killed)
    for bot in bots:
        assert " ERROR " not in bot.logged(), bot.logged()
