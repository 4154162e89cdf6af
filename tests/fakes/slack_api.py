"""A fake Slack for tests: the Web API on 127.0.0.1, and the signed requests Slack sends to apps.

The Web API validates like Slack where it matters to us (no_text, invalid_blocks, msg_too_long,
a response_url used at most five times), answers 429 with Retry-After when a method is throttled
or over its configured rate, and lets a test make one person unreachable (account_inactive…).
Everything it receives is recorded for assertions, each call with the token it used.

Several workspaces: `add_workspace` arranges a workspace whose installation, through the OAuth
flow, trades a code for its own bot token (`oauth.v2.access`, with the app's client id and secret);
`auth.test` answers for the workspace of the token it is called with, a user is known only to
their own workspace's token, and `uninstall` revokes a workspace's token as Slack does.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from tests.fakes import WAIT_SECONDS

TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
APP_ID = "A0TEST"
Params = dict[str, Any]
# The methods random failures (`failure_rates`) apply to: the ones that deliver a message.
POSTING_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
# A 200 that is not a Web API answer: a proxy's HTML page, a body cut off half-way, `ok` alone.
GARBAGE = {
    "html": ("text/html", b"<html><body><h1>Service temporarily overloaded</h1></body></html>"),
    "truncated": ("application/json", b'{"ok": true, "channel": {"id": "D0'),
    "no_result": ("application/json", b'{"ok": true}'),
}


class SlackError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


@dataclass
class Call:
    method: str
    params: Params
    status: int = 200
    token: str = ""  # the bearer token it came with


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral_for: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Response:
    """One POST to a response_url."""

    url_id: str
    body: dict[str, Any]


def sign(body: str | bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds: v0 HMAC-SHA256 of `v0:timestamp:body` with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _text_object(obj: Any, *, limit: int, plain_only: bool = False) -> None:
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        raise SlackError("invalid_blocks", f"bad text object {obj!r}")
    if not 1 <= len(obj.get("text", "")) <= limit:
        raise SlackError("invalid_blocks", f"text length {len(obj.get('text', ''))} outside 1..{limit}")


def validate_blocks(blocks: Any, *, limit: int = 50, files: dict[str, Params] | None = None) -> None:
    """The Block Kit rules our renderer must respect (a subset of Slack's, same answers)."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise SlackError("invalid_blocks", f"more than {limit} blocks")
    action_ids: set[str] = set()
    block_ids: set[str] = set()

    def button(element: Any) -> None:
        _text_object(element.get("text"), limit=75, plain_only=True)
        if element.get("type") != "button" or not 1 <= len(element.get("value", "")) <= 2000:
            raise SlackError("invalid_blocks", f"bad button {element!r}")
        if not 1 <= len(str(element.get("action_id", ""))) <= 255:
            raise SlackError("invalid_blocks", "action_id needs 1..255 characters")
        if element.get("action_id") in action_ids:
            raise SlackError("invalid_blocks", "duplicate action_id")
        action_ids.add(element.get("action_id"))

    for block in blocks:
        kind = block.get("type")
        if "block_id" in block:
            # Slack: "block_id should be unique for each message", of at most 255 characters.
            if not 1 <= len(str(block["block_id"])) <= 255 or block["block_id"] in block_ids:
                raise SlackError("invalid_blocks", f"duplicate or bad block_id {block['block_id']!r}")
            block_ids.add(block["block_id"])
        if kind == "section":
            _section(block, button)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                raise SlackError("invalid_blocks", "context needs 1..10 elements")
            for element in elements:
                _text_object(element, limit=3000)
        elif kind == "header":
            _text_object(block.get("text"), limit=150, plain_only=True)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                raise SlackError("invalid_blocks", "actions needs 1..25 elements")
            for element in elements:
                button(element)
        elif kind == "image":
            _image(block, files)
        elif kind != "divider":
            raise SlackError("invalid_blocks", f"unknown block type {kind!r}")


def _section(block: dict[str, Any], button: Callable[[Any], None]) -> None:
    """A section: text of up to 3000 (optional with fields), up to 10 fields of 2000, a button beside."""
    fields = block.get("fields")
    if "text" in block or fields is None:
        _text_object(block.get("text"), limit=3000)
    if fields is not None:
        if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
            raise SlackError("invalid_blocks", "a section holds 1..10 fields")
        for field in fields:
            _text_object(field, limit=2000)
    if "accessory" in block:
        button(block["accessory"])


def _texts(value: Any) -> list[str]:
    """Every `text` string inside a block tree (what Slack adds up for msg_blocks_too_long)."""
    if isinstance(value, dict):
        return [
            text
            for key, item in value.items()
            for text in ([item] if key == "text" and isinstance(item, str) else _texts(item))
        ]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


# Slack's cumulative limit on the text of a message's blocks (far below the 40,000 of `text`).
BLOCK_TEXT_LIMIT = 12_000


def _image(block: dict[str, Any], files: dict[str, Params] | None) -> None:
    """An image block: alt text, and either a public URL or a file uploaded to this workspace."""
    if not 1 <= len(block.get("alt_text", "")) <= 2000:
        raise SlackError("invalid_blocks", "image needs alt_text")
    if ("image_url" in block) == ("slack_file" in block):
        raise SlackError("invalid_blocks", "image needs one of image_url and slack_file")
    if "slack_file" in block:
        file = (files or {}).get(str((block["slack_file"] or {}).get("id", "")))
        if file is None or not file.get("completed"):
            raise SlackError("invalid_blocks", "slack_file is not an uploaded file")


def validate_message(
    params: Params, files: dict[str, Params] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = params.get("text") or "", _json(params.get("blocks")) or []
    if not text and not blocks:
        raise SlackError("no_text")
    if len(text) > 40_000:
        raise SlackError("msg_too_long")
    validate_blocks(blocks, files=files)
    if sum(map(len, _texts(blocks))) > BLOCK_TEXT_LIMIT:
        raise SlackError("msg_blocks_too_long")
    return text, blocks


SELECTS = ("static_select", "multi_static_select")


def _select(element: dict[str, Any]) -> None:
    """A menu of 1..100 options (text of 75, value of 150); what it starts from is one of them."""
    options = element.get("options") or []
    if not 1 <= len(options) <= 100:
        raise SlackError("invalid_blocks", "a select needs 1..100 options")
    for option in options:
        _text_object(option.get("text"), limit=75, plain_only=True)
        if not 1 <= len(str(option.get("value", ""))) <= 150:
            raise SlackError("invalid_blocks", f"bad option value {option!r}")
    initial = element.get(
        "initial_options", [element["initial_option"]] if "initial_option" in element else []
    )
    if element["type"] == "static_select" and "initial_options" in element:
        raise SlackError("invalid_blocks", "a static_select starts from one initial_option")
    if any(option not in options for option in initial):
        raise SlackError("invalid_blocks", "an initial option is not one of the options")
    if len(initial) > int(element.get("max_selected_items", 100)):
        raise SlackError("invalid_blocks", "more initial options than max_selected_items")


def validate_modal(view: Any) -> None:
    """A modal as views.open takes it: titles of 24, inputs named once, text inputs within 3000."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise SlackError("invalid_arguments", "not a modal")
    _text_object(view.get("title"), limit=24, plain_only=True)
    if len(str(view.get("private_metadata", ""))) > 3000 or len(str(view.get("callback_id", ""))) > 255:
        raise SlackError("invalid_arguments", "private_metadata or callback_id too long")
    inputs = [block for block in view.get("blocks") or [] if block.get("type") == "input"]
    if inputs:
        _text_object(view.get("submit"), limit=24, plain_only=True)
    if "close" in view:
        _text_object(view["close"], limit=24, plain_only=True)
    validate_blocks([block for block in view.get("blocks") or [] if block.get("type") != "input"], limit=100)
    if len(view.get("blocks") or []) > 100:
        raise SlackError("invalid_blocks", "more than 100 blocks")
    names: set[str] = set()
    for block in inputs:
        _text_object(block.get("label"), limit=2000, plain_only=True)
        element = block.get("element") or {}
        if element.get("type") not in ("plain_text_input", *SELECTS) or not element.get("action_id"):
            raise SlackError("invalid_blocks", f"bad input element {element!r}")
        if element["type"] in SELECTS:
            _select(element)
        else:
            most = int(element.get("max_length", 3000))
            if not 1 <= most <= 3000 or len(element.get("initial_value", "")) > most:
                raise SlackError("invalid_blocks", "initial_value longer than max_length")
        if "placeholder" in element:
            _text_object(element["placeholder"], limit=150, plain_only=True)
        if block.get("block_id") in names:
            raise SlackError("invalid_blocks", "duplicate block_id")
        names.add(block.get("block_id"))


class FakeSlackApi:
    """The Web API methods the adapter calls, plus the upload URL and response_url endpoints."""

    def __init__(self, *, failure_rates: dict[str, float] | None = None, seed: int = 0) -> None:
        """`failure_rates` refuses that share of posts at random: {"429": 0.02, "5xx": 0.01}."""
        self.failure_rates = dict(failure_rates or {})
        unknown = set(self.failure_rates) - {"429", "5xx"}
        if unknown:
            raise ValueError(f"unknown failure kinds {sorted(unknown)}: use '429' and '5xx'")
        self._random = random.Random(seed)
        self.calls: list[Call] = []
        self.users: dict[str, Params] = {}
        self.messages: dict[str, Message] = {}
        self.ephemeral: list[Message] = []
        self.responses: list[Response] = []
        self.views: dict[str, Params] = {}
        self.modals: list[Params] = []  # opened with views.open, newest last
        self.triggers: set[str] = set()  # trigger ids Slack handed out and that were not used yet
        self.files: dict[str, Params] = {}
        self.unreachable: dict[str, str] = {}
        self.tokens: dict[str, str] = {TOKEN: TEAM_ID}  # bot token -> its workspace
        self.workspaces: dict[str, str] = {TEAM_ID: "Test"}  # team id -> name
        self.codes: dict[str, str] = {}  # OAuth code -> the workspace that installs with it
        self.revoked: set[str] = set()  # tokens of workspaces that removed the app
        self._org_wide: set[str] = set()  # codes of Enterprise Grid org-wide installs
        self.rates: dict[str, int] = {}
        self.retry_after = 1
        self._throttled: dict[str, int] = defaultdict(int)
        # None: that call is answered as usual
        self._failures: dict[str, list[tuple[int, str] | None]] = defaultdict(list)
        self._refused_in: dict[tuple[str, str], str] = {}  # (workspace, method) -> its error
        self._garbage: dict[str, list[str]] = defaultdict(list)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed = asyncio.Condition()
        app = web.Application(middlewares=[self._notify])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{url_id}", self._respond)
        self.app = app
        self._methods: dict[str, Callable[[Params], Params]] = {
            "oauth.v2.access": self._oauth_access,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "users.info": self._users_info,
            "views.publish": self._publish,
            "views.open": self._open_view,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        # Methods whose answer depends on the workspace of the token used.
        self._team_methods: dict[str, Callable[[Params, str], Params]] = {
            "auth.test": self._auth_test,
            "conversations.open": self._open,
            "users.lookupByEmail": self._lookup_by_email,
        }

    async def __aenter__(self) -> FakeSlackApi:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None and site._server.sockets
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/response/R{next(self._numbers)}"

    # What tests arrange.
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "Europe/Madrid",
        locale: str = "es-ES",
        email: str = "",
        team: str = TEAM_ID,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "tz": tz,
            "locale": locale,
            "profile": {"display_name": name, "real_name": name, "email": email},
        }

    def add_workspace(self, team_id: str, name: str, *, org_wide: bool = False) -> str:
        """A workspace that will install the app; returns the code Slack gives its installer.
        `org_wide`: an Enterprise Grid organisation installs it for all its workspaces at once."""
        self.workspaces[team_id] = name
        code = f"code-{team_id}-{next(self._numbers)}"
        self.codes[code] = team_id
        if org_wide:
            self._org_wide.add(code)
        return code

    def uninstall(self, team_id: str) -> None:
        """The workspace removed the app: its tokens stop working (Slack answers token_revoked)."""
        self.revoked |= {token for token, team in self.tokens.items() if team == team_id}
        self.tokens = {token: team for token, team in self.tokens.items() if team != team_id}

    def tokens_used(self, method: str) -> list[str]:
        """The tokens of the successful calls of `method`, in order."""
        return [call.token for call in self.calls if call.method == method and call.status == 200]

    def posted_with(self) -> list[tuple[str, str, str]]:
        """(channel, token, text) of every message posted (chat.postMessage), in order."""
        return [
            (str(call.params.get("channel")), call.token, str(call.params.get("text")))
            for call in self.calls
            if call.method == "chat.postMessage" and call.status == 200
        ]

    def throttle(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` get 429 with Retry-After."""
        self._throttled[method] += times

    def fail(self, method: str, error: str, *, status: int = 200, times: int = 1, after: int = 0) -> None:
        """The next `times` calls of `method`, after `after` answered as usual, get `error`."""
        self._failures[method].extend([None] * after + [(status, error)] * times)

    def refuse_in(self, team_id: str, method: str, error: str) -> None:
        """Every call of `method` with that workspace's token gets `error` (say, missing_scope when
        its install did not grant users:read.email)."""
        self._refused_in[(team_id, method)] = error

    def garble(self, method: str, kind: str = "html", *, times: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 200 with a `GARBAGE[kind]` body and do nothing."""
        if kind not in GARBAGE:
            raise ValueError(f"unknown garbage {kind!r}: use one of {sorted(GARBAGE)}")
        self._garbage[method].extend([kind] * times)

    def calls_to(self, method: str) -> list[Params]:
        return [call.params for call in self.calls if call.method == method and call.status == 200]

    def dm_messages(self, user: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == f"D{user}"]

    async def wait_for(self, condition: Callable[[], object]) -> None:
        """Bolt answers Slack first and works after, so tests wait for the work's visible effect."""
        try:
            async with asyncio.timeout(WAIT_SECONDS), self._changed:
                await self._changed.wait_for(condition)
        except TimeoutError:
            raise AssertionError(f"timed out; calls: {[c.method for c in self.calls]}") from None

    # The HTTP side.
    @web.middleware
    async def _notify(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Params = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())
        authorization = request.headers.get("Authorization", "")
        call = Call(method, params, token=authorization.removeprefix("Bearer "))
        self.calls.append(call)
        refusal = self._refusal(authorization, method)
        if refusal is not None:
            call.status = refusal.status
            return refusal
        try:
            if method in self._team_methods:
                result = self._team_methods[method](params, self.tokens[call.token])
            else:
                result = self._methods[method](params)
        except KeyError:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        except SlackError as error:
            return web.json_response({"ok": False, "error": error.code, "errors": [error.detail]})
        return web.json_response({"ok": True, **result})

    def _refusal(self, authorization: str, method: str) -> web.Response | None:
        if method == "oauth.v2.access":
            app = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if authorization != f"Basic {app}":
                return web.json_response({"ok": False, "error": "invalid_client_id"})
        elif authorization.removeprefix("Bearer ") in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        elif authorization.removeprefix("Bearer ") not in self.tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        now, recent = time.monotonic(), self._recent[method]
        while recent and recent[0] < now - 1:
            recent.popleft()
        over_rate = method in self.rates and len(recent) >= self.rates[method]
        if self._throttled[method] > 0 or over_rate:
            self._throttled[method] = max(0, self._throttled[method] - 1)
            headers = {"Retry-After": str(self.retry_after)}
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        recent.append(now)
        injected = self._random_refusal(method)
        if injected is not None:
            return injected
        team = self.tokens.get(authorization.removeprefix("Bearer "), "")
        if refused := self._refused_in.get((team, method)):
            return web.json_response({"ok": False, "error": refused})
        if self._failures[method] and (failure := self._failures[method].pop(0)) is not None:
            status, error = failure
            return web.json_response({"ok": False, "error": error}, status=status)
        if self._garbage[method]:
            content_type, body = GARBAGE[self._garbage[method].pop(0)]
            return web.Response(body=body, content_type=content_type)
        return None

    def _random_refusal(self, method: str) -> web.Response | None:
        """A random 429 or 500 on a post, as a busy Slack gives now and then (see `failure_rates`)."""
        if not self.failure_rates or method not in POSTING_METHODS:
            return None
        roll = self._random.random()
        if roll < self.failure_rates.get("429", 0.0):
            headers = {"Retry-After": str(self.retry_after)}
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        if roll < self.failure_rates.get("429", 0.0) + self.failure_rates.get("5xx", 0.0):
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        return None

    def _auth_test(self, _params: Params, team: str) -> Params:
        bot = "" if team == TEAM_ID else team
        return {
            "team": self.workspaces.get(team, team),
            "team_id": team,
            "user": "clusterbot",
            "user_id": f"{BOT_USER_ID}{bot}",
            "bot_id": f"B0BOT{bot}",
        }

    def _oauth_access(self, params: Params) -> Params:
        """A code is good once and gives its workspace a bot token of its own."""
        code = str(params.get("code") or "")
        team = self.codes.pop(code, None)
        if team is None:
            raise SlackError("invalid_code")
        token = f"xoxb-{team}-{next(self._numbers)}"
        self.tokens[token] = team
        answer: Params = {
            "app_id": APP_ID,
            "authed_user": {"id": f"U0ADMIN{team}"},
            "scope": str(params.get("scope") or "chat:write,commands"),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": f"{BOT_USER_ID}{team}",
            "team": {"id": team, "name": self.workspaces[team]},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if code in self._org_wide:
            answer.update(team=None, enterprise={"id": f"E{team}", "name": self.workspaces[team]})
            answer["is_enterprise_install"] = True
        return answer

    def _channel(self, params: Params) -> str:
        channel = str(params.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        if channel.startswith("D") and channel[1:] in self.unreachable:
            raise SlackError(self.unreachable[channel[1:]])
        return channel

    def _post_message(self, params: Params) -> Params:
        channel = self._channel(params)
        text, blocks = validate_message(params, self.files)
        ts = f"{time.time():.0f}.{next(self._numbers):06d}"
        self.messages[ts] = Message(channel, ts, text, blocks)
        return {"channel": channel, "ts": ts, "message": {"text": text, "blocks": blocks, "ts": ts}}

    def _update(self, params: Params) -> Params:
        channel = self._channel(params)
        message = self.messages.get(str(params.get("ts")))
        if message is None or message.channel != channel:
            raise SlackError("message_not_found")
        message.history.append({"text": message.text, "blocks": message.blocks})
        message.text, message.blocks = validate_message(params, self.files)
        return {"channel": channel, "ts": message.ts}

    def _post_ephemeral(self, params: Params) -> Params:
        channel = self._channel(params)
        text, blocks = validate_message(params, self.files)
        ts = f"{time.time():.0f}.{next(self._numbers):06d}"
        self.ephemeral.append(Message(channel, ts, text, blocks, ephemeral_for=str(params.get("user"))))
        return {"message_ts": ts}

    def _open(self, params: Params, team: str) -> Params:
        """A DM with a person of the token's own workspace only."""
        user = str(params.get("users") or "")
        if user in self.unreachable:
            raise SlackError(self.unreachable[user])
        if user not in self.users or self.users[user]["team_id"] != team:
            raise SlackError("user_not_found")
        return {"channel": {"id": f"D{user}"}}

    def _users_info(self, params: Params) -> Params:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        include_locale = str(params.get("include_locale")).lower() in ("1", "true")
        return {"user": user if include_locale else {k: v for k, v in user.items() if k != "locale"}}

    def _lookup_by_email(self, params: Params, team: str) -> Params:
        """Like Slack: a user of the token's workspace whose address matches case-insensitively; no
        match is the error users_not_found."""
        wanted = str(params.get("email") or "").lower()
        for user in self.users.values():
            if wanted and user["team_id"] == team and user["profile"]["email"].lower() == wanted:
                return {"user": user}
        raise SlackError("users_not_found")

    def _publish(self, params: Params) -> Params:
        view = _json(params.get("view"))
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError("invalid_arguments")
        validate_blocks(view.get("blocks"), limit=100)
        self.views[str(params.get("user_id"))] = view
        return {"view": {"id": f"V{next(self._numbers)}", **view}}

    def trigger(self) -> str:
        """A trigger id, as Slack sends with a slash command or a press: it opens one modal."""
        trigger = f"{next(self._numbers)}.{int(time.time())}.trigger"
        self.triggers.add(trigger)
        return trigger

    def _open_view(self, params: Params) -> Params:
        trigger = str(params.get("trigger_id") or "")
        if trigger not in self.triggers:
            raise SlackError("invalid_trigger_id" if trigger else "invalid_arguments")
        view = _json(params.get("view"))
        validate_modal(view)
        self.triggers.discard(trigger)
        opened = {"id": f"V{next(self._numbers)}", **view}
        self.modals.append(opened)
        return {"view": opened}

    def _upload_url(self, params: Params) -> Params:
        file_id = f"F{next(self._numbers)}"
        self.files[file_id] = {"filename": params.get("filename"), "length": int(params.get("length", 0))}
        return {"file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    def _complete_upload(self, params: Params) -> Params:
        done = []
        for item in _json(params.get("files")):
            file = self.files.get(item["id"])
            if file is None or "content" not in file:
                raise SlackError("file_not_found")
            file.update(
                channel=params.get("channel_id"), comment=params.get("initial_comment"), completed=True
            )
            done.append({"id": item["id"], "title": item.get("title")})
        return {"files": done}

    def shared_files(self) -> list[dict[str, Any]]:
        """Files whose upload was completed (content sent and `completeUploadExternal` called):
        what a member can open. A file only asked for (`getUploadURLExternal`) is not one yet."""
        return [file for file in self.files.values() if file.get("completed")]

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="not found")
        file["content"] = await request.read()
        return web.Response(text=f"OK - {len(file['content'])}")

    async def _respond(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        if sum(r.url_id == url_id for r in self.responses) >= 5:
            return web.Response(status=404, text="used_url")
        body = await request.json()
        try:
            validate_message(body, self.files)
        except SlackError as error:
            return web.Response(status=400, text=error.code)
        self.responses.append(Response(url_id, body))
        return web.Response(text="ok")


def _state(element: Params, typed: str | None) -> Params:
    """An input as a view_submission reports it: the text typed, or the option(s) picked by value
    (several separated by commas); an input not named keeps what it started from."""
    kind = element["type"]
    if kind not in SELECTS:
        return {"type": kind, "value": (typed if typed is not None else element.get("initial_value")) or None}
    if typed is None:
        picked = element.get(
            "initial_options", [element["initial_option"]] if "initial_option" in element else []
        )
    else:
        wanted = [value.strip() for value in typed.split(",") if value.strip()]
        picked = [option for option in element["options"] if option["value"] in wanted]
        if len(picked) != len(wanted):
            raise AssertionError(f"{typed!r} is not among the options offered")
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": picked}
    return {"type": kind, "selected_option": picked[0] if picked else None}


class SlackSender:
    """What Slack itself sends to the app's request URL, signed as Slack signs it."""

    def __init__(self, url: str, *, secret: str = SIGNING_SECRET, api: FakeSlackApi | None = None) -> None:
        """With `api`, slash commands and presses carry trigger ids that api's views.open accepts."""
        self.url, self.secret, self.api = url, secret, api
        self._numbers = itertools.count(1)

    def _trigger(self) -> str:
        return self.api.trigger() if self.api is not None else "1.2.3"

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None, **signing: Any
    ) -> tuple[int, str]:
        sent = {"Content-Type": content_type, **sign(body, secret=self.secret, **signing), **(headers or {})}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=sent) as response,
        ):
            return response.status, await response.text()

    def event_body(self, event: Params, *, event_id: str | None = None, team: str = TEAM_ID) -> str:
        envelope = {
            "type": "event_callback",
            "team_id": team,
            "api_app_id": "A0TEST",
            "event": event,
            "event_id": event_id or f"Ev{next(self._numbers):08d}",
            "event_time": int(time.time()),
        }
        return json.dumps(envelope)

    async def event(
        self, event: Params, *, event_id: str | None = None, team: str = TEAM_ID, **options: Any
    ) -> tuple[int, str]:
        body = self.event_body(event, event_id=event_id, team=team)
        return await self.post(body, "application/json", **options)

    async def dm(self, user: str, text: str, *, team: str = TEAM_ID, **options: Any) -> tuple[int, str]:
        event = {"type": "message", "channel_type": "im", "channel": f"D{user}", "user": user, "text": text}
        return await self.event({**event, "ts": f"{time.time():.6f}"}, team=team, **options)

    async def slash(
        self, user: str, text: str, response_url: str, *, channel: str = "C0GENERAL", team: str = TEAM_ID
    ) -> tuple[int, str]:
        form = {
            "command": "/cluster",
            "text": text,
            "team_id": team,
            "user_id": user,
            "channel_id": channel,
            "response_url": response_url,
            "trigger_id": self._trigger(),
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def click(
        self,
        user: str,
        button: Params,
        *,
        container: Params,
        team: str = TEAM_ID,
        user_team: str = "",
        **extra: Any,
    ) -> tuple[int, str]:
        """A press on `button` (a block element as the app sent it) inside `container`, received by
        the installation in `team`; `user_team` is the presser's own workspace when it is another
        (a Slack Connect guest)."""
        action = {**button, "block_id": "b", "action_ts": f"{time.time():.6f}"}
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": user_team or team},
            "team": {"id": team},
            "api_app_id": "A0TEST",
            "container": container,
            "trigger_id": self._trigger(),
            "actions": [action],
            **extra,
        }
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def submit(self, user: str, view: Params, values: dict[str, str]) -> tuple[int, str]:
        """The view_submission Slack sends when `user` presses Submit on `view` (a modal as opened),
        with `values` typed into its inputs by block id; inputs not named keep their initial value."""
        state: dict[str, Params] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            element = block["element"]
            state[block["block_id"]] = {element["action_id"]: _state(element, values.get(block["block_id"]))}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID},
            "user": {"id": user, "team_id": TEAM_ID},
            "api_app_id": "A0TEST",
            "trigger_id": self._trigger(),
            "view": {**view, "team_id": TEAM_ID, "state": {"values": state}},
        }
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
