"""Several Slack workspaces: bolt's OAuth flow and the bot token of each workspace.

`/slack/install` hands the browser a one-time `state` (kept in the store and in a cookie) and the
Add to Slack link; Slack sends the installer back to `/slack/oauth_redirect` with a code, which
bolt's `AsyncOAuthFlow` trades for the workspace's bot token (`oauth.v2.access`). The store keeps
the token (`slack_installations`); bolt asks it for the token of each request's workspace, and the
adapter for the token of each message it sends. `SLACK_BOT_TOKEN`, when set, keeps serving its own
workspace without an install.

slack_sdk's SQLAlchemy stores are not used: they open their own connections (only store/ touches
the database here), write naive times and unnamed constraints, and keep user tokens and incoming
webhooks we never ask for. These two classes are bolt's interfaces over `store.slack_installs`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.http import HttpServer
from bot.settings import Settings
from store.db import Database
from store.repository import store_transaction
from store.slack_installs import Installed

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What the bot asks a workspace for when it is installed; slack-manifest.yaml lists the same
# (tests/test_slack_install.py compares them). Every one is used by bot/slack.py.
SCOPES = (
    "app_mentions:read",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:read",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
)
STATE_LIFETIME = timedelta(minutes=10)


class Workspaces:
    """The bot token for each workspace: its installation, or SLACK_BOT_TOKEN for its own."""

    def __init__(self, db: Database, clock: Callable[[], datetime], default_token: str = "") -> None:
        self.db, self.clock, self.default_token = db, clock, default_token
        # SLACK_BOT_TOKEN's workspace and bot, from auth.test at start (None until then).
        self.default: Installed | None = None

    def know_default(self, answer: dict[str, Any]) -> None:
        """Remember whose SLACK_BOT_TOKEN it is, from its auth.test answer."""
        self.default = Installed(
            team_id=str(answer.get("team_id") or ""),
            bot_token=self.default_token,
            bot_id=str(answer.get("bot_id") or ""),
            bot_user_id=str(answer.get("user_id") or ""),
            enterprise_id=str(answer.get("enterprise_id") or ""),
            team_name=str(answer.get("team") or ""),
        )

    async def find(self, team_id: str) -> Installed | None:
        async with store_transaction(self.db) as store:
            installed = await store.slack_installs.find(team_id)
        if installed is None and self.default is not None and self.default.team_id == team_id:
            return self.default
        return installed

    async def installed(self) -> list[Installed]:
        """Every workspace that installed the app and still holds a token."""
        async with store_transaction(self.db) as store:
            return await store.slack_installs.installed()

    async def save(self, installed: Installed) -> None:
        async with store_transaction(self.db) as store:
            await store.slack_installs.save(installed, self.clock())
        log.info("Slack workspace %s installed ClusterBot", installed.team_id)

    async def revoke(self, team_id: str) -> None:
        async with store_transaction(self.db) as store:
            unreachable = await store.slack_installs.revoke(team_id, self.clock())
        log.info("Slack workspace %s removed ClusterBot: %s accounts unreachable", team_id, unreachable)


class StoreInstallations(AsyncInstallationStore):
    """bolt's installation store over `Workspaces` (bot tokens only: we ask for no user scope)."""

    def __init__(self, workspaces: Workspaces) -> None:
        self.workspaces = workspaces

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        if not bot.team_id:  # an org-wide install (Enterprise Grid): the manifest does not offer it
            raise BoltError("ClusterBot installs in one workspace at a time, not org-wide")
        await self.workspaces.save(
            Installed(
                team_id=bot.team_id,
                bot_token=bot.bot_token,
                bot_id=bot.bot_id,
                bot_user_id=bot.bot_user_id,
                enterprise_id=bot.enterprise_id or "",
                team_name=bot.team_name or "",
                scopes=",".join(bot.bot_scopes),
            )
        )

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        installed = await self.workspaces.find(team_id or "") if team_id else None
        if installed is None:
            return None
        return Bot(
            enterprise_id=installed.enterprise_id or None,
            team_id=installed.team_id,
            team_name=installed.team_name,
            bot_token=installed.bot_token,
            bot_id=installed.bot_id,
            bot_user_id=installed.bot_user_id,
            bot_scopes=installed.scopes,
            installed_at=self.workspaces.clock().timestamp(),
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            await self.workspaces.revoke(team_id)


class StoreStates(AsyncOAuthStateStore):
    """bolt's OAuth state store over the store: each state is good once, for ten minutes."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state, now = secrets.token_urlsafe(32), self.clock()
        async with store_transaction(self.db) as store:
            await store.slack_installs.issue_state(state, now + STATE_LIFETIME, now)
        return state

    async def async_consume(self, state: str) -> bool:
        async with store_transaction(self.db) as store:
            return await store.slack_installs.consume_state(state, self.clock())


def oauth_settings(settings: Settings, workspaces: Workspaces) -> AsyncOAuthSettings:
    """bolt's OAuth flow with our stores; bolt asks `find_bot` only (we hold no user tokens)."""
    installations = StoreInstallations(workspaces)
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(SCOPES),
        redirect_uri=settings.slack_redirect,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=StoreStates(workspaces.db, workspaces.clock),
        state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
        logger=log,
    )
    # Each token's auth.test answer is kept: bolt would otherwise ask Slack on every request.
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=log, installation_store=installations, bot_only=True, cache_enabled=True
    )
    return oauth


def add_oauth_routes(http: HttpServer, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install: bolt issues a state (store and cookie) and the Add to Slack link.
    GET /slack/oauth_redirect: bolt checks the state against the cookie and the store (each state
    once), trades the code for the bot token and saves the installation."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(_bolt_request(request)))

    http.add_route("GET", INSTALL_PATH, install)
    http.add_route("GET", REDIRECT_PATH, redirect)


def _bolt_request(request: web.Request) -> AsyncBoltRequest:
    """A browser's GET as bolt reads it: the query and the headers (the state cookie among them)."""
    headers: dict[str, str | Sequence[str]] = {
        name.lower(): request.headers.getall(name) for name in request.headers
    }
    return AsyncBoltRequest(body="", query=request.query_string, headers=headers)
