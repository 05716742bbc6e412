"""What every use case needs: the database, the catalog, the series, the clock and the areas."""

from __future__ import annotations

from dataclasses import dataclass, field

from gedsi_bot.areas import load_areas
from gedsi_bot.clock import Clock, SystemClock
from gedsi_bot.domain.areas import Areas
from gedsi_bot.domain.series import Catalog
from gedsi_bot.store import Database
from gedsi_bot.store.sessions import ensure_series


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The dependencies of the service functions, built once by each composition root."""

    database: Database
    catalog: Catalog
    series_id: int
    clock: Clock = field(default_factory=SystemClock)
    areas: Areas = field(default_factory=load_areas)

    @classmethod
    def open(
        cls, database: Database, catalog: Catalog, *, clock: Clock | None = None
    ) -> ServiceContext:
        """The context for ``catalog``'s series, which is created in the database on first use."""
        with database.write() as db:
            series_id = ensure_series(db, slug=catalog.series.id, name=catalog.series.name)
        return cls(database, catalog, series_id, clock or SystemClock())
