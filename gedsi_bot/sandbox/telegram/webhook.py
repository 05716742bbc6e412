"""Pushing updates to a bot's webhook, as Telegram does after ``setWebhook``.

Updates go one at a time, oldest first, as a JSON POST carrying the
``X-Telegram-Bot-Api-Secret-Token`` header when a secret was set. An update leaves the queue only
when the webhook answers 2xx; otherwise the error is kept for ``getWebhookInfo`` (in Telegram's
words: "Connection refused", "Wrong response from the webhook: 500 Internal Server Error") and
the update is tried again after a growing pause.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING

import httpx

from gedsi_bot.sandbox.telegram.state import unix_now

if TYPE_CHECKING:
    from gedsi_bot.sandbox.telegram.state import Webhook, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_MAX_PAUSE = 5.0
_IDLE_WAIT = 30.0

logger = logging.getLogger(__name__)


async def deliver(world: World, hook: Webhook) -> None:
    """Deliver ``world``'s updates to ``hook`` until the webhook changes or the sandbox closes."""
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers[SECRET_HEADER] = hook.secret_token
    pause = world.config.webhook_retry_delay
    async with httpx.AsyncClient(timeout=_TIMEOUT) as client:
        while world.webhook is hook and not world.closing:
            update = world.updates.head()
            if update is None:
                await world.updates.arrived.wait(_IDLE_WAIT)
                continue
            error = await _post(client, hook.url, update, headers)
            if world.webhook is not hook:
                return
            if error is None:
                world.updates.confirm(update["update_id"] + 1)
                hook.delivered += 1
                pause = world.config.webhook_retry_delay
                continue
            hook.last_error_date = unix_now()
            hook.last_error_message = error
            logger.info("webhook delivery failed: %s", error)
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)


async def _post(
    client: httpx.AsyncClient, url: str, update: dict[str, object], headers: dict[str, str]
) -> str | None:
    """None when the webhook took the update, else Telegram's description of the failure."""
    try:
        response = await client.post(url, json=update, headers=headers)
    except httpx.ConnectError:
        return "Connection refused"
    except httpx.TimeoutException:
        return "Read timeout expired"
    except httpx.HTTPError as error:
        return f"Connection error: {type(error).__name__}"
    if 200 <= response.status_code < 300:
        return None
    try:
        reason = HTTPStatus(response.status_code).phrase
    except ValueError:
        reason = "Unknown"
    return f"Wrong response from the webhook: {response.status_code} {reason}"
