"""The one HTTP server of a process: platform webhooks, `/healthz` and `/metrics`.

Adapters add their routes (`/slack/events`, the Telegram webhook path) before it starts; health
checks are small async callables that return None when fine or a reason when not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import text

from store.db import Database

HealthCheck = Callable[[], Awaitable[str | None]]
RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A load balancer polls /healthz with a short timeout of its own; a hung check must not outlast it.
CHECK_TIMEOUT = 3.0


def database_check(db: Database) -> HealthCheck:
    """A check that the database answers a trivial query (a connection from the pool, or a new one)."""

    async def check() -> str | None:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None

    return check


class HttpServer:
    def __init__(self, host: str, port: int, *, registry: CollectorRegistry = REGISTRY) -> None:
        self.host, self.port = host, port
        self.registry = registry
        self.app = web.Application(client_max_size=2 * 1024 * 1024)
        self.checks: dict[str, HealthCheck] = {}
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        self.app.router.add_route(method, path, handler)

    def add_check(self, name: str, check: HealthCheck) -> None:
        self.checks[name] = check

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _healthz(self, _request: web.Request) -> web.Response:
        problems = {}
        for name, check in self.checks.items():
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    reason = await check()
            except TimeoutError:
                reason = f"no answer within {CHECK_TIMEOUT:g} s"
            except Exception as error:  # a failing check is a reason, never a 500
                reason = f"{type(error).__name__}: {error}"
            if reason:
                problems[name] = reason[:300]
        if problems:
            return web.json_response({"status": "unavailable", "problems": problems}, status=503)
        return web.json_response({"status": "ok", "checks": sorted(self.checks)})

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # tests ask for any free port; remember the one we got
            server = site._server
            assert server is not None and server.sockets
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
