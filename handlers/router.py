"""One registry of commands: dispatch, role checks and the generated help all read it."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from handlers.context import Context
from handlers.errors import NotAllowed, UsageError
from handlers.types import Button, Reply, Text

Role = Literal["member", "coordinator", "admin"]
Handler = Callable[[Context], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    summary: str
    usage: str
    example: str
    role: Role = "member"

    @property
    def word(self) -> str:
        return self.name.split()[0]


def split_args(text: str) -> list[str]:
    """Shell-style words, so `title="Learning visit"` stays one; unbalanced quotes are forgiven."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str,
        usage: str,
        example: str,
        role: Role = "member",
    ) -> None:
        if name in self.commands:
            raise ValueError(f"command {name!r} registered twice")
        if not usage.startswith(name):
            raise ValueError(f"usage of {name!r} must start with its name: {usage!r}")
        self.commands[name] = Command(name, handler, summary, usage, example, role)

    @property
    def words(self) -> list[str]:
        return list(dict.fromkeys(command.word for command in self.commands.values()))

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

    async def dispatch(self, ctx: Context, text: str) -> list[Reply]:
        command, word, rest = self.resolve(text)
        if command is None:
            return [self.unknown(word, ctx)]
        if not self.allowed(command, ctx):
            raise NotAllowed(f"'{command.name}' is for {command.role}s only.")
        ctx.rest, ctx.args = rest, split_args(rest)
        try:
            return await command.handler(ctx)
        except UsageError as error:
            raise UsageError(f"{error}\nUsage: /{command.usage}\nExample: /{command.example}") from error

    def allowed(self, command: Command, ctx: Context) -> bool:
        if command.role == "admin":
            return ctx.member.is_admin
        if command.role == "coordinator":
            return ctx.is_coordinator
        return True

    def suggestion(self, word: str) -> str | None:
        match = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=60)
        return match[0] if match else None

    def unknown(self, word: str, ctx: Context) -> Reply:
        text = Text()
        guess = self.suggestion(word) if word else None
        if guess:
            text.add("I don't know '").add(word).add("'. Did you mean ").command(guess).line("?")
        elif word:
            text.add("I don't know '").add(word).line("'.")
        text.line()
        self._overview(text, ctx)
        buttons = ((_help_button(guess),),) if guess else ()
        return text.reply(buttons=buttons)

    def help(self, ctx: Context, topic: str = "") -> Reply:
        topic = topic.strip().removeprefix("/").lower()
        if not topic:
            return self._overview(Text(), ctx).reply()
        matching = [c for c in self.commands.values() if c.word == topic and self.allowed(c, ctx)]
        if not matching:
            guess = self.suggestion(topic)
            text = Text().add(f"There is no command '{topic}'.")
            if guess:
                text.add(" Did you mean ").command(guess).add("?")
            return text.reply()
        text = Text()
        for command in matching:
            text.bold(command.name).add(f" — {command.summary}\n")
            text.add("Usage: ").command(command.usage).add("\nExample: ").command(command.example)
            text.line("\n")
        return text.reply()

    def _overview(self, text: Text, ctx: Context) -> Text:
        text.bold("What I can do").line()
        for command in self.commands.values():
            if command.name == command.word and self.allowed(command, ctx):
                text.command(command.usage).add(f" — {command.summary}\n")
        staff = [c for c in self.commands.values() if c.name != c.word and self.allowed(c, ctx)]
        if staff:
            text.line().bold("More").line()
            for command in staff:
                text.command(command.usage).add(f" — {command.summary}\n")
        return text.add("\nSend ").command("help COMMAND").add(" for details and an example.")


def _help_button(word: str) -> Button:
    return Button(f"Help on {word}", f"/help {word}")
