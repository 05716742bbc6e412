"""A local Telegram Bot API server for tests, demos and rehearsals.

It speaks the Bot API over HTTP (``/bot<token>/<method>``), checks every request as Telegram does,
applies Telegram's flood limits, and lets a test or a trainer play the users through a simulation
API (``/sandbox/…``) and its Python clients.

    with TelegramSandbox() as sandbox, sandbox.client() as users:
        bot = telegram.Bot(sandbox.token, base_url=sandbox.api_url,
                           base_file_url=sandbox.file_url)
        ana = users.create_user("Ana")
        users.start(ana.id, "daftar_abc123")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gedsi_bot.sandbox.telegram.defaults import DEFAULT_TOKEN

if TYPE_CHECKING:
    from gedsi_bot.sandbox.telegram.client import (
        AsyncSandboxClient,
        Button,
        CallbackAnswer,
        ChatEvent,
        Press,
        ReceivedMessage,
        SandboxClient,
        SandboxError,
        SandboxStats,
        SandboxTimeout,
        User,
        to_html,
    )
    from gedsi_bot.sandbox.telegram.flood import FloodLimits
    from gedsi_bot.sandbox.telegram.runner import TelegramSandbox, serve
    from gedsi_bot.sandbox.telegram.state import SandboxConfig

# Loaded on first use, so that importing the constants (as the CLI does) stays cheap.
_WHERE = {
    "AsyncSandboxClient": "client",
    "Button": "client",
    "CallbackAnswer": "client",
    "ChatEvent": "client",
    "Press": "client",
    "ReceivedMessage": "client",
    "SandboxClient": "client",
    "SandboxError": "client",
    "SandboxStats": "client",
    "SandboxTimeout": "client",
    "User": "client",
    "to_html": "client",
    "FloodLimits": "flood",
    "TelegramSandbox": "runner",
    "serve": "runner",
    "SandboxConfig": "state",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "DEFAULT_TOKEN",
    "AsyncSandboxClient",
    "Button",
    "CallbackAnswer",
    "ChatEvent",
    "FloodLimits",
    "Press",
    "ReceivedMessage",
    "SandboxClient",
    "SandboxConfig",
    "SandboxError",
    "SandboxStats",
    "SandboxTimeout",
    "TelegramSandbox",
    "User",
    "serve",
    "to_html",
]
