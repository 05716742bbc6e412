"""The Zoom sandbox's HTTP face (tornado): Zoom's routes, plus ``/sandbox/…`` to steer and look.

Zoom's routes go through the same gate as at Zoom: scripted faults first, then the bearer
token (401, code 124), then the per-second limit of the call's category (429 QPS). Bodies and
headers come from ``ZoomState``; this module only moves them on and off the wire.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, ClassVar

from tornado.iostream import StreamClosedError
from tornado.web import Application, RequestHandler

from gedsi_bot.sandbox.zoom.state import (
    LIGHT,
    MEDIUM,
    Fault,
    FaultKind,
    Json,
    Reply,
    ZoomState,
    qps_reply,
    zoom_error,
)

log = logging.getLogger("gedsi_bot.sandbox.zoom")


class _Handler(RequestHandler):
    """Shared plumbing: JSON replies, scripted faults, the request log."""

    faultable: ClassVar[bool] = True
    categories: ClassVar[Mapping[str, str]] = {}

    def initialize(self, state: ZoomState) -> None:
        self.state = state
        self._generation = state.generation
        self._delay = 0.0
        self._fault: str | None = None

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json;charset=UTF-8")

    def check_xsrf_cookie(self) -> None:
        """An API server: no cookies, no XSRF tokens."""

    def _category(self) -> str:
        return self.categories.get(self.request.method or "GET", LIGHT)

    async def prepare(self) -> None:
        fault = (
            self.state.take_fault(self.request.method or "GET", self.request.path)
            if self.faultable
            else None
        )
        if fault is not None:
            self._fault = fault.kind.value
            if fault.kind is FaultKind.DROP:
                self._record(status=0)
                self.detach().close()
                return
            if fault.kind is FaultKind.SLOW:
                self._delay = fault.delay
            else:
                await self.reply(self._fault_reply(fault))
                return
        refused = self.admit()
        if refused is not None:
            await self.reply(refused)

    def _fault_reply(self, fault: Fault) -> Reply:
        if fault.kind is FaultKind.RATE_LIMIT_QPS:
            category = self._category()
            return qps_reply(
                category, self.state.config.qps.get(category, 0), retry_after=fault.retry_after
            )
        if fault.kind is FaultKind.RATE_LIMIT_DAILY:
            return self.state.daily_reply()
        if fault.status == 401:  # a revoked token, as Zoom says it
            return zoom_error(401, 124, "Invalid access token.")
        if fault.status >= 500:
            return zoom_error(fault.status, fault.status, "Internal Server Error.")
        return zoom_error(fault.status, fault.status, "Scripted error.")

    def admit(self) -> Reply | None:
        """Refuse the request before it reaches the method (authentication, rate limits)."""
        return None

    async def reply(self, reply: Reply) -> None:
        if self._delay:
            await asyncio.sleep(self._delay)
        self.set_status(reply.status)
        for name, value in reply.headers.items():
            self.set_header(name, value)
        # Recorded before the answer leaves, so a client that has its answer sees it logged.
        self._record(status=reply.status)
        try:
            if reply.body is None:
                await self.finish()
            else:
                await self.finish(json.dumps(reply.body, ensure_ascii=False))
        except StreamClosedError:
            log.debug("client went away before the answer to %s", self.request.path)

    def json_body(self) -> Json | None:
        """The request's JSON object, or ``None`` when it is not one."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def query(self) -> dict[str, str]:
        return {name: self.get_query_argument(name) for name in self.request.query_arguments}

    def bad_body(self) -> Reply:
        return zoom_error(400, 300, "Request Body should be a valid JSON object.")

    def write_error(self, status_code: int, **_details: Any) -> None:
        self._record(status=status_code)
        self.finish(json.dumps({"code": status_code, "message": self._reason}))

    def _record(self, *, status: int) -> None:
        self.state.log_request(
            method=self.request.method or "GET",
            path=self.request.path,
            query=self.request.query,
            status=status,
            fault=self._fault,
            generation=self._generation,
        )


class _ApiHandler(_Handler):
    """A Zoom API route: bearer token, then the category's per-second limit."""

    def admit(self) -> Reply | None:
        refused = self.state.check_token(self.request.headers.get("Authorization"))
        if refused is not None:
            return refused
        return self.state.check_qps(self._category())


class TokenHandler(_Handler):
    async def post(self) -> None:
        await self.reply(
            self.state.issue_token(
                authorization=self.request.headers.get("Authorization"),
                grant_type=self.get_argument("grant_type", None),
                account_id=self.get_argument("account_id", None),
            )
        )


class UserMeetingsHandler(_ApiHandler):
    categories: ClassVar[Mapping[str, str]] = {"GET": MEDIUM, "POST": MEDIUM}

    async def get(self, user_id: str) -> None:
        await self.reply(self.state.list_meetings(user_id, self.query()))

    async def post(self, user_id: str) -> None:
        body = self.json_body()
        await self.reply(
            self.bad_body() if body is None else self.state.create_meeting(user_id, body)
        )


class MeetingHandler(_ApiHandler):
    categories: ClassVar[Mapping[str, str]] = {"GET": LIGHT, "PATCH": LIGHT, "DELETE": LIGHT}

    async def get(self, meeting_id: str) -> None:
        await self.reply(self.state.get_meeting(int(meeting_id)))

    async def patch(self, meeting_id: str) -> None:
        body = self.json_body()
        await self.reply(
            self.bad_body() if body is None else self.state.update_meeting(int(meeting_id), body)
        )

    async def delete(self, meeting_id: str) -> None:
        await self.reply(self.state.delete_meeting(int(meeting_id)))


class RegistrantsHandler(_ApiHandler):
    categories: ClassVar[Mapping[str, str]] = {"POST": LIGHT}

    async def post(self, meeting_id: str) -> None:
        body = self.json_body()
        await self.reply(
            self.bad_body() if body is None else self.state.add_registrant(int(meeting_id), body)
        )


class PastParticipantsHandler(_ApiHandler):
    categories: ClassVar[Mapping[str, str]] = {"GET": MEDIUM}

    async def get(self, meeting_id: str) -> None:
        await self.reply(self.state.past_participants(meeting_id, self.query()))


class NotFoundHandler(_Handler):
    async def prepare(self) -> None:
        await self.reply(zoom_error(404, 404, "No API was found for this request."))


# --- the control API (never faulted, never rate limited) -----------------------------------


class _ControlHandler(_Handler):
    faultable: ClassVar[bool] = False

    def _record(self, *, status: int) -> None:
        """Control calls stay out of the request log, so tests see only what clients did."""

    async def problem(self, message: str, status: int = 400) -> None:
        await self.reply(Reply(status, {"error": message}))


class FaultsHandler(_ControlHandler):
    async def get(self) -> None:
        await self.reply(Reply(200, {"faults": [f.as_json() for f in self.state.faults()]}))

    async def post(self) -> None:
        body = self.json_body()
        if body is None:
            await self.problem("send a JSON object describing the fault")
            return
        try:
            fault = Fault.from_json(body)
        except ValueError as error:
            await self.problem(str(error))
            return
        await self.reply(Reply(201, {"fault": self.state.add_fault(fault).as_json()}))

    async def delete(self) -> None:
        self.state.clear_faults()
        await self.reply(Reply(204))


class SandboxMeetingsHandler(_ControlHandler):
    async def get(self) -> None:
        include_deleted = self.get_query_argument("include_deleted", "false") == "true"
        await self.reply(
            Reply(200, {"meetings": self.state.meetings(include_deleted=include_deleted)})
        )


class SandboxMeetingHandler(_ControlHandler):
    async def get(self, meeting_id: str) -> None:
        meeting = self.state.meeting(int(meeting_id))
        if meeting is None:
            await self.problem(f"no meeting {meeting_id}", 404)
            return
        await self.reply(Reply(200, meeting))


class SandboxParticipantsHandler(_ControlHandler):
    async def put(self, meeting_id: str) -> None:
        body = self.json_body()
        records = body.get("participants") if body else None
        if not isinstance(records, list):
            await self.problem('send {"participants": [{"name", "join_time", "leave_time"}, …]}')
            return
        try:
            stored = self.state.set_participants(meeting_id, records)
        except (ValueError, TypeError, AttributeError) as error:
            await self.problem(str(error))
            return
        await self.reply(Reply(200, {"stored": stored}))


class RequestLogHandler(_ControlHandler):
    async def get(self) -> None:
        await self.reply(Reply(200, {"requests": [r.as_json() for r in self.state.requests()]}))

    async def delete(self) -> None:
        self.state.clear_requests()
        await self.reply(Reply(204))


class ExpireTokensHandler(_ControlHandler):
    async def post(self) -> None:
        await self.reply(Reply(200, {"expired": self.state.expire_tokens()}))


class ConfigHandler(_ControlHandler):
    _CHANGEABLE: ClassVar[frozenset[str]] = frozenset({"token_lifetime", "daily_limit", "qps"})

    async def get(self) -> None:
        await self.reply(Reply(200, config_json(self.state)))

    async def patch(self) -> None:
        body = self.json_body()
        if body is None or not set(body) <= self._CHANGEABLE:
            allowed = ", ".join(sorted(self._CHANGEABLE))
            await self.problem(f"send a JSON object with any of: {allowed}")
            return
        numbers = [body[key] for key in ("token_lifetime", "daily_limit") if key in body]
        qps = body.get("qps", {})
        if (
            any(not isinstance(n, int) or n < 0 for n in numbers)
            or not isinstance(qps, dict)
            or any(not isinstance(v, int) or v < 1 for v in qps.values())
        ):
            await self.problem("limits are whole numbers (qps at least 1 per second)")
            return
        changes: dict[str, Any] = {k: v for k, v in body.items() if k != "qps"}
        if qps:
            changes["qps"] = {**self.state.config.qps, **qps}
        self.state.configure(**changes)
        await self.reply(Reply(200, config_json(self.state)))


class ResetHandler(_ControlHandler):
    async def post(self) -> None:
        self.state.reset()
        await self.reply(Reply(204))


def config_json(state: ZoomState) -> Json:
    config = state.config
    return {
        "account_id": config.account_id,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "token_lifetime": config.token_lifetime,
        "daily_limit": config.daily_limit,
        "qps": dict(config.qps),
        "users": [asdict(user) for user in config.users],
        "web_url": config.web_url,
    }


def _log_request(handler: RequestHandler) -> None:
    request = handler.request
    log.info(
        "%s %s %s %.1fms",
        request.method,
        request.path,
        handler.get_status(),
        1000 * request.request_time(),
    )


def make_app(state: ZoomState) -> Application:
    """The tornado application serving ``state``."""
    args = {"state": state}
    return Application(
        [
            (r"/oauth/token", TokenHandler, args),
            (r"/v2/users/([^/]+)/meetings", UserMeetingsHandler, args),
            (r"/v2/meetings/(\d+)", MeetingHandler, args),
            (r"/v2/meetings/(\d+)/registrants", RegistrantsHandler, args),
            (r"/v2/past_meetings/([^/]+)/participants", PastParticipantsHandler, args),
            (r"/sandbox/faults", FaultsHandler, args),
            (r"/sandbox/meetings", SandboxMeetingsHandler, args),
            (r"/sandbox/meetings/(\d+)", SandboxMeetingHandler, args),
            (r"/sandbox/past_meetings/([^/]+)/participants", SandboxParticipantsHandler, args),
            (r"/sandbox/requests", RequestLogHandler, args),
            (r"/sandbox/tokens/expire", ExpireTokensHandler, args),
            (r"/sandbox/config", ConfigHandler, args),
            (r"/sandbox/reset", ResetHandler, args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
        log_function=_log_request,
    )
