"""The Zoom API client (Server-to-Server OAuth, meetings, registrants, past participants)."""

from __future__ import annotations

from gedsi_bot.zoom.client import RetryPolicy, ZoomClient
from gedsi_bot.zoom.errors import (
    ZoomAuthFailed,
    ZoomDailyLimit,
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomUnavailable,
    describe,
)

__all__ = [
    "RetryPolicy",
    "ZoomAuthFailed",
    "ZoomClient",
    "ZoomDailyLimit",
    "ZoomError",
    "ZoomNotFound",
    "ZoomRateLimited",
    "ZoomUnavailable",
    "describe",
]
