"""The one entry point adapters call: an incoming message in, the replies to show out."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from core.errors import Unavailable, UsageError, UserError
from core.i18n import choose_language
from core.types import N_, Incoming, Reply, Text, fill, text_reply
from handlers.dialogs import FormView, form_of, show, submitted_lines
from handlers.engine.context import Context, Options
from handlers.engine.flows import Flows
from handlers.engine.router import Router, split_args
from handlers.notify import Notifier
from store.db import Database, WriteNeeded
from store.directory import DirectoryIndex
from store.repository import Store, store_transaction

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a message got: the replies, and the refusal they tell of, if it was refused."""

    replies: list[Reply]
    refusal: UserError | None = None
    # A form was submitted and saved something the member's home screen shows (`Form.changes_home`).
    home_changed: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC)


class Assistant:
    """Runs each message in one transaction: a command that fails changes nothing."""

    def __init__(
        self,
        db: Database,
        router: Router,
        flows: Flows,
        *,
        options: Options | None = None,
        notifier: Notifier | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.router = router
        self.flows = flows
        self.options = options or Options()
        self.notifier = notifier or Notifier(self.options.default_language)
        self.clock = clock
        self.directory = DirectoryIndex()

    async def respond(self, msg: Incoming) -> list[Reply]:
        msg = without_nul(msg)
        text = msg.command_text.strip()
        if not text:
            return []
        outcome = await self._guarded(msg, text, lambda ctx: self._route(ctx, text))
        return outcome.replies

    async def form(self, msg: Incoming) -> FormView | None:
        """The form the command line `msg` holds opens (`event add` alone), or None when the line
        is typed in full, has no form, or is not the member's to run: then it is answered as typed."""
        text = msg.command_text.strip()
        found, _, rest = self.router.resolve(text)
        form = form_of(found.name, split_args(rest)) if found else None
        if found is None or form is None:
            return None

        async def shown(ctx: Context) -> list[FormView]:
            ctx = replace(ctx, rest=rest, args=split_args(rest))
            if not self.router.allowed(found, ctx):
                return []
            await found.scope.check(ctx)
            return [await show(ctx, form, text)]

        try:
            async with store_transaction(self.db, self.directory) as store:
                views = await shown(await self._context(msg, store))
        except UserError:
            return None
        return views[0] if views else None

    async def submit(self, msg: Incoming, values: Mapping[str, str]) -> Outcome:
        """A form's values, run as the command lines they stand for, in one transaction: all take
        effect, or a refusal (with the field it names) and nothing changed."""
        text = msg.command_text.strip()
        found, _, rest = self.router.resolve(text)
        form = form_of(found.name, split_args(rest)) if found else None
        if form is None:
            return Outcome([], UsageError(fill(self.options.default_language, "This form has expired.")))

        typed = {key: value.replace("\x00", "") for key, value in values.items()}  # as without_nul

        async def run(ctx: Context) -> list[Reply]:
            lines = await submitted_lines(replace(ctx, rest=rest, args=split_args(rest)), form, typed)
            return [reply for line in lines for reply in await self.router.dispatch(ctx, line)]

        outcome = await self._guarded(without_nul(msg), text, run)
        return replace(outcome, home_changed=form.changes_home and outcome.refusal is None)

    async def _guarded(
        self, msg: Incoming, text: str, work: Callable[[Context], Awaitable[list[Reply]]]
    ) -> Outcome:
        """`work` in one transaction; a refusal rolls it back and becomes the reply."""
        # Until the member is read, the app's language is the best guess (the database may be down).
        language = choose_language(None, msg.language_code, self.options.default_language)
        found, _, _ = self.router.resolve(text)
        writes = found is None or not found.reads_only
        while True:
            try:
                async with store_transaction(self.db, self.directory, writes=writes) as store:
                    ctx = await self._context(msg, store)
                    language = ctx.language
                    return Outcome(await work(ctx))
            except WriteNeeded:
                if writes:
                    raise
                writes = True  # nothing was written: the same work again, as a writer
            except UsageError as error:
                return Outcome([usage_reply(error, language)], error)
            except UserError as error:
                return Outcome([text_reply(str(error), buttons=error.buttons)], error)
            except Unavailable:
                log.warning("database unavailable while answering %s:%s", msg.platform, msg.user_id)
                return Outcome(
                    [text_reply(fill(language, "I'm temporarily unavailable. Please try again in a minute."))]
                )
            except Exception:
                ref = secrets.token_hex(3).upper()
                # What the person wrote is theirs: the log says which command and how long, never the text.
                log.exception(
                    "ref %s: handler failed on %s (%d characters) from %s:%s",
                    ref,
                    found.name if found else "a message that is not a command",
                    len(text),
                    msg.platform,
                    msg.user_id,
                )
                sorry = N_(
                    "Something went wrong (ref {ref}). The team has been told; please try again later."
                )
                return Outcome([text_reply(fill(language, sorry, ref=ref))])

    async def _context(self, msg: Incoming, store: Store) -> Context:
        now = self.clock()
        member, identity = await store.people.identify(
            platform=msg.platform,
            user_id=msg.user_id,
            # Only a private chat is an address for proactive messages, never a group.
            chat_id=msg.chat_id if msg.chat_kind == "private" else "",
            display_name=msg.display_name or msg.user_id,
            now=now,
            timezone=msg.timezone or self.options.default_timezone,
            language=(msg.language_code or "")[:2] or None,
            username=msg.username,
        )
        language = choose_language(member.language, msg.language_code, self.options.default_language)
        admin = self.options.lists_admin(msg.platform, msg.user_id)
        return Context(
            msg,
            store,
            member,
            identity,
            now,
            self.options,
            language=language,
            is_admin=admin,
            notifier=self.notifier,
        )

    async def _route(self, ctx: Context, text: str) -> list[Reply]:
        if not text.startswith("/") or text.lower() in ("/cancel", "/stop"):
            answered = await self.flows.answer(ctx, text)
            if answered is not None:
                return answered
        return await self.router.dispatch(ctx, text)


def without_nul(msg: Incoming) -> Incoming:
    """The message with NUL characters dropped: they mean nothing in a chat, and PostgreSQL refuses
    them in text, which would turn a stray one in a name or a profile into a failed command."""
    if "\x00" not in f"{msg.text}{msg.payload or ''}{msg.display_name}":
        return msg
    return replace(
        msg,
        text=msg.text.replace("\x00", ""),
        payload=msg.payload.replace("\x00", "") if msg.payload is not None else None,
        display_name=msg.display_name.replace("\x00", ""),
    )


def usage_reply(error: UsageError, language: str) -> Reply:
    """What was wrong; the router has already added how the command is written and an example."""
    return Text(language=language).add(str(error)).reply()
