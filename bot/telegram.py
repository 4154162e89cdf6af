"""The Telegram adapter: updates in, neutral messages to the assistant, its replies out as Bot API calls.

It only translates. What to answer is the assistant's business; what this module owns is how
Telegram wants to be spoken to: HTML that is always escaped, messages within 4096 characters,
64-byte button data, callback queries that must be answered, and a planned reaction to each
refusal (blocked, flood control, bad markup, network trouble) so that nothing is silently lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.credentials import CredentialCheck
from bot.http import HttpServer
from bot.live import LiveMessages
from bot.settings import Settings
from bot.startup import StartupFailure
from bot.telegram_render import (
    CAPTION_LIMIT,
    KEY_PREFIX,
    MESSAGE_LIMIT,
    Chunk,
    keyboard,
    render_text,
    size,
    tapped_command,
)
from bot.turns import Turns
from core.adapter import Progress, Recipient, SendResult
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, choose_language
from core.metrics import ERRORS, REPLIES_OUT, answer
from core.types import N_, Attachment, ChatKind, Incoming, Reply, fill
from handlers.engine.assistant import Assistant
from handlers.engine.scopes import Role
from handlers.places import bot_removed
from store.db import Database
from store.repository import store_transaction

log = logging.getLogger(__name__)

PLATFORM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# `my_chat_member` says when a person blocks the bot or unblocks it, and when a group removes it.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# Updates handled at once: enough to keep the database busy, few enough to bound memory.
CONCURRENT_UPDATES = 64
# Whose commands each role's menu lists.
ROLES_SEEN: dict[Role, frozenset[Role]] = {
    "member": frozenset({"member"}),
    "coordinator": frozenset({"member", "coordinator"}),
    "admin": frozenset({"member", "coordinator", "admin"}),
}
# Besides admin commands (which may change who coordinates), what changes a staff menu: its language.
MENU_CHANGING = frozenset({"lang"})
EXPIRED_BUTTON = N_("This button has expired; please send the command again.")
START_PRIVATE_CHAT = N_("That answer is personal, so I send it in a private chat. Start one with me first.")
CONTINUE_IN_PRIVATE = N_("Continue in private")
# "/find@ClusterBot textile": the command, and the bot it is addressed to if any.
_COMMAND = re.compile(r"(/[^\s@]+)(?:@(\S+))?")

Call = Callable[..., Awaitable[Any]]
# The outbox's sends go through `Bot.do_api_request` (see `_Sends.lean`), which warns on every call
# that `Bot.send_message` and the like exist: using them is what the lean path avoids.
warnings.filterwarnings("ignore", r"Please use 'Bot\.send", PTBUserWarning, __name__)


@dataclass(frozen=True, slots=True)
class _Sends:
    """The three calls that put a new message in a chat, taking the parameters of PTB's methods
    (a file as an `InputFile`)."""

    message: Call
    photo: Call
    document: Call

    @classmethod
    def parsed(cls, bot: Bot) -> _Sends:
        """PTB's own methods, which answer with the `Message` shown: a reply may be edited or
        watched later."""
        return cls(bot.send_message, bot.send_photo, bot.send_document)

    @classmethod
    def lean(cls, bot: Bot) -> _Sends:
        """The same calls through PTB's request machinery and its error classes, answered with
        Telegram's JSON as it came: the outbox needs only whether a message went out, and a
        `Message` built from every answer (chat, sender, entities, keyboard) was about a twentieth
        of a broadcast's CPU."""
        return cls(
            *(partial(_lean_call, bot, method) for method in ("sendMessage", "sendPhoto", "sendDocument"))
        )


class TelegramAdapter:
    platform = PLATFORM
    # Timing knobs, per instance so that tests can shrink them; the defaults are for production.
    poll_timeout = 10.0
    backoff = 1.0  # seconds before the first retry after a network error or 5xx; doubles after that
    max_attempts = 8

    def __init__(
        self, settings: Settings, assistant: Assistant, db: Database, http: HttpServer | None = None
    ) -> None:
        self.settings, self.assistant, self.db = settings, assistant, db
        self.webhook_secret = settings.webhook_secret
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._turns = Turns()
        self.live = LiveMessages()
        self._staff_chats: set[str] = set()
        self.credentials = CredentialCheck(PLATFORM, "getMe", lambda: self._bot().get_me(), _describe)
        if http is not None:
            http.add_check(PLATFORM, self.credentials.check)
        if settings.telegram_webhook_url:
            if http is None:
                raise ValueError("TELEGRAM_WEBHOOK_URL is set but there is no HTTP server to receive it")
            # Added now, not in start(): aiohttp freezes its routes once the server runs.
            http.add_route("POST", urlsplit(settings.telegram_webhook_url).path or "/", self._webhook)

    async def start(self) -> None:
        """Connect, publish the command menu, then poll, or ask Telegram to POST to our webhook.

        Telegram out of reach or refusing the token is a `StartupFailure` that says which.
        """
        try:
            await self._start()
        except TelegramError as error:
            await self.stop()
            raise self._start_failure(error) from error
        self.credentials.succeeded()

    def _start_failure(self, error: TelegramError) -> StartupFailure:
        token, reason = self.settings.telegram_bot_token, error.message
        if isinstance(error, InvalidToken):
            line = "Telegram refused TELEGRAM_BOT_TOKEN: copy the token again from @BotFather"
        elif isinstance(error, NetworkError):
            line = (
                f"Telegram is not reachable at {self.settings.telegram_api_base_url} ({reason}): "
                "check the network and TELEGRAM_API_BASE_URL"
            )
        else:
            line = f"Telegram refused to start the bot ({reason})"
        return StartupFailure(line.replace(token, "<token>"), transient=isinstance(error, NetworkError))

    async def _start(self) -> None:
        webhook_url = self.settings.telegram_webhook_url
        builder = (
            Application.builder()
            .token(self.settings.telegram_bot_token)
            .base_url(self.settings.telegram_api_base_url)
            .job_queue(None)  # scheduler/ owns time; PTB's own job queue would be a second clock
            # Many updates at once; each person's still one at a time, in order (bot.turns).
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if webhook_url:
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        self._app = app
        await app.initialize()
        await self._publish_menus(app.bot)
        if app.updater is not None:
            await app.updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
        await app.start()
        if webhook_url:
            await app.bot.set_webhook(
                webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )

    async def stop(self) -> None:
        """Stop taking updates and finish the one in hand; a webhook stays set for other processes."""
        app, self._app = self._app, None
        self.credentials.stopped()
        await self.live.close()
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def send(self, to: Recipient, replies: Sequence[Reply], *, skip: int = 0) -> SendResult:
        """A proactive message from the outbox; the result tells the outbox what to do next.

        Only Telegram's own refusal is final: a 403 (blocked, deactivated) or a 400 (this message
        cannot be sent). Anything else, including an answer that is not Telegram's JSON (an HTML
        page from a proxy, a cut-off body), is retried later, after the messages already out.
        """
        progress = Progress(skip)
        try:
            await self._deliver(
                to.chat_id, replies, patient=False, sends=_Sends.lean(self._bot()), progress=progress
            )
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            return SendResult("retry", retry_after=wait, error=error.message, delivered=progress.done)
        except (Forbidden, BadRequest) as error:
            if not _said_by_telegram(error):
                return SendResult("retry", error=error.message, delivered=progress.done)
            if isinstance(error, Forbidden) and not to.group:
                await self._mark_unreachable(to.user_id, error)
                return SendResult("unreachable", error=error.message)
            return SendResult("failed", error=error.message)
        except NetworkError as error:  # timeouts, refused connections and 5xx answers
            return SendResult("retry", retry_after=self.backoff, error=error.message, delivered=progress.done)
        except TelegramError as error:  # an unreadable answer, or one we have no plan for
            ERRORS.labels(PLATFORM, "unknown_answer").inc()
            return SendResult("retry", error=error.message, delivered=progress.done)
        return SendResult("sent")

    # Updates in.

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.message, update.effective_user, update.effective_chat
        if message is None or message.text is None or user is None or chat is None:
            return
        text = self._addressed_text(message.text, chat.type)
        if text is None:
            return
        msg = Incoming(
            PLATFORM,
            str(user.id),
            str(chat.id),
            text=text,
            chat_kind=_chat_kind(chat.type),
            chat_title=chat.title or "",
            display_name=user.full_name,
            username=user.username or "",
            language_code=user.language_code,
        )
        await self._answer(msg)

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user, chat = update.callback_query, update.effective_user, update.effective_chat
        if query is None or user is None:
            return
        payload = await self._payload(query.data)
        if payload is None:
            # Without the member's own choice at hand, the app's language is the best guess.
            language = choose_language(None, user.language_code, self.assistant.options.default_language)
            await self._acknowledge(query, fill(language, EXPIRED_BUTTON))
        else:
            await self._acknowledge(query, None)
        if payload is None:
            return
        msg = Incoming(
            PLATFORM,
            str(user.id),
            str(chat.id if chat else user.id),
            payload=payload,
            chat_kind=_chat_kind(chat.type if chat else ChatType.PRIVATE),
            display_name=user.full_name,
            username=user.username or "",
            language_code=user.language_code,
        )
        pressed = query.message if isinstance(query.message, Message) else None
        await self._answer(msg, edit=pressed, label=_label_of(pressed, query.data))

    async def _on_my_chat_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person blocked the bot (stop writing to them) or unblocked it (write again); a group or
        channel removed it (unlink the place)."""
        changed = update.my_chat_member
        if changed is None:
            return
        if changed.chat.type != ChatType.PRIVATE:
            await self._removed_from_group(changed)
            return
        user_id, status = str(changed.from_user.id), changed.new_chat_member.status
        async with store_transaction(self.db) as store:
            if status == ChatMemberStatus.BANNED:
                ERRORS.labels(PLATFORM, "blocked").inc()
                log.info("telegram user %s blocked the bot", user_id)
                await store.people.mark_unreachable(PLATFORM, user_id)
            elif status == ChatMemberStatus.MEMBER:
                log.info("telegram user %s unblocked the bot", user_id)
                await store.people.mark_reachable(PLATFORM, user_id)

    async def _removed_from_group(self, changed: ChatMemberUpdated) -> None:
        """Removed from a group or channel: a linked place is unlinked and its coordinator told."""
        if changed.new_chat_member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            return
        async with store_transaction(self.db) as store:
            await bot_removed(
                store, self.assistant.notifier, PLATFORM, "", str(changed.chat.id), self.assistant.clock()
            )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB calls this for anything a handler raised; polling goes on with the next update."""
        ERRORS.labels(PLATFORM, "update").inc()
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update %s could not be handled", update_id, exc_info=context.error)

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.webhook_secret.encode()):
            ERRORS.labels(PLATFORM, "webhook_secret").inc()
            return web.Response(status=403)
        app = self._app
        if app is None or not app.running:
            return web.Response(status=503)  # Telegram delivers it again later
        update = await _update(request, app.bot)
        if update is None:
            ERRORS.labels(PLATFORM, "webhook_body").inc()
            return web.Response(status=400)
        # Queued, not awaited: Telegram wants its 200 quickly and the queue keeps the order.
        await app.update_queue.put(update)
        return web.Response()

    def _addressed_text(self, text: str, chat_type: str) -> str | None:
        """The text if it is meant for us, "/cmd@OurBot" shortened to "/cmd"; None for chatter in
        groups and for commands addressed to another bot."""
        command = _COMMAND.match(text)
        if command is None:
            return text if chat_type == ChatType.PRIVATE else None
        addressee = command.group(2)
        if addressee and addressee.lower() != (self._bot().username or "").lower():
            return None
        return tapped_command(command.group(1)) + text[command.end() :]

    async def _answer(self, msg: Incoming, edit: Message | None = None, label: str = "") -> None:
        async with self._turns.of(msg.user_id):
            replies = await answer(self.assistant, msg)
            pressed_card = edit is not None and msg.chat_kind == "private"
            if pressed_card and edit is not None and (not replies or replies[0].closes_previous):
                await self._mark_chosen(edit, label)
            found, _, _ = self.assistant.router.resolve(msg.command_text)
            if found is not None and (found.role == "admin" or found.name in MENU_CHANGING):
                await self._republish_staff_menus()
            await self._reply(msg, replies, edit)

    async def _reply(self, msg: Incoming, replies: Sequence[Reply], edit: Message | None) -> None:
        if msg.answered_in_private:
            await self._reply_in_private(msg, replies)
            return
        try:
            sends = _Sends.parsed(self._bot())
            await self._deliver(msg.chat_id, replies, patient=True, sends=sends, edit=edit, asked=msg)
        except Forbidden as error:
            if msg.chat_kind != "private":
                raise  # removed from a group: not a reason to stop writing to this person
            await self._mark_unreachable(msg.user_id, error)

    async def _reply_in_private(self, msg: Incoming, replies: Sequence[Reply]) -> None:
        """A personal answer asked for in a group goes to the person's private chat; when the bot may
        not start that chat (403), the group gets only a button that opens it."""
        try:
            await self._deliver(msg.user_id, replies, patient=True, sends=_Sends.parsed(self._bot()))
        except Forbidden:
            language = choose_language(None, msg.language_code, self.assistant.options.default_language)
            link = f"https://t.me/{self._bot().username}?start=private"
            button = InlineKeyboardButton(fill(language, CONTINUE_IN_PRIVATE), url=link)
            await self._bot().send_message(
                msg.chat_id,
                fill(language, START_PRIVATE_CHAT),
                reply_markup=InlineKeyboardMarkup([[button]]),
            )

    async def _acknowledge(self, query: CallbackQuery, notice: str | None) -> None:
        """Stop the button's spinner; a failure here must not keep the press from being handled."""
        try:
            await query.answer(notice)
        except TelegramError as error:
            ERRORS.labels(PLATFORM, "callback_answer").inc()
            log.warning("could not answer callback query %s: %s", query.id, error)

    # Replies out.

    async def _mark_chosen(self, message: Message, label: str) -> None:
        """As in Slack, a card's buttons go once one is pressed, and a line says which: an old card
        cannot be pressed again by mistake. A card Telegram no longer lets us edit stays as it is."""
        note = f"✓ {label}" if label else "✓"
        text_html = message.text_html if message.text is not None else ""
        try:
            if text_html and size(text_html) + size(note) + 2 <= MESSAGE_LIMIT:
                chunk = Chunk(
                    f"{text_html}\n\n<i>{html.escape(note, quote=False)}</i>", f"{message.text}\n\n{note}"
                )
                await self._call(message.edit_text, patient=True, chunk=chunk, reply_markup=None)
            elif message.reply_markup is not None:
                await self._call(message.edit_reply_markup, patient=True, reply_markup=None)
        except BadRequest as error:
            log.info("could not close the pressed card %s: %s", message.message_id, error.message)

    async def _deliver(
        self,
        chat_id: str,
        replies: Sequence[Reply],
        *,
        patient: bool,
        sends: _Sends,
        edit: Message | None = None,
        asked: Incoming | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Each reply as one or more messages (a file last), its keyboard under its last message.

        Impatient delivery (the outbox) gives up at the first refusal so the outbox can reschedule,
        but only while nothing is out yet: once part of a reply is delivered, the rest is sent
        patiently. `progress` counts the messages out, and leaves out those an earlier attempt
        sent, so that a refusal after the first part never makes the person get it twice.
        """
        progress = progress or Progress()
        for reply in replies:
            markup = await keyboard(reply.buttons, self._keep_payload)
            captioned = _as_caption(reply)
            if captioned is not False:
                if progress.due():
                    replaced = edit if reply.replaces_previous else None
                    image = reply.images[0]
                    shown = await self._photo(
                        chat_id, image, captioned, markup, patient=patient, sends=sends, edit=replaced
                    )
                    if reply.refresh and asked is not None and isinstance(shown, Message):
                        self._watch(asked, reply.refresh, shown)
                    progress.sent()
                continue
            chunks = render_text(reply.spans)
            for index, chunk in enumerate(chunks):
                if not progress.due():
                    continue
                own_markup = markup if index == len(chunks) - 1 and reply.attachment is None else None
                wait = patient or progress.done > 0
                if index == 0 and reply.replaces_previous and edit is not None:
                    await self._edit(edit, chunk, own_markup, patient=wait)
                else:
                    await self._call(
                        sends.message, patient=wait, chunk=chunk, chat_id=chat_id, reply_markup=own_markup
                    )
                progress.sent()
            for image in reply.images:
                if progress.due():
                    await self._call(
                        sends.photo,
                        patient=patient or progress.done > 0,
                        chat_id=chat_id,
                        photo=InputFile(image.content, filename=image.filename),
                    )
                    progress.sent()
            if reply.attachment is not None and progress.due():
                await self._call(
                    sends.document,
                    patient=patient or progress.done > 0,
                    chat_id=chat_id,
                    document=InputFile(reply.attachment.content, filename=reply.attachment.filename),
                    reply_markup=markup,
                )
                progress.sent()

    async def _photo(
        self,
        chat_id: str,
        image: Attachment,
        caption: Chunk | None,
        markup: Any,
        *,
        patient: bool,
        sends: _Sends,
        edit: Message | None,
        anew: bool = True,
    ) -> Any:
        """One picture with the reply as its caption; a button pressed under a picture replaces it
        in place (editMessageMedia), anything else gets a new photo message (as does an edit
        Telegram refuses, unless `anew` is False). Returns the message shown."""
        if edit is not None and edit.photo:
            media = InputMediaPhoto(
                image.content,
                caption=caption.html if caption else None,
                parse_mode=ParseMode.HTML if caption else None,
                filename=image.filename,
            )
            try:
                edited = await self._call(edit.edit_media, patient=patient, media=media, reply_markup=markup)
                return edited if isinstance(edited, Message) else edit
            except BadRequest:
                if not anew:
                    raise
        return await self._call(
            sends.photo,
            patient=patient,
            chunk=caption,
            text_field="caption",
            chat_id=chat_id,
            photo=InputFile(image.content, filename=image.filename),
            reply_markup=markup,
        )

    def _watch(self, asked: Incoming, refresh: str, message: Message) -> None:
        """Redraw a photo message by running `refresh` again as the person who asked (bot/live.py)."""
        chat_id = str(message.chat.id)

        async def redraw() -> bool:
            async with self._turns.of(asked.user_id):
                replies = await answer(self.assistant, replace(asked, text="", payload=refresh))
            captioned = _as_caption(replies[0]) if replies else False
            if captioned is False:
                return False
            markup = await keyboard(replies[0].buttons, self._keep_payload)
            image = replies[0].images[0]
            sends = _Sends.parsed(self._bot())
            await self._photo(
                chat_id, image, captioned, markup, patient=True, sends=sends, edit=message, anew=False
            )
            return replies[0].refresh is not None

        self.live.watch(f"{chat_id}:{message.message_id}", redraw)

    async def _edit(self, message: Message, chunk: Chunk, markup: Any, *, patient: bool) -> None:
        """Replace the message a button was pressed on; if Telegram refuses (too old), send anew."""
        try:
            await self._call(message.edit_text, patient=patient, chunk=chunk, reply_markup=markup)
        except BadRequest:
            await self._call(
                self._bot().send_message,
                patient=patient,
                chunk=chunk,
                chat_id=message.chat_id,
                reply_markup=markup,
            )

    async def _call(
        self,
        method: Call,
        *,
        patient: bool,
        chunk: Chunk | None = None,
        text_field: str = "text",
        **params: Any,
    ) -> Any:
        """One Bot API call, with the planned answer to each refusal.

        Flood control: wait `retry_after` and try again. Network errors and 5xx: back off and try
        again. HTML Telegram cannot parse: log the text's id and send the plain text instead.
        An impatient call raises instead of waiting; anything else is raised to the caller.
        """
        attempt, network_failures, plain = 1, 0, False
        while True:
            if chunk is not None:
                params[text_field] = chunk.plain if plain else chunk.html
                params["parse_mode"] = None if plain else ParseMode.HTML
            try:
                result = await method(**params)
            except RetryAfter as error:
                ERRORS.labels(PLATFORM, "rate_limited").inc()
                if not patient or attempt >= self.max_attempts:
                    raise
                await asyncio.sleep(_seconds(error.retry_after))
            except BadRequest as error:
                if "not modified" in error.message:
                    return None  # an edit to what the message already shows
                if chunk is None or plain or "can't parse entities" not in error.message.lower():
                    ERRORS.labels(PLATFORM, "bad_request").inc()
                    raise
                ERRORS.labels(PLATFORM, "parse_error").inc()
                log.warning(
                    "text %s: Telegram refused our HTML (%s); sending it as plain text",
                    hashlib.sha256(chunk.html.encode()).hexdigest()[:12],
                    error.message,
                )
                plain = True
                continue
            except NetworkError:
                ERRORS.labels(PLATFORM, "network").inc()
                if not patient or attempt >= self.max_attempts:
                    raise
                await asyncio.sleep(self.backoff * 2**network_failures)
                network_failures += 1
            else:
                REPLIES_OUT.labels(PLATFORM).inc()
                return result
            attempt += 1

    # The store, for what Telegram cannot hold.

    async def _keep_payload(self, payload: str) -> str:
        async with store_transaction(self.db) as store:
            return await store.buttons.keep(payload, self.assistant.clock())

    async def _payload(self, data: str | None) -> str | None:
        if data is None or not data.startswith(KEY_PREFIX):
            return data
        async with store_transaction(self.db) as store:
            return await store.buttons.lookup(data.removeprefix(KEY_PREFIX))

    async def _mark_unreachable(self, user_id: str, error: TelegramError) -> None:
        ERRORS.labels(PLATFORM, "blocked").inc()
        log.info("telegram user %s is unreachable: %s", user_id, error.message)
        async with store_transaction(self.db) as store:
            await store.people.mark_unreachable(PLATFORM, user_id)

    async def _publish_menus(self, bot: Bot) -> None:
        """The members' command menu in every language we speak: Telegram picks the one matching
        the app's language, and shows the default (English) to everyone else. Coordinators and
        admins get their own menu, in their chat only."""
        await bot.set_my_commands(self._commands(DEFAULT_LANGUAGE, "member"))
        for language in LANGUAGES:
            if language != DEFAULT_LANGUAGE:
                await bot.set_my_commands(self._commands(language, "member"), language_code=language)
        await self._publish_staff_menus()

    async def _publish_staff_menus(self) -> None:
        """A chat-scoped menu, in the person's own language, for each coordinator and admin; a chat
        given one earlier whose person no longer coordinates is put back on the members' menu."""
        staff: dict[str, tuple[Role, str | None]] = {}
        async with store_transaction(self.db) as store:
            for chat_id, language in await store.people.coordinator_chats(PLATFORM):
                staff[chat_id] = ("coordinator", language)
            for account in self.assistant.options.admins:
                platform, _, user_id = account.partition(":")
                if platform == PLATFORM:
                    member = await store.people.member_of(PLATFORM, user_id)
                    staff[user_id] = ("admin", member.language if member else None)
        bot = self._bot()
        for chat_id in self._staff_chats - staff.keys():
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
        for chat_id, (role, chosen) in staff.items():
            language = choose_language(chosen, None, self.assistant.options.default_language)
            try:
                await bot.set_my_commands(self._commands(language, role), scope=BotCommandScopeChat(chat_id))
            except (BadRequest, Forbidden) as error:  # a chat never opened with us, or blocked
                log.info("no staff menu for chat %s: %s", chat_id, error.message)
        self._staff_chats = set(staff)

    async def _republish_staff_menus(self) -> None:
        """Menus again after a change of roles; a failure leaves the old menus, never loses a reply."""
        try:
            await self._publish_staff_menus()
        except TelegramError as error:
            ERRORS.labels(PLATFORM, "menus").inc()
            log.warning("could not publish the staff menus: %s", error.message)

    def _commands(self, language: str, role: Role) -> list[BotCommand]:
        """The menu Telegram shows next to the text box: the top-level commands `role` may run.

        The command words stay English (they are typed the same everywhere); only summaries change.
        """
        allowed = ROLES_SEEN[role]
        commands = self.assistant.router.commands.values()
        return [
            BotCommand(c.name, fill(language, c.summary)[:256])
            for c in commands
            if c.name == c.word and c.listed and c.role in allowed
        ]

    def _bot(self) -> Bot:
        if self._app is None:
            raise RuntimeError("TelegramAdapter.start() has not been called")
        bot: Bot = self._app.bot  # the Application's type parameters are Any here
        return bot


async def _update(request: web.Request, bot: Bot) -> Update | None:
    """The update in a webhook request, or None when the body is not JSON or not an update.

    PTB parses what Telegram sends and trusts its shape, so anything else (a probe, `{"foo": 1}`)
    would raise deep inside it: the shape is checked here, and what PTB still refuses is a 400 too.
    """
    try:
        data = await request.json()
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        return Update.de_json(data, bot)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _as_caption(reply: Reply) -> Chunk | Literal[False] | None:
    """The caption of a reply sent as one photo (None: a picture without text), or False when the
    reply is not one picture whose text fits a caption."""
    if len(reply.images) != 1 or reply.attachment is not None:
        return False
    chunks = render_text(reply.spans, CAPTION_LIMIT)
    if len(chunks) > 1:
        return False
    return chunks[0] if chunks else None


def _label_of(message: Message | None, data: str | None) -> str:
    """The label of the button carrying `data` under `message`."""
    markup = message.reply_markup if message is not None else None
    rows = markup.inline_keyboard if markup is not None else ()
    return next((b.text for row in rows for b in row if b.callback_data == data), "")


def _chat_kind(chat_type: str) -> ChatKind:
    if chat_type == ChatType.PRIVATE:
        return "private"
    return "channel" if chat_type == ChatType.CHANNEL else "group"


async def _lean_call(bot: Bot, method: str, **params: Any) -> Any:
    """`method` with PTB's parameters, answered with Telegram's `result` JSON instead of a `Message`."""
    return await bot.do_api_request(method, api_kwargs=params)


def _describe(error: Exception) -> str:
    return error.message if isinstance(error, TelegramError) else type(error).__name__


def _seconds(retry_after: float | timedelta) -> float:
    """PTB gives `retry_after` as seconds today and as a timedelta with PTB_TIMEDELTA set."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def _said_by_telegram(error: TelegramError) -> bool:
    """False when the refusal's body was not Telegram's JSON (PTB chains the parsing failure): a
    403 or 400 page from something in between says nothing about the person or the message."""
    return not isinstance(error.__cause__, TelegramError)
