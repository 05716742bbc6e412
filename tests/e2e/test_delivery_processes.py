"""Real ``gedsi-bot deliver`` processes: SIGKILL mid-broadcast, two workers, leader failover.

The in-flight bound: a killed worker can have sent at most ``GEDSI_DELIVERY_WINDOW`` rows
whose marks were not committed, so after a restart no subscriber has the broadcast more than
once, except at most that many.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from gedsi_bot.sandbox.telegram import FloodLimits, SandboxClient, TelegramSandbox
from gedsi_bot.store import Database, create_database_engine, upgrade
from gedsi_bot.store.tables import OutboxRow
from tests.conftest import REPO_ROOT
from tests.e2e.processes import process_environment
from tests.integration.delivery_helpers import counts, queue_for, text_payload

pytestmark = pytest.mark.slow

WINDOW = 16
DEADLINE = 120.0  # seconds for a broadcast on a busy CI machine


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=FloodLimits().scaled(10)) as running:
        yield running


@pytest.fixture
def users(sandbox: TelegramSandbox) -> Iterator[SandboxClient]:
    with sandbox.client() as client:
        yield client


def environment(sandbox: TelegramSandbox, database_url: str, **extra: str) -> dict[str, str]:
    return process_environment(
        sandbox,
        database_url,
        GEDSI_DELIVERY_RATE="100",
        GEDSI_DELIVERY_WINDOW=str(WINDOW),
        GEDSI_DELIVERY_LEASE="3",
        GEDSI_DELIVERY_POLL="0.5",
        PTB_TIMEDELTA="true",
        **extra,
    )


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gedsi_bot", "deliver"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_worker(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    return errors


def wait_until(condition: Callable[[], bool], *, within: float = DEADLINE) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def copies_received(users: SandboxClient, chat_ids: list[int]) -> list[int]:
    return [len(users.messages(chat_id)) for chat_id in chat_ids]


def test_a_worker_killed_mid_broadcast_finishes_after_a_restart(
    sandbox: TelegramSandbox, users: SandboxClient, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'gedsi.db'}"
    database = Database(create_database_engine(url))
    upgrade(database.engine)
    people = [user.id for user in users.create_users(300, started=True)]
    queue_for(database, people, text_payload("Sesi baru dibuka"))
    env = environment(sandbox, url)

    first = start_worker(env)
    try:
        wait_until(lambda: users.stats().messages_accepted >= 100)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert counts(database).get("sent", 0) < len(people)  # killed mid-broadcast
        second = start_worker(env)
        try:
            wait_until(lambda: counts(database) == {"sent": len(people)})
        finally:
            errors = stop_worker(second)
    finally:
        stop_worker(first)
        database.dispose()

    copies = copies_received(users, people)
    assert min(copies) == 1, errors
    assert sum(copies) - len(people) <= WINDOW


@pytest.mark.postgres
def test_two_workers_split_one_broadcast_without_duplicates(
    sandbox: TelegramSandbox, users: SandboxClient, postgres_database: str
) -> None:
    database = Database(create_database_engine(postgres_database))
    people = [user.id for user in users.create_users(300, started=True)]
    queue_for(database, people, text_payload("Sesi baru dibuka"))
    env = environment(
        sandbox, postgres_database, GEDSI_SCHEDULER_LOCK_KEY=str(secrets.randbelow(2**31) + 1)
    )

    workers = [start_worker(env), start_worker(env)]
    try:
        wait_until(lambda: counts(database) == {"sent": len(people)})
    finally:
        errors = [stop_worker(worker) for worker in workers]
    with database.read() as db:
        senders = db.execute(
            select(OutboxRow.claimed_by, func.count()).group_by(OutboxRow.claimed_by)
        ).all()
    database.dispose()

    assert copies_received(users, people) == [1] * len(people), errors
    assert len(senders) == 2  # both workers took part
    assert all(count > 0 for _, count in senders)


def leader_pid(database: Database, key: int) -> int | None:
    """The process holding the scheduler lock, from its connection's application_name."""
    with database.read() as db:
        name = db.scalar(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = 0 AND l.objid = :key"
            ),
            {"key": key},
        )
    return int(name.split(":")[1]) if name else None


@pytest.mark.postgres
def test_when_the_leader_dies_another_worker_takes_over(
    sandbox: TelegramSandbox, postgres_database: str
) -> None:
    database = Database(create_database_engine(postgres_database))
    key = secrets.randbelow(2**31) + 1
    env = environment(sandbox, postgres_database, GEDSI_SCHEDULER_LOCK_KEY=str(key))
    workers = {process.pid: process for process in (start_worker(env), start_worker(env))}
    try:
        wait_until(lambda: leader_pid(database, key) in workers, within=60)
        first = leader_pid(database, key)
        assert first is not None
        workers[first].send_signal(signal.SIGKILL)
        workers[first].wait(timeout=30)
        killed_at = time.monotonic()
        wait_until(lambda: leader_pid(database, key) not in {None, first}, within=20)
        takeover = time.monotonic() - killed_at
    finally:
        for process in workers.values():
            stop_worker(process)
        database.dispose()

    assert takeover < 10.0  # a campaign every 2 s, and PostgreSQL frees a dead session's lock
