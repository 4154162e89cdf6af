"""The one HTTP server of a process: platform webhooks, `/livez`, `/readyz` and `/metrics`.

Adapters add their routes (`/slack/events`, the Telegram webhook path) before it starts; readiness
checks are small async callables that return None when fine or a reason when not. `/livez` only
says the event loop answers (restart the process if it does not); `/readyz` says whether the
process can do its work now (route no traffic to it if not). `/healthz`, the older name, is
`/readyz`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from core import __version__
from core.metrics import ProcessLabelled
from store.db import Database

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[str | None]]
RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A load balancer polls /readyz with a short timeout of its own; all checks together must answer
# within it, so they run at once and any still running at the limit is reported, not waited for.
CHECK_TIMEOUT = 3.0
OK = "ok"


def database_check(db: Database) -> HealthCheck:
    """A check that the database can be read now, without queueing for its write lock."""

    async def check() -> str | None:
        await db.ping()
        return None

    return check


async def _reason(check: HealthCheck) -> str:
    try:
        return (await check() or OK)[:300]
    except Exception as error:  # a failing check is a reason, never a 500
        return f"{type(error).__name__}: {error}"[:300]


async def run_checks(checks: dict[str, HealthCheck], within: float) -> dict[str, str]:
    """Each check's outcome ("ok" or why not), all run at once and none awaited past `within` s."""
    tasks = {name: asyncio.create_task(_reason(check)) for name, check in checks.items()}
    if tasks:
        await asyncio.wait(tasks.values(), timeout=within)
    outcomes = {}
    for name, task in tasks.items():
        if task.done():
            outcomes[name] = task.result()
        else:
            task.cancel()  # not awaited: a check stuck in a driver must not hold the answer back
            outcomes[name] = f"no answer within {within:g} s"
    return outcomes


class HttpServer:
    """`metrics_port`: serve /metrics there instead, e.g. to keep it off a public port."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        registry: CollectorRegistry = REGISTRY,
        metrics_port: int | None = None,
    ) -> None:
        self.host, self.port, self.metrics_port = host, port, metrics_port
        self.registry = registry
        self.app = web.Application(client_max_size=2 * 1024 * 1024)
        self.checks: dict[str, HealthCheck] = {}
        self.app.router.add_get("/livez", self._livez)
        self.app.router.add_get("/readyz", self._readyz)
        self.app.router.add_get("/healthz", self._readyz)
        self._metrics_app = self.app if metrics_port is None else web.Application()
        self._metrics_app.router.add_get("/metrics", self._metrics)
        self._runners: list[web.AppRunner] = []

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        self.app.router.add_route(method, path, handler)

    def add_check(self, name: str, check: HealthCheck) -> None:
        self.checks[name] = check

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _livez(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": OK, "version": __version__})

    async def _readyz(self, _request: web.Request) -> web.Response:
        outcomes = await run_checks(self.checks, CHECK_TIMEOUT)
        ready = all(outcome == OK for outcome in outcomes.values())
        body = {"status": OK if ready else "unavailable", "version": __version__, "checks": outcomes}
        return web.json_response(body, status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(ProcessLabelled(self.registry))
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        self.port = await self._serve(self.app, self.port)
        if self.metrics_port is not None:
            self.metrics_port = await self._serve(self._metrics_app, self.metrics_port)
            log.info("metrics on http://%s:%s/metrics", self.host, self.metrics_port)

    async def _serve(self, app: web.Application, port: int) -> int:
        """Serve `app` on `port`; returns the port, the one the system chose when `port` is 0."""
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        if port == 0:  # tests ask for any free port; remember the one we got
            server = site._server
            assert isinstance(server, asyncio.Server) and server.sockets
            port = server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
