"""Honour Telegram's ``retry_after``: wait as told and try again, a bounded number of times."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
MAX_WAIT_SECONDS = 60.0


class RetryAfterLimiter(BaseRateLimiter[None]):
    """Replies go out at once; a 429 makes only that request wait ``retry_after`` and retry.

    Bulk sending (announcements, reminders) is throttled by the delivery worker; replies to
    someone who just wrote are few per person and should not queue behind anything.
    """

    def __init__(
        self, *, max_retries: int = MAX_RETRIES, max_wait: float = MAX_WAIT_SECONDS
    ) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def process_request(  # noqa: PLR0917 - the signature PTB calls
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],  # noqa: ARG002 - the signature PTB calls
        rate_limit_args: None,  # noqa: ARG002
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                attempt += 1
                wait = error.retry_after
                seconds = wait if isinstance(wait, float | int) else wait.total_seconds()
                if attempt > self.max_retries or seconds > self.max_wait:
                    raise
                logger.info("%s: flood control, retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
