"""A load balancer for tests: a round-robin HTTP reverse proxy on loopback.

It stands in front of several ``gedsi-bot run`` processes in webhook mode, as a cloud load
balancer or nginx would: each request goes to the next backend in turn, and to the one after
that when a backend refuses the connection (a dead process), as a health check would arrange.
Requests and responses pass through unchanged, except that every connection carries one
request (``Connection: close`` both ways). ``routes`` records which backend answered what.

    async with Balancer([("127.0.0.1", 8081), ("127.0.0.1", 8082)]) as balancer:
        hook = f"{balancer.url}/telegram/updates"
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

_BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_HOP_BY_HOP = (b"connection", b"keep-alive", b"proxy-connection")


@dataclass(frozen=True)
class Route:
    """One request the balancer passed on: to which backend, its answer, the request body."""

    backend: int
    status: int
    body: bytes


def _one_request(head: bytes) -> bytes:
    """``head`` (up to and including its blank line) with ``Connection: close``."""
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [line for line in lines[1:] if _name(line) not in _HOP_BY_HOP]
    return b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n"


def _name(line: bytes) -> bytes:
    return line.partition(b":")[0].strip().lower()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        if _name(line) == b"content-length":
            return int(line.partition(b":")[2].strip())
    return 0


class Balancer:
    """Round-robin over ``backends`` (host, port); ``url`` is where clients send requests."""

    def __init__(self, backends: Sequence[tuple[str, int]]) -> None:
        self.backends = list(backends)
        self.routes: list[Route] = []
        self._turn = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the balancer is not running"
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> Balancer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            writer.write(await self._forward(_one_request(head), body))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # the client went away; nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        """The first answer from a backend, in turn; 502 when none takes the connection."""
        for _ in self.backends:
            index, self._turn = self._turn, (self._turn + 1) % len(self.backends)
            host, port = self.backends[index]
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                continue  # down: the next one takes it, as after a failed health check
            try:
                writer.write(head + body)
                await writer.drain()
                answer = await reader.read()  # until the backend closes (Connection: close)
            except ConnectionError:
                answer = b""
            finally:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
            if not answer:
                return _BAD_GATEWAY  # it died holding the request: it may have taken it
            answer_head, separator, answer_body = answer.partition(b"\r\n\r\n")
            self.routes.append(Route(index, int(answer_head.split(b" ", 2)[1]), body))
            return _one_request(answer_head + separator) + answer_body
        return _BAD_GATEWAY
