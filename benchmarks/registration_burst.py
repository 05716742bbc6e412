"""How fast gedsi-bot registers a crowd that arrives at once, against an echo bot.

N new people (default 200) open the flyer's link at the same moment and fill the whole form —
privacy notice, name, sex, birth year, category, institution, kecamatan and kelurahan,
disability, accessibility, submit — against a session with fewer seats than people. The same
N people then go through the same number of steps with a minimal echo bot
(``benchmarks/echo_bot.py``) on the same Telegram sandbox. Three processes: the sandbox (no
flood limits, so Telegram's limits do not hide the bots' own speed), the bot under test
(``gedsi-bot run``, exactly as deployed, on SQLite) and this load generator.

Printed for each bot: registrations per second (people who got their confirmation, over the
time from the first action to the last confirmation) and p50/p99 seconds from a person's last
answer to their confirmation; then the ratio of the two rates. Target: at least 0.5.

    python benchmarks/registration_burst.py [--people 200] [--seats 150]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.sandbox.telegram.client import (
    AsyncSandboxClient,
    ReceivedMessage,
    SandboxError,
    SandboxTimeout,
)
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database, open_database
from gedsi_bot.store.sessions import add_session
from gedsi_bot.store.tables import SessionRow

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "themes.yaml"
CODE = "BENCH1"
READY_TIMEOUT = 60.0
# httpx looks through every pooled connection on each request; a client per ten people keeps
# the load generator from spending the machine in its connection pools.
PEOPLE_PER_CLIENT = 10
MAX_WAIT = 55.0  # seconds per wait; the sandbox ends a wait after a minute

# The registration form, step by step: ("start" | "say" | "press", value).
FORM: tuple[tuple[str, str], ...] = (
    ("start", f"daftar_{CODE}"),
    ("press", "privacy:yes"),
    ("say", "{name}"),
    ("press", "sex:P"),
    ("say", "1985"),
    ("press", "cat:kader"),
    ("say", "Posyandu Melati"),
    ("press", "kec:35.74.01"),
    ("press", "kel:35.74.01.1001"),
    ("press", "dc:yes"),
    ("press", "dis:tidak"),
    ("press", "acc:none"),
    ("press", "sum:yes"),
)
# The same steps for the echo bot: every button it shows is "next".
ECHO = tuple((kind, "next" if kind == "press" else value) for kind, value in FORM)


@dataclass(frozen=True)
class Outcome:
    started: float
    answered: float  # the moment of the last answer (the submit button)
    confirmed: float  # the moment the confirmation had arrived
    text: str


@dataclass(frozen=True)
class Figures:
    label: str
    people: int
    seconds: float
    latencies: Sequence[float]
    bot_cpu: float | None = None  # CPU seconds the bot process used during the burst
    sandbox_cpu: float | None = None

    @property
    def per_second(self) -> float:
        return self.people / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def name_for(number: int) -> str:
    """A name without digits (names may not hold them): 0 → "Peserta A", 27 → "Peserta BB"."""
    return "Peserta " + chr(65 + number % 26) * (1 + number // 26)


class Visitor:
    """One simulated person: acts, then waits for what the bot does in reply."""

    def __init__(self, client: AsyncSandboxClient, user_id: int, timeout: float) -> None:
        self.client = client
        self.user_id = user_id
        self.timeout = timeout
        self.seen = 0
        self.latest: ReceivedMessage | None = None

    async def _reply(self) -> ReceivedMessage:
        # The sandbox holds one wait for at most a minute; a slower reply is waited for again.
        deadline = time.perf_counter() + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            try:
                events = await self.client.wait_for_events(
                    self.user_id, 1, after=self.seen, timeout=min(remaining, MAX_WAIT)
                )
                break
            except SandboxTimeout:
                if time.perf_counter() >= deadline - 1:
                    raise
        self.seen = events[0].seq
        self.latest = events[0].message
        return events[0].message

    async def _message_with(self, data: str) -> ReceivedMessage:
        candidates = [self.latest] if self.latest is not None else []
        candidates += reversed(await self.client.messages(self.user_id))
        for message in candidates:
            if any(b.callback_data == data for row in message.buttons for b in row):
                return message
        raise RuntimeError(f"user {self.user_id} sees no button {data!r}")

    async def step(self, kind: str, value: str) -> ReceivedMessage:
        if kind == "start":
            await self.client.start(self.user_id, value.removeprefix("/start").strip() or None)
        elif kind == "say":
            await self.client.send_text(self.user_id, value)
        else:
            message = await self._message_with(value)
            await self.client.press_button(self.user_id, message.message_id, data=value)
        return await self._reply()

    async def run(self, steps: Sequence[tuple[str, str]], name: str) -> Outcome:
        started = time.perf_counter()
        for number, (kind, value) in enumerate(steps[:-1]):
            try:
                await self.step(kind, value.format(name=name))
            except SandboxError as error:
                shown = self.latest.text[:80] if self.latest else "nothing yet"
                raise RuntimeError(
                    f"user {self.user_id}, step {number} ({kind} {value}) after {shown!r}"
                ) from error
        answered = time.perf_counter()
        reply = await self.step(*steps[-1])
        return Outcome(started, answered, time.perf_counter(), reply.text)


# --- processes ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), else ``None``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_sandbox() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gedsi_bot",
            "sandbox",
            "telegram",
            "--port",
            "0",
            "--no-flood-limits",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "GEDSI_LANGUAGE": "en", "GEDSI_LOG_LEVEL": "WARNING"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://[\w.:\[\]-]+", line)
        if found:
            return process, found.group(0)
    raise RuntimeError("the Telegram sandbox did not start")


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare_database(url: str, seats: int) -> Database:
    """A migrated database with one published session open for registration."""
    database = open_database(url)
    catalog = load_catalog(CATALOG)
    ctx = ServiceContext.open(database, catalog)
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=14)
    with database.write() as db:
        session = add_session(
            db,
            series_id=ctx.series_id,
            theme_id=catalog.themes[0].id,
            starts_at=starts,
            duration_minutes=120,
            speaker_ids=[],
            moderator_id=None,
            status=SessionStatus.PUBLISHED,
        )
        row = db.get(SessionRow, session.id)
        assert row is not None
        row.registration_code = CODE
        row.capacity = seats
        row.meeting_id, row.meeting_passcode = "81234567890", "gedsi26"
        row.meeting_join_url = "https://zoom.us/j/81234567890"
        row.meeting_source = "manual"
    return database


def start_gedsi_bot(root: str, token: str, database_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "GEDSI_TELEGRAM_API_URL": root,
        "GEDSI_DATABASE_URL": database_url,
        "GEDSI_CATALOG": str(CATALOG),
        "GEDSI_LOG_LEVEL": "WARNING",
    }
    env.pop("GEDSI_WEBHOOK_URL", None)
    return subprocess.Popen([sys.executable, "-m", "gedsi_bot", "run"], env=env, text=True)


def start_echo_bot(root: str, token: str) -> subprocess.Popen[str]:
    script = Path(__file__).with_name("echo_bot.py")
    return subprocess.Popen([sys.executable, str(script), root, token], text=True)


# --- one round ----------------------------------------------------------------------------------


async def wait_until_ready(client: AsyncSandboxClient) -> None:
    """A probe person says /start until the bot answers."""
    probe = await client.create_user("Probe")
    visitor = Visitor(client, probe.id, READY_TIMEOUT)
    await visitor.step("start", "")


@dataclass(frozen=True)
class Round:
    """One bot under load: its label, the steps each person takes, the processes to watch."""

    label: str
    steps: Sequence[tuple[str, str]]
    bot_pid: int
    sandbox_pid: int


async def burst(
    root: str, round_: Round, people: int, reply_timeout: float
) -> tuple[Figures, list[Outcome]]:
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncSandboxClient(root, timeout=reply_timeout + 30))
            for _ in range(-(-people // PEOPLE_PER_CLIENT))
        ]
        await wait_until_ready(clients[0])
        users = await clients[0].create_users(people)
        visitors = [
            Visitor(clients[n // PEOPLE_PER_CLIENT], user.id, reply_timeout)
            for n, user in enumerate(users)
        ]
        bot_before = cpu_seconds(round_.bot_pid)
        sandbox_before = cpu_seconds(round_.sandbox_pid)
        outcomes = await asyncio.gather(
            *(visitor.run(round_.steps, name_for(n)) for n, visitor in enumerate(visitors))
        )
        bot_after = cpu_seconds(round_.bot_pid)
        sandbox_after = cpu_seconds(round_.sandbox_pid)
    began = min(o.started for o in outcomes)
    ended = max(o.confirmed for o in outcomes)
    figures = Figures(
        round_.label,
        people,
        ended - began,
        [o.confirmed - o.answered for o in outcomes],
        bot_cpu=_difference(bot_before, bot_after),
        sandbox_cpu=_difference(sandbox_before, sandbox_after),
    )
    return figures, outcomes


def _difference(before: float | None, after: float | None) -> float | None:
    return after - before if before is not None and after is not None else None


async def measure(people: int, seats: int, reply_timeout: float) -> None:
    sandbox, root = start_sandbox()
    try:
        async with AsyncSandboxClient(root) as client:
            token = str((await client.bot())["token"])
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'gedsi.db'}"
                prepare_database(url, seats).dispose()
                bot = start_gedsi_bot(root, token, url)
                try:
                    ours, outcomes = await burst(
                        root, Round("gedsi-bot", FORM, bot.pid, sandbox.pid), people, reply_timeout
                    )
                finally:
                    stop(bot)
            await client.reset()
            echo = start_echo_bot(root, token)
            try:
                baseline, _ = await burst(
                    root,
                    Round("echo bot (baseline)", ECHO, echo.pid, sandbox.pid),
                    people,
                    reply_timeout,
                )
            finally:
                stop(echo)
    finally:
        stop(sandbox)
    report(ours, baseline, outcomes, seats)


def report(ours: Figures, baseline: Figures, outcomes: list[Outcome], seats: int) -> None:
    registered = sum("Pendaftaran berhasil" in o.text for o in outcomes)
    waitlisted = sum("daftar tunggu" in o.text for o in outcomes)
    print(
        f"registration burst: {ours.people} people at once, {seats} seats, "
        f"{len(FORM)} steps each; sandbox without flood limits; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'':22}{'people':>7}{'seconds':>9}{'per second':>12}{'p50 (s)':>9}{'p99 (s)':>9}"
        f"{'bot CPU s':>11}{'sandbox CPU s':>15}"
    )
    for figures in (ours, baseline):
        print(
            f"{figures.label:22}{figures.people:7d}{figures.seconds:9.2f}"
            f"{figures.per_second:12.1f}{figures.percentile(0.5):9.3f}"
            f"{figures.percentile(0.99):9.3f}{_cpu(figures.bot_cpu):>11}"
            f"{_cpu(figures.sandbox_cpu):>15}"
        )
    ratio = ours.per_second / baseline.per_second
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(f"ratio gedsi-bot / echo bot: {ratio:.2f} (target ≥ 0.50: {verdict})")
    if ours.bot_cpu and baseline.bot_cpu:
        # The bots' own CPU per person: what each could sustain on one core, whatever the
        # sandbox and the load generator cost on a shared machine.
        print(
            f"bot CPU per person: gedsi-bot {1000 * ours.bot_cpu / ours.people:.0f} ms, "
            f"echo bot {1000 * baseline.bot_cpu / baseline.people:.0f} ms "
            f"(one core: {ours.people / ours.bot_cpu:.0f} vs "
            f"{baseline.people / baseline.bot_cpu:.0f} registrations/s)"
        )
    print(f"outcome: {registered} registered, {waitlisted} waitlisted")


def _cpu(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.1f}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200, help="people arriving at once")
    parser.add_argument("--seats", type=int, default=None, help="seats (default: 3/4 of people)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one reply may take")
    args = parser.parse_args(argv)
    seats = args.seats if args.seats is not None else args.people * 3 // 4
    asyncio.run(measure(args.people, seats, args.timeout))


if __name__ == "__main__":
    main()
