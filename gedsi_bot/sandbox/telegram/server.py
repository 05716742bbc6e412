"""The HTTP face of the sandbox: Bot API, file downloads and the simulation API, on tornado.

``/bot<token>/<method>``       the Bot API (GET or POST; JSON, form or multipart bodies)
``/file/bot<token>/<path>``    file downloads, as from ``api.telegram.org/file/bot…``
``/sandbox/…``                 the simulation API: users, chats, actions, what chats received

Access logging is off: request paths carry the bot token.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import re
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import tornado.httpserver
import tornado.web

from gedsi_bot.sandbox.telegram.botapi import BotApi
from gedsi_bot.sandbox.telegram.errors import ApiError, not_found, unauthorized
from gedsi_bot.sandbox.telegram.flood import FloodLimits
from gedsi_bot.sandbox.telegram.params import RawRequest, Upload, flatten_json_body
from gedsi_bot.sandbox.telegram.simulation import Simulation, SimulationError
from gedsi_bot.sandbox.telegram.state import Stats, World

MAX_BODY = 60 * 1024 * 1024
_MAX_WAIT = 60.0


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _JsonHandler(tornado.web.RequestHandler):
    def initialize(self, world: World, api: BotApi, simulation: Simulation) -> None:
        self.world = world
        self.api = api
        self.simulation = simulation

    def send_json(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(_dumps(body))

    def check_xsrf_cookie(self) -> None:
        return None

    def write_error(self, status_code: int, **_details: Any) -> None:
        """Every other failure (an unsupported HTTP verb, a bug) as a JSON body too."""
        reason = self._reason if status_code != 500 else "Internal Server Error"
        self.set_header("Content-Type", "application/json")
        self.finish(_dumps({"ok": False, "error_code": status_code, "description": reason}))


class BotApiHandler(_JsonHandler):
    async def get(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def _handle(self, token: str, method: str) -> None:
        try:
            if token != self.world.config.token:
                raise unauthorized()
            result, description = await self.api.call(method, self._raw_request())
        except ApiError as error:
            self.send_json(error.code, error.body())
            return
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        self.send_json(200, body)

    def _raw_request(self) -> RawRequest:
        request = self.request
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        params: dict[str, str] = {}
        try:
            for key, values in request.query_arguments.items():
                params[key] = values[-1].decode("utf-8")
            if content_type == "application/json":
                if request.body.strip():
                    try:
                        body = json.loads(request.body)
                    except ValueError:
                        raise ApiError(
                            400, "Bad Request: can't parse JSON encoded request"
                        ) from None
                    params.update(flatten_json_body(body))
            else:
                for key, values in request.body_arguments.items():
                    params[key] = values[-1].decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "Bad Request: strings must be encoded in UTF-8") from None
        files = {
            name: Upload(
                filename=parts[-1].filename,
                content_type=parts[-1].content_type or "application/octet-stream",
                data=parts[-1].body,
            )
            for name, parts in request.files.items()
        }
        return RawRequest(params=params, files=files)


class FileHandler(_JsonHandler):
    def get(self, token: str, path: str) -> None:
        if token != self.world.config.token:
            error = unauthorized()
            self.send_json(error.code, error.body())
            return
        stored = self.world.files.by_path(path)
        if stored is None:
            error = not_found()
            self.send_json(error.code, error.body())
            return
        self.set_header("Content-Type", stored.mime_type)
        self.finish(stored.data)


class NotFoundHandler(_JsonHandler):
    def prepare(self) -> None:
        error = not_found()
        self.send_json(error.code, error.body())


Route = Callable[["SimulationHandler", re.Match[str]], Awaitable[Any]]
_ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def _route(verb: str, pattern: str) -> Callable[[Route], Route]:
    def register(function: Route) -> Route:
        _ROUTES.append((verb, re.compile(f"^{pattern}$"), function.__name__))
        return function

    return register


class SimulationHandler(_JsonHandler):
    """``/sandbox/…``: answers ``{"ok": true, "result": …}`` or ``{"ok": false, "error": …}``."""

    async def get(self, path: str | None) -> None:
        await self._dispatch("GET", path)

    async def post(self, path: str | None) -> None:
        await self._dispatch("POST", path)

    async def patch(self, path: str | None) -> None:
        await self._dispatch("PATCH", path)

    async def _dispatch(self, verb: str, path: str | None) -> None:
        path = (path or "").rstrip("/") or "/"
        allowed = False
        for route_verb, pattern, name in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            allowed = True
            if route_verb != verb:
                continue
            try:
                result = await getattr(self, name)(match)
            except SimulationError as error:
                self.send_json(error.status, {"ok": False, "error": error.message})
                return
            if result is not None:
                self.send_json(200, {"ok": True, "result": result})
            return
        status = 405 if allowed else 404
        self.send_json(status, {"ok": False, "error": f"no {verb} /sandbox{path}"})

    # --- helpers -----------------------------------------------------------------------

    def body(self) -> dict[str, Any]:
        if not self.request.body.strip():
            return {}
        try:
            value = json.loads(self.request.body)
        except ValueError:
            raise SimulationError(400, "the body must be JSON") from None
        if not isinstance(value, dict):
            raise SimulationError(400, "the body must be a JSON object")
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError:
            raise SimulationError(400, f"{name} must be a number") from None

    async def wait_until(self, ready: Callable[[], bool], key: Hashable | None = None) -> bool:
        """Wait (at most ``?timeout=`` seconds, default 0) until ``ready()``; its last answer.

        ``key`` names what ``ready`` looks at (a chat id, a callback query), so only changes
        to it wake this request.
        """
        timeout = min(self.number("timeout", 0.0) or 0.0, _MAX_WAIT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0 or self.world.closing:
                return False
            await self.world.changes.wait(remaining, key)
        return True

    # --- the sandbox as a whole ----------------------------------------------------------

    @_route("GET", "/")
    async def overview(self, _: re.Match[str]) -> Any:
        world = self.world
        return {
            "bot": world.bot_json(),
            "users": len(world.users),
            "chats": len(world.chats),
            "pending_updates": len(world.updates),
            "long_polls": world.long_polls,
            "webhook": world.webhook.url if world.webhook else None,
            "flood": world.flood.limits.as_json(),
        }

    @_route("GET", "/bot")
    async def bot(self, _: re.Match[str]) -> Any:
        return {**self.world.bot_json(), "token": self.world.config.token}

    @_route("POST", "/reset")
    async def reset(self, _: re.Match[str]) -> Any:
        self.world.reset()
        return True

    @_route("GET", "/config")
    async def config(self, _: re.Match[str]) -> Any:
        world = self.world
        return {
            "flood": world.flood.limits.as_json(),
            "callback_timeout": world.config.callback_timeout,
        }

    @_route("PATCH", "/config")
    async def configure(self, match: re.Match[str]) -> Any:
        body = self.body()
        flood = body.get("flood")
        if flood is not None:
            if not isinstance(flood, dict):
                raise SimulationError(400, "flood must be an object")
            try:
                limits = FloodLimits.from_json(flood, self.world.flood.limits)
            except ValueError as error:
                raise SimulationError(400, str(error)) from None
            self.world.flood.configure(limits)
        timeout = body.get("callback_timeout")
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
                raise SimulationError(400, "callback_timeout must be a positive number")
            self.world.config = dataclasses.replace(
                self.world.config, callback_timeout=float(timeout)
            )
        return await self.config(match)

    @_route("GET", "/stats")
    async def stats(self, _: re.Match[str]) -> Any:
        return self.world.stats.as_json()

    @_route("POST", "/stats/reset")
    async def reset_stats(self, _: re.Match[str]) -> Any:
        self.world.stats = Stats()
        return True

    @_route("GET", "/updates")
    async def updates(self, _: re.Match[str]) -> Any:
        return self.world.updates.pending()

    @_route("GET", "/webhook")
    async def webhook(self, _: re.Match[str]) -> Any:
        hook = self.world.webhook
        if hook is None:
            return {"url": None}
        return {
            "url": hook.url,
            "delivered": hook.delivered,
            "pending": len(self.world.updates),
            "last_error_message": hook.last_error_message,
        }

    # --- users and chats ---------------------------------------------------------------

    @_route("GET", "/users")
    async def users(self, _: re.Match[str]) -> Any:
        return [user.as_json() for user in self.world.users.values()]

    @_route("POST", "/users")
    async def create_users(self, _: re.Match[str]) -> Any:
        body = self.body()
        if "users" in body:
            return self.simulation.create_users(body["users"])
        return self.simulation.create_user(body)

    @_route("GET", r"/users/(\d+)")
    async def user(self, match: re.Match[str]) -> Any:
        user_id = int(match.group(1))
        chat = self.simulation.chat(user_id)
        return {"user": self.simulation.user(user_id).as_json(), **chat.summary()}

    @_route("POST", r"/users/(\d+)/send")
    async def send(self, match: re.Match[str]) -> Any:
        return self.simulation.send(int(match.group(1)), self.body())

    @_route("POST", r"/users/(\d+)/press")
    async def press(self, match: re.Match[str]) -> Any:
        return self.simulation.press(int(match.group(1)), self.body())

    @_route("POST", r"/users/(\d+)/edit")
    async def edit(self, match: re.Match[str]) -> Any:
        return self.simulation.edit(int(match.group(1)), self.body())

    @_route("POST", r"/users/(\d+)/block")
    async def block(self, match: re.Match[str]) -> Any:
        return self.simulation.set_blocked(int(match.group(1)), blocked=True)

    @_route("POST", r"/users/(\d+)/unblock")
    async def unblock(self, match: re.Match[str]) -> Any:
        return self.simulation.set_blocked(int(match.group(1)), blocked=False)

    @_route("GET", r"/users/(\d+)/commands")
    async def commands(self, match: re.Match[str]) -> Any:
        chat_id = self.number("chat_id")
        return self.simulation.commands_for(
            int(match.group(1)), int(chat_id) if chat_id is not None else None
        )

    @_route("GET", "/chats")
    async def chats(self, _: re.Match[str]) -> Any:
        return [chat.summary() for chat in self.world.chats.values()]

    @_route("POST", "/chats")
    async def create_chat(self, _: re.Match[str]) -> Any:
        return self.simulation.create_chat(self.body())

    @_route("GET", r"/chats/(-?\d+)")
    async def chat(self, match: re.Match[str]) -> Any:
        return self.simulation.chat(int(match.group(1))).summary()

    @_route("POST", r"/chats/(-?\d+)/members")
    async def add_member(self, match: re.Match[str]) -> Any:
        user_id = self.body().get("user_id")
        if not isinstance(user_id, int):
            raise SimulationError(400, "user_id must be an integer")
        return self.simulation.add_member(int(match.group(1)), user_id)

    @_route("POST", r"/chats/(-?\d+)/bot_status")
    async def bot_status(self, match: re.Match[str]) -> Any:
        return self.simulation.set_bot_status(int(match.group(1)), self.body().get("status"))

    @_route("GET", r"/chats/(-?\d+)/messages")
    async def messages(self, match: re.Match[str]) -> Any:
        chat_id = int(match.group(1))
        self.simulation.chat(chat_id)
        raw = self.get_query_argument("from_bot", None)
        from_bot = None if raw is None else raw.lower() in ("1", "true", "yes")
        wanted = int(self.number("min_count", 0) or 0)

        def found() -> list[dict[str, Any]]:
            return self.simulation.messages(chat_id, from_bot=from_bot)

        complete = await self.wait_until(lambda: len(found()) >= wanted, chat_id)
        return {"messages": found(), "complete": complete}

    @_route("GET", r"/chats/(-?\d+)/events")
    async def events(self, match: re.Match[str]) -> Any:
        chat_id = int(match.group(1))
        after = int(self.number("after", 0) or 0)
        wanted = int(self.number("min_count", 0) or 0)
        self.simulation.chat(chat_id)
        complete = await self.wait_until(
            lambda: len(self.simulation.events(chat_id, after=after)) >= wanted, chat_id
        )
        return {"events": self.simulation.events(chat_id, after=after), "complete": complete}

    @_route("GET", r"/callbacks/(\d+)")
    async def callback(self, match: re.Match[str]) -> Any:
        query_id = match.group(1)
        self.simulation.callback(query_id)
        await self.wait_until(
            lambda: bool(self.simulation.callback(query_id)["answered"]), ("callback", query_id)
        )
        return self.simulation.callback(query_id)

    @_route("GET", r"/files/([A-Za-z0-9_-]+)")
    async def file(self, match: re.Match[str]) -> Any:
        stored = self.world.files.get(match.group(1))
        if stored is None:
            raise SimulationError(404, "no such file")
        if self.get_query_argument("format", "") == "base64":
            return {
                "file_id": stored.file_id,
                "mime_type": stored.mime_type,
                "data": base64.b64encode(stored.data).decode("ascii"),
            }
        self.set_header("Content-Type", stored.mime_type)
        self.finish(stored.data)
        return None


def make_app(world: World) -> tornado.web.Application:
    """The tornado application serving one ``World``."""
    handlers_args = {"world": world, "api": BotApi(world), "simulation": Simulation(world)}
    return tornado.web.Application(
        [
            (r"/bot([^/]*)/([^/]*)", BotApiHandler, handlers_args),
            (r"/file/bot([^/]*)/(.+)", FileHandler, handlers_args),
            (r"/sandbox(/.*)?", SimulationHandler, handlers_args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=handlers_args,
        log_function=_no_access_log,
    )


def _no_access_log(_: tornado.web.RequestHandler) -> None:
    """Request lines carry the bot token, so they are not logged."""


def make_server(app: tornado.web.Application) -> tornado.httpserver.HTTPServer:
    return tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY, xheaders=False)
