"""The console chat: one message a line on stdin, the replies on stdout; works piped.

It talks to the assistant directly, so it is not a platform adapter (core/adapter.py) and no
outbox worker delivers to it. Instead, after each message it shows the proactive messages queued
for whoever is chatting since the chat began (an introduction request, a promotion from the
waitlist), once, and marks them sent unless the member has an account the outbox worker
delivers to; `/as NAME` switches to another member, so that one terminal can
play both sides of an introduction or a meeting.

Buttons are numbered, `[1] Accept  [2] Decline`: typing a number, or a button's label, presses
that button of the last answer (and the messages shown with it), as a tap would on a platform,
so nobody types `/confirm TOKEN`. A button that runs a plain command shows it too, to learn from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from core.i18n import choose_language
from core.types import Button, Incoming, Reply, Span, echo, fill
from handlers.engine.assistant import Assistant
from handlers.engine.confirmations import WORD as CONFIRM
from handlers.engine.resolving import UNKNOWN
from store.models import CONSOLE
from store.repository import store_transaction

PLATFORM = CONSOLE


def render_span(span: Span) -> str:
    if span.style == "command":
        return f"/{span.text}"
    if span.style == "link" and span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    return span.text


def render(reply: Reply, number: Callable[[Button], int] | None = None) -> str:
    """Plain text; a button shows the exact line that does the same, e.g. `[Going → /going 12]`,
    or with `number`, its number to type: `[1] Going → /going 12`, `[2] Accept`."""
    lines = ["".join(render_span(span) for span in reply.spans)]
    for row in reply.buttons:
        if number is None:
            lines.append("  ".join(f"[{button.label} → {button.payload}]" for button in row))
        else:
            lines.append("  ".join(numbered(button, number(button)) for button in row))
    return "\n".join(line for line in lines if line)


def numbered(button: Button, number: int) -> str:
    """A confirmation's token, or a guided question's answer, means nothing to read: label only."""
    if not button.payload.startswith("/") or button.payload.startswith(f"/{CONFIRM} "):
        return f"[{number}] {button.label}"
    return f"[{number}] {button.label} → {button.payload}"


class ConsoleChat:
    """A chat with the assistant as one person (`handle`), for people and for scripts."""

    def __init__(
        self,
        assistant: Assistant,
        handle: str,
        *,
        stdin: TextIO,
        stdout: TextIO,
        files_dir: Path,
        echo: bool = False,
    ) -> None:
        self.assistant, self.handle = assistant, handle
        self.stdin, self.stdout = stdin, stdout
        self.files_dir = files_dir
        # Piped input is not shown by the terminal; echoing it keeps a transcript readable.
        self.echo = echo
        # Outbox messages up to this id were queued before the chat began: not ours to show.
        self.chat_began_after = 0
        # Per member played in this chat, the newest message already shown to them.
        self.shown_up_to: dict[int, int] = {}
        # The buttons shown since the last line typed, in their numbers' order.
        self.buttons: list[Button] = []

    async def run(self) -> None:
        async with store_transaction(self.assistant.db) as store:
            self.chat_began_after = await store.outbox.newest_id()
        loop = asyncio.get_running_loop()
        while True:
            if not self.echo:
                self._write("> ", end="")
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                self._write("" if self.echo else "\n", end="")
                return
            text = line.strip()
            if text.lower() in ("/quit", "/exit", "quit", "exit"):
                return
            if not text:
                continue
            if self.echo:
                self._write(f"> {text}")
            await self.say(text)

    async def say(self, text: str) -> None:
        payload = self.pressed(text)
        self.buttons = []
        if payload is None and text.split(maxsplit=1)[0].lower() == "/as":
            await self.switch(text[3:].strip())
        else:
            incoming = Incoming(
                PLATFORM, self.handle, self.handle, text=text, payload=payload, display_name=self.handle
            )
            for reply in await self.assistant.respond(incoming):
                self._show(reply)
        await self.show_proactive()

    def pressed(self, typed: str) -> str | None:
        """The payload of the button shown with that number or label; None when it names none."""
        if typed.isdigit() and 1 <= int(typed) <= len(self.buttons):
            return self.buttons[int(typed) - 1].payload
        wanted = typed.casefold()
        return next((b.payload for b in self.buttons if b.label.casefold() == wanted), None)

    def _number(self, button: Button) -> int:
        self.buttons.append(button)
        return len(self.buttons)

    async def switch(self, typed: str) -> None:
        """`/as NAME`: chat on as that member (name, `#12` or `@handle`, as the resolver reads them)."""
        now = self.assistant.clock()
        async with store_transaction(self.assistant.db) as store:
            current = await store.people.member_of(PLATFORM, self.handle)
            language = self._language(current.language if current else None)
            found = await store.resolver.member(typed) if typed else None
            if found is None or found.found is None:
                self._write(self._unknown(typed, found.suggestions if found else (), language))
                return
            member = found.found
            self.handle = await store.people.console_handle(member.id, now)
        language = self._language(member.language)
        self._write(fill(language, "You are now {name} (#{number}).", name=member.name, number=member.id))
        self._write("")

    async def show_proactive(self) -> None:
        """The messages queued for whoever is chatting, shown once, as a platform would deliver them."""
        async with store_transaction(self.assistant.db) as store:
            member = await store.people.member_of(PLATFORM, self.handle)
            if member is None:
                return
            after = self.shown_up_to.get(member.id, self.chat_began_after)
            self.shown_up_to[member.id], payloads = await store.outbox.take_pending(
                member.id, after, self.assistant.clock()
            )
        for payload in payloads:
            reply = Reply.from_dict(payload)
            self._write(fill(reply.language, "📬 (message from ClusterBot)"))
            self._show(reply)

    @staticmethod
    def _unknown(typed: str, suggestions: Sequence[tuple[str, str]], language: str) -> str:
        """What `/as` answers when the name is not one member's: the closest names, as lines to type."""
        if not suggestions:
            return fill(language, "Who should I be? Give a member's name, like /as Marta Puig.") + "\n"
        lines = [
            fill(language, UNKNOWN["member"], name=echo(typed))
            + " "
            + fill(language, "Did you mean one of these?")
        ]
        lines += [f"[{label} → /as #{value}]" for label, value in suggestions]
        return "\n".join(lines) + "\n"

    def _language(self, stored: str | None) -> str:
        return choose_language(stored, None, self.assistant.options.default_language)

    def _show(self, reply: Reply) -> None:
        self._write(render(reply, self._number))
        if reply.attachment is not None:
            path = self.files_dir / Path(reply.attachment.filename).name
            path.write_bytes(reply.attachment.content)
            self._write(f"📎 {path.name} saved to {path} ({len(reply.attachment.content)} bytes)")
        for image in reply.images:
            path = self.files_dir / Path(image.filename).name
            path.write_bytes(image.content)
            self._write(f"🖼 {path}")
        self._write("")

    def _write(self, text: str, end: str = "\n") -> None:
        self.stdout.write(text + end)
        self.stdout.flush()
