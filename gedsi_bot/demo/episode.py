"""One episode of the series, from plan to report, played by simulated people.

Everything the office would see happens for real: the bot process answers through the
Telegram sandbox, meetings are made in the Zoom sandbox, flyers, calendar files, certificates
and the report are written under the data directory. Only the clock is a rehearsal clock, moved
from publishing day to the day before, the hour before, the session and the day after.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import shutil
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from gedsi_bot.areas import load_areas
from gedsi_bot.catalog import load_catalog
from gedsi_bot.clock import RehearsalClock
from gedsi_bot.config import Settings
from gedsi_bot.demo.cast import cast
from gedsi_bot.demo.people import WAIT, DemoError, Person, has_button, has_document
from gedsi_bot.demo.processes import BotEnvironment, BotProcess
from gedsi_bot.domain.attendance import IMPORT_DELAY
from gedsi_bot.domain.disaggregation import ReportScope
from gedsi_bot.domain.model import RegistrationStatus, Session
from gedsi_bot.domain.reminders import Audience, Reminder, plan_reminders
from gedsi_bot.locale import Language, format_when, t
from gedsi_bot.render import FlyerFormat, load_flyer_templates
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, ReceivedMessage
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.flyers import session_flyer_contents, write_flyers
from gedsi_bot.services.notices import CALENDAR_CALLBACK
from gedsi_bot.services.planning import plan_next_sessions
from gedsi_bot.services.reporting import build_report_document, save_report_files
from gedsi_bot.services.team_messages import format_offset
from gedsi_bot.store import open_database
from gedsi_bot.store.sessions import list_sessions
from gedsi_bot.store.tables import CertificateRow, ParticipantRow, RegistrationRow, SessionRow

EPISODE = 1  # the session the demo plays through
PEOPLE = 30
MINORS = 3
CANCELLING = 3
CONCURRENCY = 10  # people filling the form at the same moment
PLANNED = 4  # sessions proposed by the planner
_LATE = dt.timedelta(seconds=20)  # how far past a due time the rehearsal clock is moved
_HOUR = dt.timedelta(hours=1)  # reminders up to an hour after the start come before attendance
_INVITE_LINE = re.compile(r"•\s*(?P<name>[^(]+)\(.*start=tim_(?P<token>[A-Za-z0-9_-]+)")


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """Where the episode left what the office would keep."""

    root: Path
    flyers: list[Path] = field(default_factory=list)
    calendar: list[Path] = field(default_factory=list)
    certificates: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    bot_log: Path | None = None


@dataclass
class Figures:
    """The episode's outcome, for its last line."""

    registered: int = 0
    attended: int = 0
    certificates: int = 0


Say = Callable[[str], None]


class Episode:
    """The demo: set the stage, play the episode, leave the files, stop everything."""

    def __init__(self, settings: Settings, *, people: int = PEOPLE, say: Say = print) -> None:
        self.settings = settings
        self.language: Language = settings.language
        self.people_count = people
        self.say = say
        self.root = settings.data_dir.resolve() / "demo"
        self.began = time.perf_counter()
        self.figures = Figures()
        self.bot_username = ""

    # --- narration -------------------------------------------------------------------------

    def step(self, key: str, **values: object) -> None:
        elapsed = time.perf_counter() - self.began
        self.say(f"[{elapsed:5.1f} s] " + t(f"demo.step.{key}", self.language, **values))

    # --- the whole run ---------------------------------------------------------------------

    def run(self) -> DemoFiles:
        """Play the episode; servers and the bot are stopped whatever happens."""
        # The sandboxes' request logs would drown the story; the bot's log has its own file.
        logging.getLogger("gedsi_bot.sandbox").setLevel(logging.WARNING)
        self._prepare()
        telegram = TelegramSandbox().start()
        zoom = ZoomSandbox().start()
        try:
            return asyncio.run(self._play(telegram, zoom))
        finally:
            zoom.stop()
            telegram.stop()

    def _prepare(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.clock = RehearsalClock(self.root / "clock.json")
        self.catalog = load_catalog(self.settings.catalog_path, language=self.language)
        self.database_url = f"sqlite:///{self.root / 'gedsi.db'}"
        self.database = open_database(self.database_url)
        self.services = ServiceContext.open(self.database, self.catalog, clock=self.clock)
        self.step("stage", root=self.root)

    async def _play(self, telegram: TelegramSandbox, zoom: ZoomSandbox) -> DemoFiles:
        async with telegram.async_client(timeout=90.0) as client:
            admin = await Person.create(client, "Admin Bidang PP")
            bot = BotProcess(
                BotEnvironment(
                    telegram=telegram,
                    zoom=zoom,
                    database_url=self.database_url,
                    data_dir=self.root,
                    catalog=self.settings.catalog_path.resolve(),
                    admin_ids=(admin.id,),
                    clock_file=self.clock.path,
                    language=self.language,
                ),
                self.root / "logs" / "bot.log",
            )
            bot.start()
            try:
                return await self._episode(client, admin, bot, zoom)
            except DemoError as error:
                raise DemoError(f"{error} (see {bot.log_path})") from error
            finally:
                bot.stop()
                self.database.dispose()

    async def _episode(
        self, client: AsyncSandboxClient, admin: Person, bot: BotProcess, zoom: ZoomSandbox
    ) -> DemoFiles:
        await admin.start()
        self.bot_username = str((await client.bot())["username"])
        self.step("bot_ready")
        session = self._plan()
        people = await self._subscribe(client)
        team = await self._approve_and_publish(client, admin, session)
        session = self._session(EPISODE)
        await self._announcements(people, session)
        flyers = self._flyers(session)
        await self._register(people, session)
        await self._cancel(self._seated(people, session)[-CANCELLING:], session)
        seated = self._seated(people, session)
        calendar = await self._calendar_files(seated, session)
        for person in [*seated, *team]:
            await person.catch_up()
        await self._reminders(seated, team, session)
        attendees = await self._attend(zoom, seated, session)
        certificates = await self._feedback_and_certificates(attendees, session)
        await self._verify(admin)
        reports = self._report()
        self.step(
            "done",
            seconds=f"{time.perf_counter() - self.began:.0f}",
            registered=self.figures.registered,
            attended=self.figures.attended,
            certificates=self.figures.certificates,
        )
        return DemoFiles(
            root=self.root,
            flyers=sorted(set(flyers) | set((self.root / "flyers").glob("*.png"))),
            calendar=calendar,
            certificates=certificates,
            reports=reports,
            bot_log=bot.log_path,
        )

    # --- the stages ------------------------------------------------------------------------

    def _plan(self) -> Session:
        today = self.clock.now().astimezone(self.catalog.series.zone).date()
        plan_next_sessions(
            self.database,
            self.catalog,
            start=today,
            count=PLANNED,
            save=True,
            language=self.language,
        )
        sessions = self._sessions()
        first = sessions[0]
        self.step(
            "planned",
            count=len(sessions),
            first=self._when(first.starts_at),
            theme=self._theme(first),
        )
        return first

    async def _subscribe(self, client: AsyncSandboxClient) -> list[Person]:
        answers = cast(self.people_count, load_areas(), minors=MINORS)
        people = await asyncio.gather(
            *(Person.create(client, person.first_name, person) for person in answers)
        )

        async def subscribe(person: Person) -> None:
            await person.start()
            await person.press("sub:yes")

        await self._together(people, subscribe)
        self.step("subscribed", count=len(people))
        return list(people)

    async def _approve_and_publish(
        self, client: AsyncSandboxClient, admin: Person, session: Session
    ) -> list[Person]:
        """The admin approves (and gets the team's invitation links) and publishes."""
        self._set_capacity(session, self.people_count - CANCELLING - 3)
        reply = await admin.command(f"/setujui {session.number}")
        self.step("approved", number=session.number, reply=_first_line(reply))
        team = await self._accept_invitations(client, _invite_tokens(reply))
        reply = await admin.command(f"/terbitkan {session.number}")
        self.step("published", number=session.number, reply=_first_line(reply))
        return team

    async def _accept_invitations(
        self, client: AsyncSandboxClient, tokens: list[tuple[str, str]]
    ) -> list[Person]:
        """Each speaker and the moderator open their personal link and accept."""
        accept = t("team.invite.accept", self.language)
        team = []
        for name, token in tokens:
            person = await Person.create(client, name.split()[0])
            await person.start(f"tim_{token}")
            invitation = await person.wait_for_label(accept)
            await person.press_label(invitation, accept)
            team.append(person)
        self.step("invited", count=len(team))
        return team

    async def _announcements(self, people: list[Person], session: Session) -> None:
        code = session.registration_code

        async def receive(person: Person) -> None:
            await person.wait_for_button(f"daftar_{code}")

        await self._together(people, receive)
        self.step("announced", count=len(people))

    async def _register(self, people: list[Person], session: Session) -> None:
        """Everyone registers from the flyer's link; more people than seats."""
        code = session.registration_code
        assert code is not None

        async def register(person: Person) -> None:
            await person.register(code)

        await self._together(people, register)
        counts = self._registration_counts(session)
        self.step(
            "registered",
            registered=counts.get(RegistrationStatus.REGISTERED, 0),
            waitlisted=counts.get(RegistrationStatus.WAITLISTED, 0),
            minors=sum(1 for p in people if p.answers is not None and p.answers.is_minor),
        )

    async def _calendar_files(self, seated: list[Person], session: Session) -> list[Path]:
        """The .ics file of each seated person: sent with the confirmation, or, for those who
        moved up from the waitlist, from the button in the message that told them."""
        folder = self.root / "calendar"
        folder.mkdir(exist_ok=True)
        button = CALENDAR_CALLBACK.format(session_id=session.id)

        async def save(person: Person) -> Path:
            message = await person.wait_until(
                lambda message: has_document(message, ".ics") or has_button(message, button)
            )
            if not has_document(message, ".ics"):
                await person.press(button)
                message = await person.wait_for_document(".ics")
            assert message.document is not None
            path = folder / f"peserta-{person.id}.ics"
            path.write_bytes(await person.client.download(message.document["file_id"]))
            return path

        return sorted(await asyncio.gather(*(save(person) for person in seated)))

    def _flyers(self, session: Session) -> list[Path]:
        """Every flyer format (the channel post went out with the post format)."""
        templates = load_flyer_templates(
            self.settings.resolved_flyers_dir, self.catalog, language=self.language
        )
        contents = session_flyer_contents(
            self.database,
            self.catalog,
            numbers=[session.number],
            bot_username=self.bot_username,
            language=self.language,
        )
        written = write_flyers(
            contents, templates=templates, formats=list(FlyerFormat), out_dir=self.root / "flyers"
        )
        self.step("flyers", count=sum(1 for path in written if path.suffix == ".png"))
        return written

    async def _cancel(self, people: list[Person], session: Session) -> None:
        """A few registered people cancel; each freed seat goes to the first on the waitlist."""

        async def cancel(person: Person) -> None:
            await person.command("/batal")
            await person.press(f"cxl:{session.id}")
            await person.press(f"cxlok:{session.id}")
            # The reply waited for may be a late message of the registration; the database
            # says when the seat is free.
            await self._until(
                lambda: self._status(person, session) is RegistrationStatus.CANCELLED,
                "a cancellation",
            )

        for person in people:  # one after another, so each frees a seat for the waitlist
            await cancel(person)
        counts = self._registration_counts(session)
        self.figures.registered = counts.get(RegistrationStatus.REGISTERED, 0)
        self.step(
            "cancelled",
            cancelled=counts.get(RegistrationStatus.CANCELLED, 0),
            registered=counts.get(RegistrationStatus.REGISTERED, 0),
            waitlisted=counts.get(RegistrationStatus.WAITLISTED, 0),
        )

    async def _reminders(self, seated: list[Person], team: list[Person], session: Session) -> None:
        """Every reminder up to the session's start, each at its own (rehearsed) time."""
        moments = plan_reminders(session, self.catalog.reminders, now=self.clock.now())
        ahead = {item.due_at for item in moments if item.due_at <= session.starts_at + _HOUR}
        for due_at in sorted(ahead):
            due = [item for item in moments if item.due_at == due_at]
            audience: list[Person] = []
            if any(item.audience is Audience.PARTICIPANTS for item in due):
                audience += seated
            if any(item.audience is Audience.TEAM for item in due):
                audience += team
            self._move_clock(due_at + _LATE)
            await self._together(audience, _next_message)
            self.step("reminded", what=self._reminder_name(due[0]), count=len(audience))

    async def _attend(
        self, zoom: ZoomSandbox, seated: list[Person], session: Session
    ) -> list[Person]:
        """Zoom's participant report: most stay to the end, two leave early."""
        assert session.meeting is not None
        present = seated[: len(seated) - 2]
        early = seated[len(seated) - 2 :]
        late = dt.timedelta(minutes=3)
        records = [
            _zoom_record(person, session.starts_at + late, session.ends_at) for person in present
        ] + [
            _zoom_record(person, session.starts_at, session.starts_at + 3 * late)
            for person in early
        ]
        zoom.set_participants(session.meeting.meeting_id, records)
        self._move_clock(session.ends_at + IMPORT_DELAY + _LATE)
        # The bot's attendance job runs as the clock moves and tells the admins; the database
        # says when it is done, whatever else reached the admin's chat meanwhile.
        await self._until(lambda: self._attendance_read(session), "attendance")
        counts = self._registration_counts(session)
        self.figures.attended = counts.get(RegistrationStatus.ATTENDED, 0)
        self.step(
            "attended",
            attended=self.figures.attended,
            absent=counts.get(RegistrationStatus.NO_SHOW, 0),
        )
        return present

    async def _feedback_and_certificates(
        self, attendees: list[Person], session: Session
    ) -> list[Path]:
        """The feedback request, the form, and the certificate (picture and PDF) after it."""
        self._move_clock(session.ends_at + self.catalog.reminders.feedback_after_end + _LATE)
        request = f"umpan:{session.number}"

        async def requested(person: Person) -> None:
            await person.wait_for_button(request)

        await self._together(attendees, requested)  # those who left early get none

        async def give_feedback(person: Person) -> None:
            await person.press(request)
            for aspect, rating in (("material", 5), ("speaker", 4), ("usefulness", 5)):
                await person.press(f"fbr:{aspect}:{rating}")
            choices = await person.say("Contoh kasus dan cara melapor kekerasan")
            theme = next(
                (
                    b.callback_data
                    for row in choices.buttons
                    for b in row
                    if b.callback_data and b.callback_data.startswith("fbt:")
                ),
                "fbs:",
            )
            await person.press(theme)
            await person.wait_for_document(".pdf")

        await self._together(attendees, give_feedback)
        issued = sorted((self.root / "certificates" / "issued").rglob("*.p*"))
        self.figures.certificates = sum(1 for path in issued if path.suffix == ".pdf")
        self.step("feedback", count=len(attendees))
        self.step("certified", count=self.figures.certificates)
        return issued

    def _report(self) -> list[Path]:
        folder = self.root / "reports"
        folder.mkdir(exist_ok=True)
        scope = ReportScope(session_number=EPISODE)
        document = build_report_document(self.services, scope=scope)
        written = save_report_files(
            document,
            language=self.language,
            xlsx=folder / f"laporan-sesi-{EPISODE}.xlsx",
            csv=folder / f"laporan-sesi-{EPISODE}.csv",
            png=folder / f"laporan-sesi-{EPISODE}.png",
            fonts=self.settings.resolved_flyers_dir / "fonts",
        )
        self.step("reported", count=len(written))
        return list(written)

    # --- helpers ---------------------------------------------------------------------------

    async def _together(
        self, people: Iterable[Person], act: Callable[[Person], Awaitable[None]]
    ) -> None:
        """``act`` for everyone, at most ``CONCURRENCY`` at the same moment."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(person: Person) -> None:
            async with gate:
                await act(person)

        await asyncio.gather(*(one(person) for person in people))

    def _sessions(self) -> list[Session]:
        with self.database.read() as db:
            return list_sessions(db, series_id=self.services.series_id)

    def _session(self, number: int) -> Session:
        for session in self._sessions():
            if session.number == number:
                return session
        raise DemoError(f"session {number} is not in the database")

    def _seated(self, people: list[Person], session: Session) -> list[Person]:
        """The people holding a seat (registered, not waitlisted or cancelled), in order."""
        with self.database.read() as db:
            seated = set(
                db.scalars(
                    select(ParticipantRow.telegram_user_id)
                    .join(RegistrationRow, RegistrationRow.participant_id == ParticipantRow.id)
                    .where(
                        RegistrationRow.session_id == session.id,
                        RegistrationRow.status == RegistrationStatus.REGISTERED.value,
                    )
                )
            )
        return [person for person in people if person.id in seated]

    def _reminder_name(self, reminder: Reminder) -> str:
        if reminder.before is None:
            return t("demo.reminder.started", self.language)
        offset = format_offset(reminder.before, self.language)
        return t("demo.reminder.before", self.language, offset=offset)

    def _move_clock(self, moment: dt.datetime) -> None:
        self.clock.move_to(moment)
        self.step("clock", when=self._when(moment))

    async def _verify(self, person: Person) -> None:
        """Anyone can check a certificate by its code, as a school head checks a teacher's;
        here the admin, whose chat has nothing else on its way."""
        with self.database.read() as db:
            code, serial = db.execute(
                select(CertificateRow.verification_code, CertificateRow.serial).limit(1)
            ).one()
        await person.client.send_text(person.id, f"/verifikasi {code}")
        reply = await person.wait_until(lambda message: serial in message.text)
        self.step("verified", code=code, reply=_first_line(reply))

    def _attendance_read(self, session: Session) -> bool:
        with self.database.read() as db:
            row = db.get(SessionRow, session.id)
            return row is not None and row.attendance_import is not None

    async def _until(self, ready: Callable[[], bool], what: str) -> None:
        """Wait (at most a minute) until ``ready()``, looking twice a second."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not ready():
            if loop.time() > deadline:
                raise DemoError(f"the bot did not finish {what} within {WAIT:.0f} s")
            await asyncio.sleep(0.5)

    def _set_capacity(self, session: Session, seats: int) -> None:
        with self.database.write() as db:
            row = db.get(SessionRow, session.id)
            assert row is not None
            row.capacity = seats

    def _status(self, person: Person, session: Session) -> RegistrationStatus | None:
        with self.database.read() as db:
            status = db.scalar(
                select(RegistrationRow.status)
                .join(ParticipantRow, RegistrationRow.participant_id == ParticipantRow.id)
                .where(
                    RegistrationRow.session_id == session.id,
                    ParticipantRow.telegram_user_id == person.id,
                )
            )
        return None if status is None else RegistrationStatus(status)

    def _registration_counts(self, session: Session) -> dict[RegistrationStatus, int]:
        with self.database.read() as db:
            statuses = db.scalars(
                select(RegistrationRow.status).where(RegistrationRow.session_id == session.id)
            ).all()
        counts: dict[RegistrationStatus, int] = {}
        for status in statuses:
            counts[RegistrationStatus(status)] = counts.get(RegistrationStatus(status), 0) + 1
        return counts

    def _when(self, moment: dt.datetime) -> str:
        return format_when(moment.astimezone(self.catalog.series.zone), self.language)

    def _theme(self, session: Session) -> str:
        return self.catalog.theme(session.theme_id).title


def _first_line(message: ReceivedMessage) -> str:
    return message.text.splitlines()[0] if message.text else ""


def _invite_tokens(reply: ReceivedMessage) -> list[tuple[str, str]]:
    """(name, token) of each personal invitation link in the admin's reply to /setujui."""
    found = []
    for line in reply.text.splitlines():
        match = _INVITE_LINE.search(line)
        if match:
            found.append((match.group("name").strip(), match.group("token")))
    return found


async def _next_message(person: Person) -> None:
    await person.wait()


def _zoom_record(person: Person, joined: dt.datetime, left: dt.datetime) -> dict[str, str]:
    name = person.answers.full_name if person.answers else person.user.first_name
    return {"name": name, "join_time": joined.isoformat(), "leave_time": left.isoformat()}
