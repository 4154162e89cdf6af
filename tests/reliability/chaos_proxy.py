"""A TCP proxy on 127.0.0.1 that tests can break: the network between us and a server, on demand.

It passes bytes through until told otherwise, then cuts every open connection and, until
restored, refuses new ones (the port stops listening), resets them, or answers HTTP 502 the way a
failing gateway does. The shared PostgreSQL server and the fakes keep running untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from itertools import cycle
from typing import Literal

Mode = Literal["pass", "refuse", "reset", "bad_gateway", "flaky_gateway"]
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream; `awaiting_answer` while a request has no reply yet."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    awaiting_answer: bool = False


@dataclass(eq=False)
class ChaosProxy:
    target_host: str
    target_port: int
    host: str = "127.0.0.1"
    port: int = 0
    mode: Mode = "pass"
    # Requests whose connection was cut before any answer came back: the server may have acted on
    # them while the client saw an error, so a retry can legitimately repeat them.
    cut_in_flight: int = 0
    refused: int = 0
    _links: set[_Link] = field(default_factory=set)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _flaky: cycle[Mode] = field(default_factory=lambda: cycle(("bad_gateway", "reset")))

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def __aenter__(self) -> ChaosProxy:
        await self._listen()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cut_links()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def break_(self, mode: Mode = "refuse") -> None:
        """Cut every open connection, then treat new ones according to `mode`."""
        self.mode = mode
        self._cut_links()
        if mode == "refuse" and self._server is not None:
            self._server.close()
            self._server = None

    async def restore(self) -> None:
        self.mode = "pass"
        if self._server is None:
            await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    def _cut_links(self) -> None:
        for link in list(self._links):
            self.cut_in_flight += link.awaiting_answer
            _reset(link.client)
            _reset(link.upstream)
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = next(self._flaky) if self.mode == "flaky_gateway" else self.mode
        if mode != "pass":
            self.refused += 1
            if mode == "bad_gateway":
                with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    await reader.readuntil(b"\r\n\r\n")
                    writer.write(BAD_GATEWAY)
                    await writer.drain()
                writer.close()
            else:
                _reset(writer)
            return
        try:
            upstream_reader, upstream = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            _reset(writer)
            return
        link = _Link(writer, upstream)
        self._links.add(link)
        for task in (
            asyncio.create_task(self._pipe(reader, link, to_upstream=True)),
            asyncio.create_task(self._pipe(upstream_reader, link, to_upstream=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, link: _Link, *, to_upstream: bool) -> None:
        writer = link.upstream if to_upstream else link.client
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                link.awaiting_answer = to_upstream
                writer.write(data)
                await writer.drain()
        if link in self._links:
            self._links.discard(link)
            link.client.close()
            link.upstream.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, the way a dropped connection looks to the other side."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
