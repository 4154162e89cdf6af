"""The Slack adapter: bolt's AsyncApp in, Block Kit out; it translates and never decides.

Every surface (the `/cluster` slash command, DMs, mentions, buttons, the App Home) becomes an
`Incoming` for the Assistant, and its replies go back where the person is: through `respond` for
slash commands and ephemeral messages, as an ephemeral message in shared channels unless the
reply is public, and as ordinary messages in the member's DM with the bot.
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
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.credentials import CredentialCheck
from bot.http import HttpServer
from bot.settings import Settings
from bot.slack_forms import FORM_CALLBACK, inline_errors, modal, submitted
from bot.slack_render import (
    ACTION_PREFIX,
    SLASH_COMMAND,
    SlackMessage,
    attachment_fallback,
    chosen,
    escape,
    home_view,
    long_payloads,
    render_reply,
)
from bot.turns import Turns
from core.adapter import Recipient, SendResult
from core.metrics import ERRORS, REPLIES_OUT, answer
from core.types import Attachment, Incoming, Reply, fill
from handlers.engine.assistant import Assistant
from handlers.home import home_commands
from store.db import Database
from store.repository import store_transaction

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")

PLATFORM = "slack"
# Errors after which writing to this person again cannot work until they come back themselves.
UNREACHABLE = frozenset(
    {"account_inactive", "channel_not_found", "not_in_channel", "user_not_found", "user_disabled"}
)
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
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_base_url,
            # One wait in place; a second refusal goes back to the caller (for the outbox: a retry later),
            # so a delivery worker is never parked on one message.
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=1),
                AsyncRateLimitErrorRetryHandler(max_retry_count=1),
                AsyncServerErrorRetryHandler(max_retry_count=1),
            ],
        )
        socket_mode = bool(settings.slack_app_token)
        # HTTP requests are verified in _on_http, before their body is parsed or logged by anyone;
        # Socket Mode frames come over our own authenticated connection and are not signed.
        secret = settings.slack_signing_secret
        self._verifier = SignatureVerifier(secret) if secret and not socket_mode else None
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=False,
        )
        self.app.middleware(self._run_once)
        self.app.command(SLASH_COMMAND)(self._on_command)
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("app_home_opened")(self._on_home_opened)
        self.app.action(re.compile(rf"^{ACTION_PREFIX}\d+$"))(self._on_action)
        self.app.view(FORM_CALLBACK)(self._on_form)
        self.app.error(self._on_error)
        self._socket: AsyncSocketModeHandler | None = None
        self.credentials = CredentialCheck(PLATFORM, "auth.test", self.client.auth_test, _code)
        self._failures = 0
        self._profiles: dict[str, tuple[str, str | None, str | None]] = {}
        self._dm_channels: dict[str, str] = {}
        self._turns = Turns()
        if http is not None:
            # Routes must exist before the server starts, so they are added here rather than in start().
            if not socket_mode:
                http.add_route("POST", "/slack/events", self._on_http)
            http.add_check(PLATFORM, self._health)

    async def start(self) -> None:
        try:
            await self.client.auth_test()
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

    async def send(self, to: Recipient, replies: Sequence[Reply]) -> SendResult:
        """A proactive DM; the outcome tells the outbox whether and when to try again."""
        user = to.user_id.partition(":")[2] or to.user_id
        try:
            await self._deliver(_Where(user, await self._dm_channel(user)), replies)
        except SlackApiError as error:
            return await self._send_failed(to, user, error)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            ERRORS.labels(PLATFORM, "network").inc()
            return SendResult("retry", retry_after=self._backoff(), error=_code(error))
        self._failures = 0
        return SendResult("sent")

    async def user_by_email(self, email: str) -> str | None:
        """The workspace account (`TEAM:USER`, as identities hold it) with this e-mail address, for
        invitations; None when there is none."""
        try:
            found = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if _code(error) == "users_not_found":
                return None
            raise
        return f"{found['user'].get('team_id', '')}:{found['user']['id']}"

    async def _send_failed(self, to: Recipient, user: str, error: SlackApiError) -> SendResult:
        code, status = _code(error), _status(error)
        ERRORS.labels(PLATFORM, code).inc()
        if status == 429:
            return SendResult("retry", retry_after=_retry_after(error), error=code)
        if code in UNREACHABLE:
            async with store_transaction(self.db) as store:
                await store.people.mark_unreachable(PLATFORM, to.user_id)
            self._dm_channels.pop(user, None)
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

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        channel, user = body.get("channel_id", ""), body["user_id"]
        text = "/" + ((body.get("text") or "").strip().removeprefix("/") or "help")
        dm, kind = (channel, "private") if channel.startswith("D") else ("", "group")
        msg = await self._incoming(body["team_id"], user, dm, text=text, chat_kind=kind)
        if await self._open_form(msg, body.get("trigger_id", "")):
            return
        await self._deliver(_Where(user, channel, respond=respond), await self._answer(msg))

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """DMs to the bot; edits, joins and bot messages (subtypes) are not someone talking to us."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user, channel = event["user"], event["channel"]
        msg = await self._incoming(body.get("team_id", ""), user, channel, text=event.get("text", ""))
        await self._deliver(_Where(user, channel), await self._answer(msg))

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user, channel = event["user"], event["channel"]
        text = MENTION.sub("", event.get("text", "")).strip()
        msg = await self._incoming(body.get("team_id", ""), user, "", text=text, chat_kind="group")
        await self._deliver(_Where(user, channel, private=True), await self._answer(msg))

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            await self._publish_home(body.get("team_id", ""), event["user"])

    async def _publish_home(self, team: str, user: str) -> None:
        asking = await self._incoming(team, user, "")
        parts = []
        home = await home_commands(
            self.db, PLATFORM, asking.user_id, asking.language_code, self.assistant.options
        )
        for title, command in home.parts:
            parts.append((title, await self._answer(replace(asking, text=command))))
        values = await self._keep_long([reply for _, replies in parts for reply in replies])
        await self.client.views_publish(user_id=user, view=home_view(home.actions, parts, values))

    async def _on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user = body["user"]["id"]
        team = body["user"].get("team_id") or (body.get("team") or {}).get("id", "")
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id", "")
        from_home = container.get("type") == "view"
        if from_home:
            where = _Where(user, await self._dm_channel(user))
        elif container.get("is_ephemeral"):
            where = _Where(user, channel, respond=respond)
        elif channel.startswith("D"):
            where = _Where(user, channel, ts=container.get("message_ts", ""))
        else:
            where = _Where(user, channel, private=True)
        payload = await self._payload(action.get("value", ""))
        chat_id = where.channel if where.channel.startswith("D") else ""
        msg = await self._incoming(team, user, chat_id, payload=payload)
        if await self._open_form(msg, body.get("trigger_id", "")):
            return
        replies = await self._answer(msg)
        message = body.get("message") or {}
        if where.ts and message.get("blocks") and not (replies and replies[0].replaces_previous):
            label = (action.get("text") or {}).get("text", "")
            await self.client.chat_update(
                channel=where.channel,
                ts=where.ts,
                text=message.get("text", ""),
                blocks=chosen(message["blocks"], label),
            )
        await self._deliver(where, replies)
        if from_home:
            await self._publish_home(team, user)

    async def _open_form(self, msg: Incoming, trigger_id: str) -> bool:
        """A command with a form, given without its fields, opens the form (a modal) instead."""
        form = await self.assistant.form(msg) if trigger_id else None
        if form is None:
            return False
        try:
            await self.client.views_open(trigger_id=trigger_id, view=modal(form))
        except SlackApiError as error:  # the trigger expired (3 seconds): answer as typed instead
            log.warning("Slack views.open refused (%s); answering as typed", _code(error))
            return False
        return True

    async def _on_form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted modal runs its command; a refusal stays in the modal, beside its field."""
        user = body["user"]["id"]
        team = body["user"].get("team_id") or (body.get("team") or {}).get("id", "")
        line, values = submitted(view)
        # Slack waits 3 seconds for the answer to a submission: nothing but the command runs first.
        msg = await self._incoming(team, user, "", text=line, chat_kind="group")
        async with self._turns.of(msg.user_id):
            outcome = await self.assistant.submit(msg, values)
        if outcome.refusal is not None:
            await ack(response_action="errors", errors=inline_errors(view, outcome.refusal))
            return
        await ack()
        await self._deliver(_Where(user, await self._dm_channel(user)), outcome.replies)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        ERRORS.labels(PLATFORM, _code(error)).inc()
        log.error("Slack request %s failed", body.get("type", "?"), exc_info=error)

    async def _answer(self, msg: Incoming) -> list[Reply]:
        """One person's messages are answered one at a time, in order (see bot.turns)."""
        async with self._turns.of(msg.user_id):
            return await answer(self.assistant, msg)

    async def _incoming(self, team: str, user: str, chat_id: str, **fields: Any) -> Incoming:
        """`chat_id` is a DM channel or empty: the Identity keeps it as where proactive messages go."""
        name, zone, locale = await self._profile(user)
        return Incoming(
            PLATFORM,
            f"{team}:{user}",
            chat_id,
            display_name=name,
            timezone=zone,
            language_code=locale,
            **fields,
        )

    async def _profile(self, user: str) -> tuple[str, str | None, str | None]:
        """Name, time zone and locale from users.info, to seed a new member's profile (cached)."""
        if user in self._profiles:
            return self._profiles[user]
        try:
            found = (await self.client.users_info(user=user, include_locale=True))["user"]
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user, _code(error))
            return "", None, None
        profile = found.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or found.get("name", "")
        return _remember(self._profiles, user, (name, found.get("tz"), found.get("locale")))

    async def _dm_channel(self, user: str) -> str:
        if user not in self._dm_channels:
            opened = await self.client.conversations_open(users=user)
            channel = opened.get("channel")
            if not isinstance(channel, dict) or not channel.get("id"):
                raise SlackApiError("conversations.open answered without a channel", opened)
            _remember(self._dm_channels, user, str(channel["id"]))
        return self._dm_channels[user]

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

    async def _deliver(self, where: _Where, replies: Sequence[Reply]) -> None:
        values = await self._keep_long(replies)
        for index, reply in enumerate(replies):
            if reply.attachment is not None:
                await self._upload(where, reply, reply.attachment)
                continue
            for part, message in enumerate(render_reply(reply, values)):
                replacing = index == 0 and part == 0 and reply.replaces_previous
                await self._post(where, message, public=reply.public, replacing=replacing)

    async def _post(self, where: _Where, message: SlackMessage, *, public: bool, replacing: bool) -> None:
        content: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        if where.respond is not None:
            kind = "in_channel" if public else "ephemeral"
            sent = await where.respond(**content, response_type=kind, replace_original=replacing)
            if sent.status_code != 200:
                ERRORS.labels(PLATFORM, "respond_failed").inc()
                log.warning("Slack response_url refused a reply: %s %s", sent.status_code, sent.body)
                return
        elif replacing and where.ts:
            await self.client.chat_update(channel=where.channel, ts=where.ts, **content)
        elif where.private and not public:
            await self.client.chat_postEphemeral(channel=where.channel, user=where.user, **content)
        else:
            await self.client.chat_postMessage(channel=where.channel, **content)
        REPLIES_OUT.labels(PLATFORM).inc()

    async def _upload(self, where: _Where, reply: Reply, attachment: Attachment) -> None:
        """Files go to the member's DM (uploads cannot be ephemeral); a failed upload goes inline."""
        dm = where.channel if where.channel.startswith("D") else await self._dm_channel(where.user)
        comment = "\n".join(message.text for message in render_reply(replace(reply, attachment=None)))
        try:
            await self.client.files_upload_v2(
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
