"""One registry of commands: dispatch, scope checks and the generated help all read it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from core.errors import NotAllowed, UsageError
from core.types import N_, Button, Reply, Text, command, echo
from handlers.engine.context import Context
from handlers.engine.scopes import MEMBER, Role, Scope

Handler = Callable[[Context], Awaitable[list[Reply]]]

REFUSALS = {
    "coordinator": N_("'{command}' is for coordinators only."),
    "admin": N_("'{command}' is for admins only."),
}


@dataclass(frozen=True, slots=True)
class Command:
    """`summary` is an English message id, translated where it is shown; so is `usage` when it has
    parts to fill in (`going NUMBER`). Command words and the whole `example` stay as typed: they
    are the same on every platform and in every language."""

    name: str
    handler: Handler
    summary: str
    usage: str
    example: str
    scope: Scope = MEMBER
    # Runs instead of `handler` unless the line comes from a confirmation button its member pressed.
    prompt: Handler | None = None
    listed: bool = True
    # Only reads: answered in a read transaction, which never waits for the writer (store/db.py);
    # should it write after all, it runs again as a writer.
    reads_only: bool = False

    @property
    def role(self) -> Role:
        return self.scope.role

    @property
    def word(self) -> str:
        return self.name.split()[0]


def split_args(text: str) -> list[str]:
    """Shell-style words, so `title="Learning visit"` stays one; unbalanced quotes are forgiven."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# A button shown to one member ends with `for:MEMBER` (handlers.engine.paging): it acts only for them.
SHOWN_TO = re.compile(r"(?:^|\s+)for:(\d+)\s*$")


def shown_to(ctx: Context, rest: str) -> str:
    """`rest` without its `for:MEMBER`; a line shown to someone else is refused."""
    found = SHOWN_TO.search(rest)
    if found is None:
        return rest
    if int(found.group(1)) != ctx.member.id:
        raise NotAllowed(ctx.tr("This list was shown to someone else; ask for your own."))
    return rest[: found.start()]


# A one-word message this close to a command word is a typo of it ("evnts"), not a question.
TYPO_CUTOFF = 80


class Router:
    def __init__(self, *, plain: Handler | None = None) -> None:
        """`plain` answers a message that names no command and has no slash (a plain sentence)."""
        self.commands: dict[str, Command] = {}
        self.plain = plain

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str,
        usage: str,
        example: str,
        scope: Scope = MEMBER,
        prompt: Handler | None = None,
        listed: bool = True,
        reads_only: bool = False,
    ) -> None:
        if name in self.commands:
            raise ValueError(f"command {name!r} registered twice")
        if not usage.startswith(name):
            raise ValueError(f"usage of {name!r} must start with its name: {usage!r}")
        if scope.role == "coordinator" and scope.resolver is None:
            # A coordinator may be scoped to one cluster: the command must say which it acts on.
            raise ValueError(f"coordinator command {name!r} needs Scope.coordinator_of(resolver)")
        self.commands[name] = Command(
            name, handler, summary, usage, example, scope, prompt, listed, reads_only
        )

    @property
    def words(self) -> list[str]:
        return list(dict.fromkeys(command.word for command in self.commands.values() if command.listed))

    def resolve(self, text: str) -> tuple[Command | None, str, str]:
        """The command a line names, its first word as typed, and the text after the command."""
        line = text.strip().removeprefix("/")
        first, _, rest = line.partition(" ")
        word = first.lower()
        second, _, after_second = rest.strip().partition(" ")
        sub = self.commands.get(f"{word} {second.lower()}")
        if sub is not None:
            return sub, word, after_second.strip()
        return self.commands.get(word), word, rest.strip()

    async def dispatch(self, ctx: Context, text: str, *, confirmed: bool = False) -> list[Reply]:
        """Run the command `text` names; one that needs confirming runs only when `confirmed`
        (a confirmation button its member pressed), and shows its prompt otherwise."""
        command, word, rest = self.resolve(text)
        if command is None:
            if self.plain is not None and self._plain_sentence(text):
                return await self.plain(replace(ctx, rest=text.strip(), args=split_args(text)))
            return [self.unknown(word, ctx)]
        if not self.allowed(command, ctx):
            raise NotAllowed(ctx.tr(REFUSALS[command.role], command=command.name))
        rest = shown_to(ctx, rest)
        ctx = replace(ctx, rest=rest, args=split_args(rest))
        handler = command.handler if confirmed or command.prompt is None else command.prompt
        try:
            await command.scope.check(ctx)
            return await handler(ctx)
        except UsageError as error:
            usage = ctx.tr("Usage: /{usage}", usage=ctx.tr(command.usage))
            example = ctx.tr("Example: /{example}", example=command.example)
            raise UsageError(
                f"{error}\n{usage}\n{example}", buttons=error.buttons, field=error.field, reason=error.reason
            ) from error

    def allowed(self, command: Command, ctx: Context) -> bool:
        return command.scope.visible(ctx)

    def suggestion(self, word: str, cutoff: int = 60) -> str | None:
        match = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=cutoff)
        return match[0] if match else None

    def _plain_sentence(self, text: str) -> bool:
        """Not `/something` and not a single word that is a typo of a command."""
        line = text.strip()
        if line.startswith("/"):
            return False
        return len(line.split()) > 1 or self.suggestion(line.lower(), TYPO_CUTOFF) is None

    def unknown(self, word: str, ctx: Context) -> Reply:
        text = ctx.text()
        guess = self.suggestion(word) if word else None
        if guess:
            text.t("I don't know '{word}'. Did you mean {command}?", word=echo(word), command=command(guess))
            text.line()
        elif word:
            text.t("I don't know '{word}'.", word=echo(word)).line()
        text.t("Send {command} to see what I can do.", command=command("help"))
        buttons = ((Button(ctx.tr("Help on {word}", word=guess), f"/help {guess}"),),) if guess else ()
        return text.reply(buttons=buttons)

    def help(self, ctx: Context, topic: str = "") -> Reply:
        topic = topic.strip().removeprefix("/").lower()
        if not topic:
            return self._overview(ctx.text(), ctx).reply()
        matching = [
            c for c in self.commands.values() if c.word == topic and c.listed and self.allowed(c, ctx)
        ]
        if not matching:
            guess = self.suggestion(topic)
            text = ctx.text().t("There is no command '{word}'.", word=echo(topic))
            if guess:
                text.t(" Did you mean {command}?", command=command(guess))
            return text.reply()
        text = ctx.text()
        for found in matching:
            text.bold(found.name).add(" — ").line(ctx.tr(found.summary))
            text.t("Usage: {usage}", usage=command(ctx.tr(found.usage))).line()
            text.t("Example: {example}", example=command(found.example)).line("\n")
        return text.reply()

    def _overview(self, text: Text, ctx: Context) -> Text:
        text.bold(ctx.tr("What I can do")).line()
        for found in self.commands.values():
            if found.name == found.word and found.listed and self.allowed(found, ctx):
                self._summary_line(text, found, ctx)
        staff = [c for c in self.commands.values() if c.name != c.word and c.listed and self.allowed(c, ctx)]
        if staff:
            text.line().bold(ctx.tr("More")).line()
            for found in staff:
                self._summary_line(text, found, ctx)
        return text.line().t(
            "Send {command} for details and an example.", command=command(ctx.tr("help COMMAND"))
        )

    @staticmethod
    def _summary_line(text: Text, found: Command, ctx: Context) -> None:
        text.command(ctx.tr(found.usage)).add(" — ").line(ctx.tr(found.summary))
