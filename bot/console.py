"""The console chat: one message a line on stdin, the replies on stdout; works piped.

It talks to the assistant directly and sends nothing proactive, so it is not a platform adapter
(core/adapter.py): the outbox never delivers to it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from core.types import Incoming, Reply, Span
from handlers.engine.assistant import Assistant

PLATFORM = "console"


def render_span(span: Span) -> str:
    if span.style == "command":
        return f"/{span.text}"
    if span.style == "link" and span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    return span.text


def render(reply: Reply) -> str:
    """Plain text; a button shows the exact line that does the same, e.g. `[Going → /going 12]`."""
    lines = ["".join(render_span(span) for span in reply.spans)]
    for row in reply.buttons:
        lines.append("  ".join(f"[{button.label} → {button.payload}]" for button in row))
    return "\n".join(line for line in lines if line)


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

    async def run(self) -> None:
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
        incoming = Incoming(PLATFORM, self.handle, self.handle, text=text, display_name=self.handle)
        for reply in await self.assistant.respond(incoming):
            self._write(render(reply))
            if reply.attachment is not None:
                path = self.files_dir / Path(reply.attachment.filename).name
                path.write_bytes(reply.attachment.content)
                self._write(f"📎 {path.name} saved to {path} ({len(reply.attachment.content)} bytes)")
            self._write("")

    def _write(self, text: str, end: str = "\n") -> None:
        self.stdout.write(text + end)
        self.stdout.flush()
