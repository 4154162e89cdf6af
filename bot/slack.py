"""The Slack adapter: bolt's AsyncApp in, Block Kit out; it translates and never decides.

Every surface (the `/cluster` slash command, DMs, mentions, buttons, the App Home) becomes an
`Incoming` for the Assistant, and its replies go back where the person is: through `respond` for
slash commands and ephemeral messages, as an ephemeral message in shared channels unless the
reply is public, and as ordinary messages in the member's DM with the bot.

A person is `TEAM:USER`, TEAM being the workspace whose installation received the request (bolt's
`context.team_id`: `team_id` of a command or an event, `team.id` of a button press), never the
person's own `user.team_id`: that workspace's bot token is the one that can answer them, now and
in the outbox, also when they are a Slack Connect guest from another organisation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.credentials import CredentialCheck
from bot.http import HttpServer
from bot.live import LiveMessages
from bot.settings import Settings
from bot.slack_forms import FORM_CALLBACK, inline_errors, modal, submitted
from bot.slack_oauth import Workspaces, add_oauth_routes, oauth_settings
from bot.slack_render import (
    ACTION_PREFIX,
    SLASH_COMMAND,
    Block,
    SlackMessage,
    attachment_fallback,
    chosen,
    escape,
    home_view,
    image_block,
    long_payloads,
    render_reply,
)
from bot.turns import Turns
from core.adapter import Progress, Recipient, SendResult
from core.metrics import ERRORS, REPLIES_OUT, answer
from core.types import Attachment, Incoming, Reply, fill
from handlers.engine.assistant import Assistant
from handlers.home import home_commands
from handlers.places import bot_removed
from store.db import Database
from store.repository import store_transaction
from store.slack_installs import Installed

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")

PLATFORM = "slack"
# Errors after which writing to this person again cannot work until they come back themselves.
UNREACHABLE = frozenset(
    {"account_inactive", "channel_not_found", "not_in_channel", "user_not_found", "user_disabled"}
)
# The workspace's bot token no longer works: the whole workspace is unreachable, as on app_uninstalled.
WORKSPACE_GONE = "token_revoked"
# Slack's word that this message can never be posted as it is (chat.postMessage's documented
# errors about the message or the conversation). Any other answer, an unknown code or a body that
# is not Slack's JSON, may be passing trouble and is retried.
REFUSED = frozenset(
    {
        "cannot_dm_bot",
        "invalid_arguments",
        "invalid_attachments",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "is_archived",
        "messages_tab_disabled",
        "metadata_too_large",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "restricted_action_non_threadable_channel",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "too_many_attachments",
    }
)
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
KEPT_PREFIX = "cbkey:"  # a button value that names a payload kept in the store (over 2000 chars)
REMEMBERED = 10_000  # profiles and DM channels kept in memory, oldest dropped first
SIGNATURE = "X-Slack-Signature"
TIMESTAMP = "X-Slack-Request-Timestamp"
KEY_LENGTH = 100  # what store.models.SeenRequest.key holds


@dataclass(frozen=True, slots=True)
class _Where:
    """Where the answers to one Slack request go, and how."""

    client: AsyncWebClient  # with the bot token of the workspace the request came through
    team: str  # that workspace (T…)
    user: str  # the Slack user id (U…)
    channel: str  # a DM with the bot, or the shared channel the person wrote in
    respond: AsyncRespond | None = None  # slash commands and ephemeral messages answer through it
    ts: str = ""  # the DM message a button sat on, which a reply may replace
    private: bool = False  # a shared channel: answers only for the person unless Reply.public


class SlackAdapter:
    platform = PLATFORM

    def __init__(
        self, settings: Settings, assistant: Assistant, db: Database, http: HttpServer | None = None
    ) -> None:
        self.settings, self.assistant, self.db = settings, assistant, db
        self._clients: dict[str, AsyncWebClient] = {}
        # SLACK_BOT_TOKEN's client (its workspace, auth.test, invitations); without a token when the
        # app is only installed through OAuth.
        self.client = self._client(settings.slack_bot_token)
        self.workspaces = Workspaces(db, assistant.clock, settings.slack_bot_token)
        self.live = LiveMessages()
        socket_mode = bool(settings.slack_app_token)
        # HTTP requests are verified in _on_http, before their body is parsed or logged by anyone;
        # Socket Mode frames come over our own authenticated connection and are not signed.
        secret = settings.slack_signing_secret
        self._verifier = SignatureVerifier(secret) if secret and not socket_mode else None
        self.app = self._oauth_app() if settings.slack_oauth else self._single_app()
        self.app.middleware(self._run_once)
        self.app.command(SLASH_COMMAND)(self._on_command)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.event("app_uninstalled")(self._on_uninstalled)
        self.app.event("tokens_revoked")(self._on_tokens_revoked)
        self.app.event("member_left_channel")(self._on_member_left)
        self.app.event("channel_archive")(self._on_channel_gone)
        self.app.event("group_archive")(self._on_channel_gone)
        self.app.action(re.compile(rf"^{ACTION_PREFIX}\d+$"))(self._on_action)
        self.app.view(FORM_CALLBACK)(self._on_form)
        self.app.error(self._on_error)
        self._socket: AsyncSocketModeHandler | None = None
        self.credentials = CredentialCheck(PLATFORM, "auth.test", self._who_am_i, _code)
        self._failures = 0
        self._profiles: dict[str, tuple[str, str | None, str | None]] = {}
        self._dm_channels: dict[str, str] = {}
        self._turns = Turns()
        if http is not None:
            # Routes must exist before the server starts, so they are added here rather than in start().
            if not socket_mode:
                http.add_route("POST", "/slack/events", self._on_http)
            if self.app.oauth_flow is not None:
                add_oauth_routes(http, self.app.oauth_flow)
            http.add_check(PLATFORM, self._health)

    def _client(self, token: str, *, paced: bool = False) -> AsyncWebClient:
        """One client per bot token (each workspace has its own), all with the same transport.

        An answer to someone who just wrote waits once in place for a 429 or a 5xx. A paced client
        (the outbox's, whose every call took a slot from the rate limiter) does not: a call the SDK
        repeated on its own would go out on no slot, and across a broadcast those repeats pushed
        Slack over its rate (1.5 % flood refusals); the refusal goes back to the outbox instead,
        which tries again on a slot of its own."""
        key = f"paced:{token}" if paced else token
        if key not in self._clients:
            waits: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler(max_retry_count=1)]
            if not paced:
                waits += [
                    AsyncRateLimitErrorRetryHandler(max_retry_count=1),
                    AsyncServerErrorRetryHandler(max_retry_count=1),
                ]
            client = AsyncWebClient(
                token=token or None, base_url=self.settings.slack_api_base_url, retry_handlers=waits
            )
            _remember(self._clients, key, client)
        return self._clients[key]

    def _single_app(self) -> AsyncApp:
        """One workspace, SLACK_BOT_TOKEN's: every request and message uses that token."""
        secret = self.settings.slack_signing_secret
        return AsyncApp(client=self.client, signing_secret=secret, request_verification_enabled=False)

    def _oauth_app(self) -> AsyncApp:
        """Installable in any workspace: bolt finds each request's token in the installations (or
        SLACK_BOT_TOKEN for its own workspace)."""
        return AsyncApp(
            client=self._client(""),
            signing_secret=self.settings.slack_signing_secret,
            request_verification_enabled=False,
            oauth_settings=oauth_settings(self.settings, self.workspaces),
        )

    async def _who_am_i(self) -> object:
        """auth.test of SLACK_BOT_TOKEN; with OAuth installs only, there is no one token to test."""
        if not self.settings.slack_bot_token:
            return None
        answer = await self.client.auth_test()
        self.workspaces.know_default(answer.data if isinstance(answer.data, dict) else {})
        return answer

    async def start(self) -> None:
        try:
            await self._who_am_i()
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.error("Slack %s; check SLACK_BOT_TOKEN", self.credentials.failed(error))
            return
        if self.settings.slack_app_token:
            self._socket = AsyncSocketModeHandler(
                self.app, self.settings.slack_app_token, web_client=self.client
            )
            await self._socket.connect_async()
        self.credentials.succeeded()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        self.credentials.stopped()
        await self.live.close()

    async def send(self, to: Recipient, replies: Sequence[Reply], *, skip: int = 0) -> SendResult:
        """A proactive DM with the bot token of the person's workspace; the outcome tells the outbox
        whether and when to try again, and how many of the reply's messages are out already."""
        team, _, user = to.user_id.rpartition(":")
        progress = Progress(skip)
        try:
            client = await self._client_for(team)
            if client is None:  # the workspace removed the app, or never installed it
                async with store_transaction(self.db) as store:
                    await store.people.mark_unreachable(PLATFORM, to.user_id)
                return SendResult("unreachable", error="not_installed")
            channel = to.chat_id if to.group else await self._dm_channel(client, team, user)
            await self._deliver(_Where(client, team, user, channel), replies, progress=progress)
        except SlackApiError as error:
            return replace(await self._send_failed(to, team, user, error), delivered=progress.done)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            ERRORS.labels(PLATFORM, "network").inc()
            wait = self._backoff()
            return SendResult("retry", retry_after=wait, error=_code(error), delivered=progress.done)
        self._failures = 0
        return SendResult("sent")

    async def searchable(self) -> list[Installed]:
        """The workspaces invitations look members up in: SLACK_BOT_TOKEN's first, then (with
        OAuth) every installed one, each with its own token."""
        token = self.settings.slack_bot_token
        own = [self.workspaces.default or Installed("", token, team_name="SLACK_BOT_TOKEN")] if token else []
        installed = await self.workspaces.installed() if self.settings.slack_oauth else []
        return own + [workspace for workspace in installed if workspace.bot_token != token]

    async def user_by_email(
        self, email: str, workspaces: Sequence[Installed], refused: dict[str, str]
    ) -> str | None:
        """The account (`TEAM:USER`, as identities hold it) with this e-mail address in the first of
        `workspaces` that has one; None when none has. A workspace that refuses the look-up
        (missing_scope, invalid_auth…) goes into `refused` (its name: Slack's error) and is not
        asked again; the others still are."""
        for workspace in workspaces:
            if (name := _workspace_name(workspace)) in refused:
                continue
            try:
                found = await self._client(workspace.bot_token).users_lookupByEmail(email=email)
            except SlackApiError as error:
                if (code := _code(error)) != "users_not_found":
                    refused[name] = code
                continue
            return f"{found['user'].get('team_id') or workspace.team_id}:{found['user']['id']}"
        return None

    async def _client_for(self, team: str) -> AsyncWebClient | None:
        """SLACK_BOT_TOKEN's client for everyone without OAuth; else the workspace's own, if any."""
        if not self.settings.slack_oauth:
            return self._client(self.settings.slack_bot_token, paced=True)
        installed = await self.workspaces.find(team)
        if installed is None and self.settings.slack_bot_token and self.workspaces.default is None:
            # auth.test failed at start: whose SLACK_BOT_TOKEN it is is not known yet (an error here
            # is a retry later, never an unreachable member)
            await self._who_am_i()
            installed = await self.workspaces.find(team)
        return self._client(installed.bot_token, paced=True) if installed is not None else None

    async def _send_failed(self, to: Recipient, team: str, user: str, error: SlackApiError) -> SendResult:
        code, status = _code(error), _status(error)
        ERRORS.labels(PLATFORM, code).inc()
        if status == 429:
            return SendResult("retry", retry_after=_retry_after(error), error=code)
        if code == WORKSPACE_GONE:  # the app was removed and the event about it has not come (yet)
            await self.workspaces.revoke(team)
            return SendResult("unreachable", error=code)
        if code in UNREACHABLE and to.group:
            return SendResult("unreachable", error=code)
        if code in UNREACHABLE:
            async with store_transaction(self.db) as store:
                await store.people.mark_unreachable(PLATFORM, to.user_id)
            self._dm_channels.pop(f"{team}:{user}", None)
            return SendResult("unreachable", error=code)
        if code in REFUSED:
            return SendResult("failed", error=code)
        return SendResult("retry", retry_after=self._backoff(), error=code)

    def _backoff(self) -> float:
        """Seconds before retrying after a 5xx or a network error, doubling while they go on."""
        self._failures += 1
        return float(min(300, 2**self._failures))

    async def _health(self) -> str | None:
        if problem := await self.credentials.check():
            return problem
        if self._socket is not None and not await self._socket.client.is_connected():
            return "socket mode disconnected"
        return None

    async def _on_http(self, request: web.Request) -> web.Response:
        """Check the signature first (401): nothing of an unsigned body is parsed or logged. A body
        that is not UTF-8 (Slack signs UTF-8 text) or that bolt cannot read is a 400."""
        try:
            body = (await request.read()).decode()
        except UnicodeDecodeError:
            return _refused(400, "malformed_body")
        if not self._signed(body, request.headers.get(TIMESTAMP, ""), request.headers.get(SIGNATURE, "")):
            return _refused(401, "bad_signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, AttributeError, KeyError):  # not JSON, or JSON of another shape
            return _refused(400, "malformed_body")
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        if self._verifier is None or not timestamp.isdigit() or not signature:
            return False
        return self._verifier.is_valid(body, timestamp, signature)

    async def _run_once(
        self, body: dict[str, Any], request: AsyncBoltRequest, next: Any
    ) -> BoltResponse | None:
        """Each event id and each signed request is run once, whichever process it reaches and
        whenever: Slack's retries of an event and a replay of a captured request are answered 200
        and dropped. The store holds what was taken (store.replays), so restarts forget nothing."""
        keys = [f"event:{body['event_id']}"[:KEY_LENGTH]] if body.get("event_id") else []
        signature = (request.headers.get(SIGNATURE.lower()) or [""])[0]
        if request.mode == "http" and signature:
            keys.append(f"signature:{signature}")
        if keys:
            async with store_transaction(self.db) as store:
                new = await store.seen.first_time(keys, self.assistant.clock())
            if not new:
                retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
                log.info("Slack %s seen before (retry %s); not run again", body.get("type", "request"), retry)
                return BoltResponse(status=200, body="")
        return await next()  # type: ignore[no-any-return]

    async def _on_uninstalled(self, context: AsyncBoltContext) -> None:
        await self.workspaces.revoke(_team(context))

    async def _on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Only a revoked bot token matters: we hold no user token."""
        if (event.get("tokens") or {}).get("bot"):
            await self.workspaces.revoke(_team(context))

    async def _on_member_left(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Only the bot leaving (removed from the channel) matters."""
        if event.get("user") and event.get("user") == context.bot_user_id:
            await self._on_channel_gone(event, context)

    async def _on_channel_gone(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """The bot is out of the channel, or it was archived: a linked place is unlinked."""
        async with store_transaction(self.db) as store:
            await bot_removed(
                store,
                self.assistant.notifier,
                PLATFORM,
                _team(context),
                str(event.get("channel", "")),
                self.assistant.clock(),
            )

    async def _on_command(
        self,
        ack: Any,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        channel, user, team = body.get("channel_id", ""), body["user_id"], _team(context)
        text = "/" + ((body.get("text") or "").strip().removeprefix("/") or "help")
        kind = "private" if channel.startswith("D") else "group"
        msg = await self._incoming(client, team, user, channel, text=text, chat_kind=kind)
        asked_in = _Where(client, team, user, channel, respond=respond)
        where = await self._where_to_answer(asked_in, msg, body.get("trigger_id", ""))
        if where is not None:
            await self._deliver(where, await self._answer(msg))

    async def _on_message(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """DMs to the bot; edits, joins and bot messages (subtypes) are not someone talking to us."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user, channel, team = event["user"], event["channel"], _team(context)
        msg = await self._incoming(client, team, user, channel, text=event.get("text", ""))
        await self._deliver(_Where(client, team, user, channel), await self._answer(msg), asked=msg)

    async def _on_mention(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        user, channel, team = event["user"], event["channel"], _team(context)
        text = MENTION.sub("", event.get("text", "")).strip()
        msg = await self._incoming(client, team, user, channel, text=text, chat_kind="group")
        where = await self._where_to_answer(_Where(client, team, user, channel, private=True), msg)
        if where is not None:
            await self._deliver(where, await self._answer(msg))

    async def _where_to_answer(self, asked_in: _Where, msg: Incoming, trigger_id: str = "") -> _Where | None:
        """None when the command opened its form (a modal) instead of answering; otherwise where its
        answers go: where it was asked, but a personal answer asked for in a channel goes to the DM."""
        if await self._open_form(asked_in.client, msg, trigger_id):
            return None
        if msg.answered_in_private:
            return await self._in_dm(asked_in.client, asked_in.team, asked_in.user)
        return asked_in

    async def _in_dm(self, client: AsyncWebClient, team: str, user: str) -> _Where:
        return _Where(client, team, user, await self._dm_channel(client, team, user))

    async def _on_home_opened(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab") == "home":
            await self._publish_home(client, _team(context), event["user"])

    async def _publish_home(self, client: AsyncWebClient, team: str, user: str) -> None:
        asking = await self._incoming(client, team, user, "")
        parts = []
        home = await home_commands(
            self.db, PLATFORM, asking.user_id, asking.language_code, self.assistant.options
        )
        for title, command in home.parts:
            parts.append((title, await self._answer(replace(asking, text=command))))
        values = await self._keep_long([reply for _, replies in parts for reply in replies])
        await client.views_publish(user_id=user, view=home_view(home.actions, parts, values))

    async def _on_action(
        self,
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        user, team = body["user"]["id"], _team(context)
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id", "")
        from_home = container.get("type") == "view"
        if from_home:
            asked_in = await self._in_dm(client, team, user)
        elif container.get("is_ephemeral"):
            asked_in = _Where(client, team, user, channel, respond=respond)
        elif channel.startswith("D"):
            asked_in = _Where(client, team, user, channel, ts=container.get("message_ts", ""))
        else:
            asked_in = _Where(client, team, user, channel, private=True)
        payload = await self._payload(action.get("value", ""))
        chat_id = asked_in.channel if asked_in.channel.startswith("D") else ""
        msg = await self._incoming(client, team, user, chat_id, payload=payload)
        where = await self._where_to_answer(asked_in, msg, body.get("trigger_id", ""))
        if where is None:
            return
        replies = await self._answer(msg)
        message = body.get("message") or {}
        if where.ts and message.get("blocks") and (not replies or replies[0].closes_previous):
            label = (action.get("text") or {}).get("text", "")
            await client.chat_update(
                channel=where.channel,
                ts=where.ts,
                text=message.get("text", ""),
                blocks=chosen(message["blocks"], label),
            )
        await self._deliver(where, replies, asked=msg)
        if from_home:
            await self._publish_home(client, team, user)

    async def _open_form(self, client: AsyncWebClient, msg: Incoming, trigger_id: str) -> bool:
        """A command with a form, given without its fields, opens the form (a modal) instead."""
        form = await self.assistant.form(msg) if trigger_id else None
        if form is None:
            return False
        try:
            await client.views_open(trigger_id=trigger_id, view=modal(form))
        except SlackApiError as error:  # the trigger expired (3 seconds): answer as typed instead
            log.warning("Slack views.open refused (%s); answering as typed", _code(error))
            return False
        return True

    async def _on_form(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A submitted modal runs its command; a refusal stays in the modal, beside its field."""
        user, team = body["user"]["id"], _team(context)
        line, values = submitted(view)
        # Slack waits 3 seconds for the answer to a submission: nothing but the command runs first.
        msg = await self._incoming(client, team, user, "", text=line, chat_kind="group")
        async with self._turns.of(msg.user_id):
            outcome = await self.assistant.submit(msg, values)
        if outcome.refusal is not None:
            await ack(response_action="errors", errors=inline_errors(view, outcome.refusal))
            return
        await ack()
        await self._deliver(await self._in_dm(client, team, user), outcome.replies)
        if outcome.home_changed:
            await self._publish_home(client, team, user)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        ERRORS.labels(PLATFORM, _code(error)).inc()
        log.error("Slack request %s failed", body.get("type", "?"), exc_info=error)

    async def _answer(self, msg: Incoming) -> list[Reply]:
        """One person's messages are answered one at a time, in order (see bot.turns)."""
        async with self._turns.of(msg.user_id):
            return await answer(self.assistant, msg)

    async def _incoming(
        self, client: AsyncWebClient, team: str, user: str, chat_id: str, **fields: Any
    ) -> Incoming:
        """`chat_id` is a DM channel or empty: the Identity keeps it as where proactive messages go."""
        name, zone, locale = await self._profile(client, user)
        return Incoming(
            PLATFORM,
            f"{team}:{user}",
            chat_id,
            display_name=name,
            timezone=zone,
            language_code=locale,
            **fields,
        )

    async def _profile(self, client: AsyncWebClient, user: str) -> tuple[str, str | None, str | None]:
        """Name, time zone and locale from users.info, to seed a new member's profile (cached)."""
        if user in self._profiles:
            return self._profiles[user]
        try:
            found = (await client.users_info(user=user, include_locale=True))["user"]
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user, _code(error))
            return "", None, None
        profile = found.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or found.get("name", "")
        return _remember(self._profiles, user, (name, found.get("tz"), found.get("locale")))

    async def _dm_channel(self, client: AsyncWebClient, team: str, user: str) -> str:
        """The person's DM with the bot of `team` (each workspace's bot has its own)."""
        key = f"{team}:{user}"
        if key not in self._dm_channels:
            opened = await client.conversations_open(users=user)
            channel = opened.get("channel")
            if not isinstance(channel, dict) or not channel.get("id"):
                raise SlackApiError("conversations.open answered without a channel", opened)
            _remember(self._dm_channels, key, str(channel["id"]))
        return self._dm_channels[key]

    async def _payload(self, value: str) -> str:
        if not value.startswith(KEPT_PREFIX):
            return value
        async with store_transaction(self.db) as store:
            kept = await store.buttons.lookup(value.removeprefix(KEPT_PREFIX))
        return kept if kept is not None else "/help"

    async def _keep_long(self, replies: Sequence[Reply]) -> dict[str, str]:
        """Button values for payloads over Slack's 2000 characters: a key to the payload in the store."""
        payloads = long_payloads(replies)
        if not payloads:
            return {}
        async with store_transaction(self.db) as store:
            buttons, now = store.buttons, self.assistant.clock()
            return {payload: KEPT_PREFIX + await buttons.keep(payload, now) for payload in payloads}

    async def _deliver(
        self,
        where: _Where,
        replies: Sequence[Reply],
        asked: Incoming | None = None,
        progress: Progress | None = None,
    ) -> None:
        """`asked`: the message answered, so that a reply to redraw (`Reply.refresh`) can be asked
        again. `progress` counts the messages out and leaves out those an earlier attempt sent."""
        progress = progress or Progress()
        values = await self._keep_long(replies)
        for index, reply in enumerate(replies):
            if reply.attachment is not None:
                if progress.due():
                    await self._upload(where, reply, reply.attachment)
                    progress.sent()
                continue
            for part, message in enumerate(
                render_reply(reply, values, await self._pictures(where.client, reply))
            ):
                if not progress.due():
                    continue
                replacing = index == 0 and part == 0 and reply.replaces_previous
                ts = await self._post_pictures(where, message, public=reply.public, replacing=replacing)
                progress.sent()
                if reply.refresh and asked is not None and ts:
                    self._watch(where.client, asked, reply.refresh, where.channel, ts)

    async def _post_pictures(
        self, where: _Where, message: SlackMessage, *, public: bool, replacing: bool
    ) -> str:
        """`_post`, and if Slack refuses the message's image blocks (a file it has not finished
        processing), the same message without them: the text matters more than the pictures."""
        try:
            return await self._post(where, message, public=public, replacing=replacing)
        except SlackApiError as error:
            kept = [block for block in message.blocks if block.get("type") != "image"]
            if _code(error) != "invalid_blocks" or len(kept) == len(message.blocks):
                raise
            ERRORS.labels(PLATFORM, "pictures_refused").inc()
            log.warning("Slack refused the pictures of a message (%s); sent without them", _code(error))
            return await self._post(
                where, SlackMessage(message.text, kept), public=public, replacing=replacing
            )

    def _watch(self, client: AsyncWebClient, asked: Incoming, refresh: str, channel: str, ts: str) -> None:
        """Redraw a DM message by running `refresh` again as the person who asked (bot/live.py)."""

        async def redraw() -> bool:
            replies = await self._answer(replace(asked, text="", payload=refresh))
            if not replies:
                return False
            values = await self._keep_long(replies[:1])
            message = render_reply(replies[0], values, await self._pictures(client, replies[0]))[0]
            await client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
            return replies[0].refresh is not None

        self.live.watch(f"{channel}:{ts}", redraw)

    async def _post(self, where: _Where, message: SlackMessage, *, public: bool, replacing: bool) -> str:
        """Post or replace one message; its `ts` when it is a DM message we can update later, else ""."""
        content: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        ts = ""
        if where.respond is not None:
            kind = "in_channel" if public else "ephemeral"
            sent = await where.respond(**content, response_type=kind, replace_original=replacing)
            if sent.status_code != 200:
                ERRORS.labels(PLATFORM, "respond_failed").inc()
                log.warning("Slack response_url refused a reply: %s %s", sent.status_code, sent.body)
                return ""
        elif replacing and where.ts:
            await where.client.chat_update(channel=where.channel, ts=where.ts, **content)
            ts = where.ts
        elif where.private and not public:
            await where.client.chat_postEphemeral(channel=where.channel, user=where.user, **content)
        else:
            posted = await where.client.chat_postMessage(channel=where.channel, **content)
            ts = str(posted.get("ts") or "") if where.channel.startswith("D") else ""
        REPLIES_OUT.labels(PLATFORM).inc()
        return ts

    async def _pictures(self, client: AsyncWebClient, reply: Reply) -> list[Block]:
        """The reply's pictures uploaded without sharing them anywhere, as image blocks for its
        message; if the upload fails the text still goes, without them."""
        if not reply.images:
            return []
        uploads = [
            {
                "content": image.content,
                "filename": image.filename,
                "title": image.filename,
                "alt_txt": image.filename,
            }
            for image in reply.images
        ]
        try:
            uploaded = await client.files_upload_v2(file_uploads=uploads)
            files = [str(file["id"]) for file in uploaded.get("files") or []]
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, KeyError, TypeError) as error:
            ERRORS.labels(PLATFORM, "upload_failed").inc()
            log.warning(
                "Slack upload of %d pictures failed (%s); sent without them", len(uploads), _code(error)
            )
            return []
        return [
            image_block(file_id, image.filename) for file_id, image in zip(files, reply.images, strict=False)
        ]

    async def _upload(self, where: _Where, reply: Reply, attachment: Attachment) -> None:
        """Files go to the member's DM (uploads cannot be ephemeral); a failed upload goes inline."""
        if where.channel.startswith("D"):
            dm = where.channel
        else:
            dm = await self._dm_channel(where.client, where.team, where.user)
        comment = "\n".join(message.text for message in render_reply(replace(reply, attachment=None)))
        try:
            await where.client.files_upload_v2(
                channel=dm,
                filename=attachment.filename,
                content=attachment.content,
                title=attachment.filename,
                initial_comment=comment or escape(attachment.filename),
            )
        except (SlackApiError, SlackRequestError, aiohttp.ClientError) as error:
            ERRORS.labels(PLATFORM, "upload_failed").inc()
            log.warning("Slack upload of %s failed (%s); sent inline", attachment.filename, _code(error))
            await self._deliver(where, [attachment_fallback(reply, attachment)])
            return
        REPLIES_OUT.labels(PLATFORM).inc()
        if dm != where.channel:
            sent = fill(
                reply.language,
                "📎 I sent you {filename} in our direct messages.",
                filename=attachment.filename,
            )
            note = SlackMessage(escape(sent))
            await self._post(where, note, public=False, replacing=False)


def _team(context: AsyncBoltContext) -> str:
    """The one rule for a person's workspace, for commands, messages and buttons alike (see the
    module's docstring): the workspace whose installation received the request."""
    return context.team_id or ""


def _workspace_name(workspace: Installed) -> str:
    """How the operator knows a workspace: its id and name (no token, nobody's data)."""
    if workspace.team_id and workspace.team_name:
        return f"{workspace.team_id} ({workspace.team_name})"
    return workspace.team_id or workspace.team_name


def _code(error: BaseException) -> str:
    """A short, bounded label for logs and the errors metric: Slack's error code or the class name.

    An answer that was not Slack's JSON has no code: slack_sdk then gives an empty response, or the
    raw aiohttp one for a body that broke off, so it is labelled by its HTTP status.
    """
    if isinstance(error, SlackApiError):
        data = getattr(error.response, "data", None)
        found = data.get("error") if isinstance(data, dict) else None
        return str(found) if isinstance(found, str) and found else f"http_{_status(error)}"
    return type(error).__name__


def _refused(status: int, reason: str) -> web.Response:
    """A request we do not take: counted by reason, answered with a status and no detail."""
    ERRORS.labels(PLATFORM, reason).inc()
    return web.json_response({"error": "invalid request"}, status=status)


def _status(error: SlackApiError) -> int:
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", 0)
    return int(status) if isinstance(status, int) else 0


def _retry_after(error: SlackApiError) -> float:
    try:  # aiohttp's headers are case-insensitive
        return float(error.response.headers.get("Retry-After", 1))
    except (TypeError, ValueError):
        return 1.0


def _remember(memory: dict[K, V], key: K, value: V) -> V:
    """Store in a bounded dict: the oldest entry goes when it is full (insertion order)."""
    memory[key] = value
    if len(memory) > REMEMBERED:
        del memory[next(iter(memory))]
    return value
