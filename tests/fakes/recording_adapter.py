"""An adapter that keeps what it was asked to send, with scriptable platform answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.adapter import Recipient, SendResult
from core.types import Reply


@dataclass
class RecordingAdapter:
    """Stands in for a platform: `blocked` chats answer unreachable, `scripted` answers come first."""

    platform: str = "telegram"
    blocked: set[str] = field(default_factory=set)
    scripted: dict[str, list[SendResult]] = field(default_factory=lambda: defaultdict(list))
    received: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, to: Recipient, replies: Sequence[Reply]) -> SendResult:
        if to.chat_id in self.blocked:
            return SendResult("unreachable", error="Forbidden: bot was blocked by the user")
        if self.scripted[to.chat_id]:
            return self.scripted[to.chat_id].pop(0)
        self.received[to.chat_id].extend(reply.plain_text for reply in replies)
        return SendResult("sent")
