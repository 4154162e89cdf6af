"""An adapter that keeps what it was asked to send, with scriptable platform answers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.adapter import Recipient, SendResult
from core.types import Reply


@dataclass
class RecordingAdapter:
    """Stands in for a platform: `blocked` chats answer unreachable, `scripted` answers come first;
    `asked` is set at the first send."""

    platform: str = "telegram"
    blocked: set[str] = field(default_factory=set)
    scripted: dict[str, list[SendResult]] = field(default_factory=lambda: defaultdict(list))
    received: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # When set, a send waits for `answer` before the platform answers: a slow platform, on cue.
    answer: asyncio.Event | None = None
    asked: asyncio.Event = field(default_factory=asyncio.Event)
    # The `skip` of every send, in order: how many of its messages an earlier attempt sent.
    skips: list[int] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, to: Recipient, replies: Sequence[Reply], *, skip: int = 0) -> SendResult:
        self.asked.set()
        self.skips.append(skip)
        if self.answer is not None:
            await self.answer.wait()
        if to.chat_id in self.blocked:
            return SendResult("unreachable", error="Forbidden: bot was blocked by the user")
        if self.scripted[to.chat_id]:
            return self.scripted[to.chat_id].pop(0)
        self.received[to.chat_id].extend(reply.plain_text for reply in replies)
        return SendResult("sent")
