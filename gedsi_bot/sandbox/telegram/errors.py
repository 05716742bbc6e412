"""Telegram's error answers: status code, description and optional parameters.

Every refusal the sandbox gives is an ``ApiError``; the server turns it into Telegram's body
``{"ok": false, "error_code": …, "description": …, "parameters": {…}}`` with the same HTTP status.
The wording follows the Bot API server, so clients that match on descriptions behave alike.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal with Telegram's status code and description."""

    def __init__(
        self, code: int, description: str, *, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """400 with ``Bad Request: `` in front, the first letter lowered as the Bot API server does.

    Server-side error names in capitals (``BUTTON_DATA_INVALID``) keep their case.
    """
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return ApiError(400, f"Bad Request: {message}")
    return ApiError(400, f"Bad Request: {message[:1].lower()}{message[1:]}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
    )


def conflict(message: str) -> ApiError:
    return ApiError(409, f"Conflict: {message}")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def entity_too_large() -> ApiError:
    return ApiError(413, "Request Entity Too Large")
