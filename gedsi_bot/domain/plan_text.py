"""The planner's words: reasons, changes and problems in the office's language.

Texts come from the locale catalog (``planner.*`` keys); names of people, themes, tags and
commemorations come from the catalog, so a sentence reads the way the team wrote its file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from babel.dates import format_date as babel_format_date

from gedsi_bot.domain.calendar import SkippedDay, SkipReason
from gedsi_bot.domain.model import Commemoration, Role, Session, SessionStatus, ThemeGroup
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_date, format_when, t

MAX_TOPICS = 2  # tags named in an expertise reason; more makes the table line too long


class PlanText:
    def __init__(self, catalog: Catalog, language: Language) -> None:
        self.catalog = catalog
        self.language = language

    def __call__(self, key: str, /, **values: object) -> str:
        return t(f"planner.{key}", self.language, **values)

    # --- names and dates ----------------------------------------------------------------------

    def person(self, person_id: str | None) -> str:
        if person_id is None:
            return self("change.none")
        try:
            return self.catalog.person(person_id).name
        except KeyError:
            return person_id

    def people(self, person_ids: Sequence[str]) -> str:
        if not person_ids:
            return self("change.none")
        return ", ".join(self.person(person_id) for person_id in person_ids)

    def theme(self, theme_id: str) -> str:
        try:
            return f"“{self.catalog.theme(theme_id).title}”"
        except KeyError:
            return theme_id

    def role(self, role: Role) -> str:
        return self(f"role.{role.value}")

    def group(self, group: ThemeGroup) -> str:
        return self(f"group.{group.value}")

    def when(self, moment: dt.datetime) -> str:
        return format_when(moment.astimezone(self.catalog.series.zone), self.language)

    def day(self, day: dt.date) -> str:
        return format_date(day, self.language)

    def short_day(self, day: dt.date) -> str:
        """ "14 Januari 2027"."""
        return babel_format_date(day, "d MMMM y", locale=self.language)

    def month(self, day: dt.date) -> str:
        """ "Januari 2027"."""
        return babel_format_date(day, "LLLL y", locale=self.language)

    def _month_day(self, month_day: tuple[int, int]) -> str:
        month, day = month_day
        return babel_format_date(dt.date(2024, month, day), "d MMMM", locale=self.language)

    def commemoration_when(self, commemoration: Commemoration) -> str:
        if commemoration.start == commemoration.end:
            return self._month_day(commemoration.start)
        return f"{self._month_day(commemoration.start)}–{self._month_day(commemoration.end)}"

    # --- reasons ------------------------------------------------------------------------------

    def reason_commemorations(self, commemorations: Sequence[Commemoration], *, near: bool) -> str:
        names = self("reason.and").join(
            f"{item.name} ({self.commemoration_when(item)})" for item in commemorations
        )
        key = "reason.commemoration_near" if near else "reason.commemoration_month"
        return self(key, names=names)

    def reason_preferred_month(self) -> str:
        return self("reason.preferred_month")

    def reason_expertise(self, tags: Collection[str]) -> str:
        """Named in the order of the catalog's ``tags`` section, the first few only."""
        ordered = [tag for tag in self.catalog.tags if tag in tags]
        labels = [self.catalog.tags[tag] for tag in ordered[:MAX_TOPICS]]
        return self("reason.expertise", topics=", ".join(labels))

    def reason_disability(self) -> str:
        return self("reason.disability")

    def reason_demand(self, votes: int) -> str:
        return self("reason.demand", votes=votes)

    def reason_women_speakers(self, days: Sequence[Commemoration]) -> str:
        names = self("reason.and").join(day.name for day in days)
        return self("reason.women_speakers", names=names)

    def reason_mixed_gender(self) -> str:
        return self("reason.mixed_gender")

    def reason_theme_rested(self, last: dt.date | None) -> str:
        if last is None:
            return self("reason.new_theme")
        return self("reason.theme_rested", date=self.short_day(last))

    def reason_fixed(self, status: SessionStatus) -> str:
        return self("reason.fixed", status=self(f"status.{status.value}"))

    def reason_too_close(self) -> str:
        return self("reason.too_close", days=self.catalog.planning.lead_days)

    # --- changes ------------------------------------------------------------------------------

    def change_line(self, draft: Session, what: str, why: str) -> str:
        return self(
            "change.line", number=draft.number, when=self.when(draft.starts_at), what=what, why=why
        )

    def change_dropped(self) -> str:
        return self("change.dropped")

    def why_taken(self) -> str:
        return self("why.taken")

    def why_skipped(self, skipped: SkippedDay | None) -> str:
        if skipped is None:
            return self("why.not_a_date")
        if skipped.reason is SkipReason.HOLIDAY:
            return self("why.holiday", name=skipped.name)
        return self("why.blackout")

    # --- problems -----------------------------------------------------------------------------

    def nothing_to_plan(self) -> str:
        return self("problem.nothing_to_plan")

    def timeout(self, seconds: float) -> str:
        return self("problem.timeout", seconds=round(seconds))

    def invalid(self) -> str:
        return self("problem.invalid")

    def more_problems(self, count: int) -> str:
        return self("problem.more", count=count)
