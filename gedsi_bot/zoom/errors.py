"""What can go wrong talking to Zoom, as types, and how to say it to the office.

The exception text is for logs and developers and never holds a secret; ``describe`` gives the
admins' message from the locale catalog.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import httpx

from gedsi_bot.errors import GedsiError
from gedsi_bot.locale import Language, format_clock, t, zone_name
from gedsi_bot.zoom.wire import ErrorBody, parse_error


class ZoomError(GedsiError):
    """Zoom refused a request; ``code`` and ``zoom_message`` are Zoom's own."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        zoom_message: str = "",
        field_errors: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.zoom_message = zoom_message
        self.field_errors = field_errors

    @classmethod
    def from_response(cls, response: httpx.Response) -> ZoomError:
        """The error a failed answer stands for: not found, unavailable, or this class."""
        body = _error_body(response)
        status = response.status_code
        kind: type[ZoomError] = cls
        if cls is ZoomError and status == 404:
            kind = ZoomNotFound
        elif cls is ZoomError and status >= 500:
            kind = ZoomUnavailable
        detail = f"; {'; '.join(body.field_errors)}" if body.field_errors else ""
        return kind(
            f"Zoom answered {status} (code {body.code}): {body.message}{detail}",
            status=status,
            code=body.code,
            zoom_message=body.message,
            field_errors=body.field_errors,
        )


class ZoomNotFound(ZoomError):  # noqa: N818 - reads as a sentence at the raise site
    """The meeting (or user) does not exist at Zoom, or has no past instance yet."""


class ZoomAuthFailed(ZoomError):  # noqa: N818
    """Zoom's token endpoint refused the account id, client id or client secret."""


class ZoomUnavailable(ZoomError):  # noqa: N818
    """Zoom kept failing (5xx), timing out or dropping the connection, as often as allowed."""


class ZoomRateLimited(ZoomError):  # noqa: N818
    """Zoom's per-second limit held after the allowed waits."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ZoomDailyLimit(ZoomError):  # noqa: N818
    """The host's 100 meeting creates/updates of the (UTC) day are used up; no use retrying."""

    def __init__(self, message: str, *, resets_at: dt.datetime, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.resets_at = resets_at


def _error_body(response: httpx.Response) -> ErrorBody:
    try:
        return parse_error(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ErrorBody(code=None, message=response.reason_phrase)


def describe(error: ZoomError, language: Language, *, zone: ZoneInfo) -> str:
    """The admins' message for ``error``, with times in the series' timezone."""
    if isinstance(error, ZoomDailyLimit):
        # The limit comes back within a day, so the local clock time says enough.
        local = error.resets_at.astimezone(zone)
        return t(
            "zoom.error.daily_limit", language, time=format_clock(local), zone=zone_name(local)
        )
    if isinstance(error, ZoomRateLimited):
        return t("zoom.error.rate_limited", language)
    if isinstance(error, ZoomAuthFailed):
        reason = error.zoom_message or str(error.status)
        return t("zoom.error.auth_failed", language, reason=reason)
    if isinstance(error, ZoomUnavailable):
        return t("zoom.error.unavailable", language)
    if isinstance(error, ZoomNotFound):
        return t("zoom.error.not_found", language, message=error.zoom_message)
    return t(
        "zoom.error.refused",
        language,
        code=error.code if error.code is not None else error.status,
        message="; ".join((error.zoom_message, *error.field_errors)).strip("; "),
    )
