"""A fake Telegram Bot API on 127.0.0.1 that the real python-telegram-bot talks to via `base_url`.

It behaves like Telegram where the adapter's behaviour depends on it: long polling with offsets,
the 4096-character limit, HTML validation, blocked chats, flood limits answered with 429 and
`retry_after`, and full Message objects in every answer. Tests act as users (send a message, press
a button) and read what each chat shows. `retry_after` may be fractional here, where Telegram
sends whole seconds, so that tests can shrink the rate windows and stay fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import socket
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import ClientSession, web

from tests.fakes import WAIT_SECONDS
from tests.fakes.telegram_rules import Refused, check_commands, check_keyboard, message_text

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "ClusterBot", "username": "ClusterTestBot"}
Json = dict[str, Any]
# What comes back when something between the bot and Telegram (or Telegram itself) answers with
# what is not a Bot API answer: a proxy's HTML page, a body cut off half-way, `ok` alone.
# `proxy_403` is a firewall's refusal page: a 403, but not Telegram's word on the person.
GARBAGE = {
    "html": (200, "text/html", b"<html><body><h1>Service temporarily overloaded</h1></body></html>"),
    "truncated": (200, "application/json", b'{"ok": true, "result": {"message_id": 1, "da'),
    "no_result": (200, "application/json", b'{"ok": true}'),
    "proxy_403": (403, "text/html", b"<html><body><h1>403 Forbidden</h1></body></html>"),
}
# The calls that deliver a message, which injected refusals and garbage answers apply to.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "sendDocument",
        "sendPhoto",
        "editMessageMedia",
    }
)


class ApiError(Exception):
    """A refusal as the Bot API words it; `retry_after` becomes `parameters.retry_after`."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> web.Response:
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `messages` in any `seconds`; Telegram's are 1/s per chat and 30/s overall."""

    messages: int
    seconds: float


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    last_name: str = ""
    language_code: str = "en"
    username: str = ""

    def as_json(self) -> Json:
        user: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user | {"language_code": self.language_code}


@dataclass(slots=True)
class Sent:
    """A message the bot sent, as its chat shows it now (an edit changes it in place)."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: Json | None = None
    filename: str | None = None
    document: bytes | None = None
    # A photo message's picture (its caption is `text`).
    photo: bytes | None = None
    edits: int = 0
    entities: list[Json] = field(default_factory=list)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (button["text"], button.get("callback_data") or button.get("url", ""))
            for row in rows
            for button in row
        ]


class FakeTelegram:
    """The fake server; use as `async with FakeTelegram() as telegram:` and give PTB `base_url`."""

    def __init__(
        self,
        *,
        per_chat: RateLimit = RateLimit(1, 1.0),
        overall: RateLimit = RateLimit(30, 1.0),
        failure_rates: dict[str, float] | None = None,
        seed: int = 0,
        injected_retry_after: float = 0.2,
    ) -> None:
        """`failure_rates` refuses that share of message calls at random: {"429": 0.02, "5xx": 0.01}."""
        self.per_chat, self.overall = per_chat, overall
        self.failure_rates = dict(failure_rates or {})
        unknown = set(self.failure_rates) - {"429", "5xx"}
        if unknown:
            raise ValueError(f"unknown failure kinds {sorted(unknown)}: use '429' and '5xx'")
        self.injected_retry_after = injected_retry_after
        self._random = random.Random(seed)
        self.calls: list[tuple[str, Json]] = []
        self.blocked: set[int] = set()
        # People who never opened a private chat with the bot: it may not write to them first.
        self.never_started: set[int] = set()
        self.answered_callbacks: list[Json] = []
        self.commands: list[Json] = []
        # Every menu set, by (scope, language_code): ("default", "") is what `commands` holds,
        # ("chat:1001", "") the menu of one chat.
        self.menus: dict[tuple[str, str], list[Json]] = {}
        self.webhook: Json = {}
        self.webhook_statuses: list[int] = []
        self._messages: dict[int, list[Sent]] = defaultdict(list)
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._chats: dict[int, Json] = {}
        self._updates: list[Json] = []
        self._next_update_id = 1
        self._pending_callbacks: set[str] = set()
        self._failures: deque[ApiError] = deque()
        self._garbage: deque[str | None] = deque()  # None: that call is answered as usual
        self.latency = 0.0  # seconds each message call takes, for a slow Telegram
        self._refused_methods: dict[str, ApiError] = {}
        self._windows: dict[int | None, deque[float]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self.port = 0
        self._methods: dict[str, Callable[[Json], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMyCommands": self._delete_my_commands,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageMedia": self._edit_message_media,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "sendChatAction": self._send_chat_action,
            "close": self._accept,
            "logOut": self._accept,
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        async with self._changed:
            self._closing = True  # wakes long polls, so the server can stop at once
            self._changed.notify_all()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # What tests do and read.

    def open_chat(self, user: User) -> None:
        """`user` once started the bot, so the bot may write to them (as after an earlier /start)."""
        self._chats[user.id] = {"id": user.id, "type": "private", "first_name": user.first_name}

    def open_group(self, group: Json) -> None:
        """A group ({"id": -1, "title": …}) the bot is a member of."""
        self._chats[group["id"]] = {"id": group["id"], "type": "group", "title": group["title"]}

    def received_by_chat(self) -> dict[int, int]:
        """How many messages each chat holds: a broadcast wants exactly one everywhere."""
        return {chat_id: len(messages) for chat_id, messages in self._messages.items() if messages}

    async def send_text(self, user: User, text: str, *, group: Json | None = None) -> None:
        """`user` writes `text` in their private chat, or in `group` ({"id": -1, "title": …})."""
        chat = {"id": group["id"], "type": "group", "title": group["title"]} if group else None
        chat = chat or {"id": user.id, "type": "private", "first_name": user.first_name}
        self._chats[chat["id"]] = chat
        message: Json = self._message(chat, user.as_json(), self._new_message_id(chat["id"]), text=text)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self._deliver({"message": message})

    async def block(self, user: User, *, blocked: bool = True) -> None:
        """`user` blocks the bot (or unblocks it): Telegram refuses messages and says so in an update."""
        if blocked:
            self.blocked.add(user.id)
        else:
            self.blocked.discard(user.id)
        chat = self._chats.get(user.id) or {"id": user.id, "type": "private", "first_name": user.first_name}
        member, kicked = (
            {"status": "member", "user": BOT_USER},
            {"status": "kicked", "user": BOT_USER, "until_date": 0},
        )
        change = {
            "chat": chat,
            "from": user.as_json(),
            "date": int(time.time()),
            "old_chat_member": member if blocked else kicked,
            "new_chat_member": kicked if blocked else member,
        }
        await self._deliver({"my_chat_member": change})

    def menu(self, scope: str = "default", language: str = "") -> list[str]:
        """The command words of the menu set for `scope` ("default", "chat:ID") and `language`."""
        return [command["command"] for command in self.menus.get((scope, language), [])]

    async def remove_bot(self, user: User, group: Json) -> None:
        """`user` removes the bot from `group`: Telegram tells the bot with a my_chat_member update."""
        chat = {"id": group["id"], "type": "group", "title": group["title"]}
        member = {"user": BOT_USER}
        changed = {
            "chat": chat,
            "from": user.as_json(),
            "date": int(time.time()),
            "old_chat_member": member | {"status": "member"},
            "new_chat_member": member | {"status": "kicked", "until_date": 0},
        }
        await self._deliver({"my_chat_member": changed})

    async def press(self, user: User, message: Sent, data: str) -> str:
        """`user` presses the button carrying `data` under `message`; returns the query's id."""
        query_id = f"q{self._next_update_id}"
        self._pending_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user.as_json(),
            "chat_instance": str(message.chat_id),
            "data": data,
            "message": self._as_message(message),
        }
        await self._deliver({"callback_query": query})
        return query_id

    def fail_next(
        self, count: int, status: int = 429, *, retry_after: float = 0.05, description: str = ""
    ) -> None:
        """The next `count` message calls are refused with `status` (429s carry `retry_after`)."""
        description = description or HTTPStatus(status).phrase
        for _ in range(count):
            self._failures.append(ApiError(status, description, retry_after if status == 429 else None))

    def garble_next(self, count: int, kind: str = "html", *, after: int = 0) -> None:
        """The next `count` message calls (after `after` answered as usual) get a `GARBAGE[kind]`
        answer and deliver nothing."""
        if kind not in GARBAGE:
            raise ValueError(f"unknown garbage {kind!r}: use one of {sorted(GARBAGE)}")
        self._garbage.extend([None] * after + [kind] * count)

    def refuse(self, method: str, status: int = 401, description: str = "Unauthorized") -> None:
        """Every later call of `method` is refused, as Telegram refuses all calls of a revoked token."""
        self._refused_methods[method] = ApiError(status, description)

    def sent(self, chat_id: int) -> list[Sent]:
        return list(self._messages[chat_id])

    def called(self, method: str) -> list[Json]:
        return [params for name, params in self.calls if name == method]

    async def wait_until(self, condition: Callable[[], bool], *, within: float = WAIT_SECONDS) -> None:
        """Wake when `condition` holds (checked after every API call), or fail after `within` seconds."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    async def wait_for_messages(self, chat_id: int, count: int) -> list[Sent]:
        await self.wait_until(lambda: len(self._messages[chat_id]) >= count)
        return self.sent(chat_id)

    # The Bot API.

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return ApiError(401, "Unauthorized").response()
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        handler = self._methods.get(method)
        if method in MESSAGE_METHODS:
            await self._take_time()
            if self._garbage and (garbage := self._garbage.popleft()) is not None:
                status, content_type, body = GARBAGE[garbage]
                async with self._changed:
                    self._changed.notify_all()
                return web.Response(status=status, body=body, content_type=content_type)
        try:
            if method in self._refused_methods:
                raise self._refused_methods[method]
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except Refused as refusal:
            return ApiError(400, f"Bad Request: {refusal}").response()
        except ApiError as error:
            return error.response()
        finally:
            async with self._changed:
                self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _take_time(self) -> None:
        """Be a slow Telegram for `latency` seconds (the call is already visible in `calls`)."""
        if not self.latency:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.latency), self._changed:
                self._changed.notify_all()
                await self._changed.wait_for(lambda: self._closing)

    @staticmethod
    async def _params(request: web.Request) -> Json:
        params: Json = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[name] = (value.filename, value.file.read())
            elif name in ("reply_markup", "commands", "allowed_updates", "media", "scope"):
                params[name] = json.loads(value)
            else:
                params[name] = value
        return params

    async def _get_me(self, _params: Json) -> Json:
        return BOT_USER | {"can_join_groups": True, "supports_inline_queries": False}

    async def _get_updates(self, params: Json) -> list[Json]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        # Asking from an offset confirms every update before it: Telegram forgets them.
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        timeout = float(params.get("timeout", 0))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
        return self._updates[: int(params.get("limit", 100))]

    async def _send_message(self, params: Json) -> Json:
        chat_id = self._writable_chat(params)
        text, entities = message_text(params.get("text", ""), params.get("parse_mode"))
        return self._keep(chat_id, params, text, entities)

    async def _edit_message_text(self, params: Json) -> Json:
        chat_id = self._writable_chat(params)
        text, entities = message_text(params.get("text", ""), params.get("parse_mode"))
        sent, markup = self._to_edit(chat_id, params)
        if (sent.text, sent.entities, sent.reply_markup) == (text, entities, markup):
            raise ApiError(400, "Bad Request: message is not modified")
        self._throttle(chat_id)
        sent.text, sent.entities, sent.reply_markup = text, entities, markup
        sent.edits += 1
        return self._as_message(sent) | {"edit_date": int(time.time())}

    async def _edit_message_reply_markup(self, params: Json) -> Json:
        sent, markup = self._to_edit(self._writable_chat(params), params)
        if sent.reply_markup == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        sent.reply_markup = markup
        sent.edits += 1
        return self._as_message(sent) | {"edit_date": int(time.time())}

    def _to_edit(self, chat_id: int, params: Json) -> tuple[Sent, Json | None]:
        """The message an edit names, and the keyboard it asks for (checked as for a new message)."""
        markup = params.get("reply_markup")
        check_keyboard(markup)
        number = int(params["message_id"])
        sent = next((sent for sent in self._messages[chat_id] if sent.message_id == number), None)
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return sent, markup

    async def _send_document(self, params: Json) -> Json:
        return self._send_file(params, "document")

    async def _send_photo(self, params: Json) -> Json:
        return self._send_file(params, "photo")

    def _send_file(self, params: Json, part: str) -> Json:
        """sendDocument and sendPhoto: the file as a multipart part named `part`, with a caption."""
        chat_id = self._writable_chat(params)
        caption, entities = message_text(params.get("caption", ""), params.get("parse_mode"), caption=True)
        if not isinstance(params.get(part), tuple):
            raise Refused(f"there is no {part} in the request")
        return self._keep(chat_id, params, caption, entities)

    async def _edit_message_media(self, params: Json) -> Json:
        """A new picture (and caption) for a photo message: `media` names its file part `attach://x`."""
        chat_id = self._writable_chat(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") != "photo":
            raise Refused("can't parse InputMedia: media is not a photo")
        part = params.get(str(media.get("media", "")).removeprefix("attach://"))
        if not isinstance(part, tuple):
            raise Refused("wrong remote file identifier specified")
        caption, entities = message_text(media.get("caption", ""), media.get("parse_mode"), caption=True)
        sent, markup = self._to_edit(chat_id, params)
        if sent.photo is None:
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        self._throttle(chat_id)
        sent.text, sent.entities, sent.reply_markup = caption, entities, markup
        sent.filename, sent.photo = part
        sent.edits += 1
        return self._as_message(sent) | {"edit_date": int(time.time())}

    def _keep(self, chat_id: int, params: Json, text: str, entities: list[Json]) -> Json:
        """A new message (with `params`' document if any), once its keyboard and the flood limits allow."""
        markup = params.get("reply_markup")
        check_keyboard(markup)
        self._throttle(chat_id)
        sent = Sent(chat_id, self._new_message_id(chat_id), text, markup, entities=entities)
        if isinstance(params.get("document"), tuple):
            sent.filename, sent.document = params["document"]
        if isinstance(params.get("photo"), tuple):
            sent.filename, sent.photo = params["photo"]
        self._messages[chat_id].append(sent)
        return self._as_message(sent)

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._pending_callbacks:
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        self._pending_callbacks.discard(query_id)
        self.answered_callbacks.append(params)
        return True

    async def _set_my_commands(self, params: Json) -> bool:
        commands = check_commands(params.get("commands", []))
        key = self._menu_key(params)
        if key[0].startswith("chat:") and int(key[0].removeprefix("chat:")) not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        self.menus[key] = commands
        if key == ("default", ""):
            self.commands = commands
        return True

    async def _delete_my_commands(self, params: Json) -> bool:
        self.menus.pop(self._menu_key(params), None)
        return True

    @staticmethod
    def _menu_key(params: Json) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        where = f"chat:{scope['chat_id']}" if scope["type"] == "chat" else str(scope["type"])
        return where, str(params.get("language_code", ""))

    async def _get_my_commands(self, _params: Json) -> list[Json]:
        return self.commands

    async def _set_webhook(self, params: Json) -> bool:
        if not params.get("url"):
            return await self._delete_webhook(params)
        secret = str(params.get("secret_token", ""))
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": params["url"], "secret_token": secret}
        return True

    async def _delete_webhook(self, _params: Json) -> bool:
        self.webhook = {}
        return True

    async def _send_chat_action(self, params: Json) -> bool:
        self._writable_chat(params)
        return True

    async def _accept(self, _params: Json) -> bool:
        return True

    # How Telegram judges a message.

    def _writable_chat(self, params: Json) -> int:
        if self._failures:
            raise self._failures.popleft()
        self._maybe_fail()
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self.never_started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _maybe_fail(self) -> None:
        """A random refusal, as a busy Telegram gives now and then (see `failure_rates`)."""
        if not self.failure_rates:
            return
        roll = self._random.random()
        if roll < self.failure_rates.get("429", 0.0):
            wait = self.injected_retry_after
            raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        if roll < self.failure_rates.get("429", 0.0) + self.failure_rates.get("5xx", 0.0):
            raise ApiError(502, "Bad Gateway")

    def _throttle(self, chat_id: int) -> None:
        """Flood control: a sliding window per chat and one for the whole bot."""
        now = time.monotonic()
        windows = ((self._windows[chat_id], self.per_chat), (self._windows[None], self.overall))
        for window, limit in windows:
            while window and now - window[0] >= limit.seconds:
                window.popleft()
            if len(window) >= limit.messages:
                wait = round(max(limit.seconds - (now - window[0]), 0.001), 3)
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        for window, _limit in windows:
            window.append(now)

    # Updates and messages as JSON.

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] += 1
        return self._last_message_id[chat_id]

    @staticmethod
    def _message(chat: Json, sender: Json, message_id: int, **fields: Any) -> Json:
        return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": sender} | fields

    def _as_message(self, sent: Sent) -> Json:
        fields: Json = {"text": sent.text, "entities": sent.entities}
        if sent.filename is not None:
            fields = {"caption": sent.text, "caption_entities": sent.entities}
            fields["document"] = {
                "file_id": f"doc-{sent.chat_id}-{sent.message_id}",
                "file_unique_id": f"u{sent.chat_id}x{sent.message_id}",
                "file_name": sent.filename,
                "file_size": len(sent.document or b""),
            }
        if sent.photo is not None:
            fields = {"caption": sent.text, "caption_entities": sent.entities}
            fields["photo"] = [
                {
                    "file_id": f"photo-{sent.chat_id}-{sent.message_id}-{sent.edits}",
                    "file_unique_id": f"p{sent.chat_id}x{sent.message_id}x{sent.edits}",
                    "width": 1080,
                    "height": 720,
                    "file_size": len(sent.photo),
                }
            ]
        if sent.reply_markup:
            fields["reply_markup"] = sent.reply_markup
        return self._message(self._chats[sent.chat_id], BOT_USER, sent.message_id, **fields)

    async def _deliver(self, update: Json) -> None:
        """Queue an update for getUpdates, or POST it to the webhook the way Telegram does."""
        update = {"update_id": self._next_update_id} | update
        self._next_update_id += 1
        if self.webhook:
            self._client = self._client or ClientSession()
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret_token"]}
            async with self._client.post(self.webhook["url"], json=update, headers=headers) as response:
                self.webhook_statuses.append(response.status)
            return
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
