"""The modules whose composers and expanders the delivery worker knows (one line each).

Importing a module registers its ``@composer``/``@expander`` functions; ``load_registry`` is
called by every process that delivers, before its first pass.
"""

from __future__ import annotations

import importlib

MODULES: tuple[str, ...] = ("gedsi_bot.services.team_outbox",)


def load_registry(modules: tuple[str, ...] = MODULES) -> None:
    """Import every registering module (idempotent)."""
    for name in modules:
        importlib.import_module(name)
