"""The one interface every platform adapter implements (Telegram, Slack).

The console is not one of them: it is a chat for one person at a terminal and sends nothing proactive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from core.types import Reply

Outcome = Literal["sent", "unreachable", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a proactive message goes: one identity of a member, or a linked group chat (`group`,
    `user_id` then only names the Slack workspace as "TEAM:")."""

    platform: str
    user_id: str
    chat_id: str
    group: bool = False


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened to a proactive message, so the outbox knows whether to try again.

    `unreachable`: the person blocked the bot or left (never retried); `retry`: try again after
    `retry_after` seconds (rate limit, 5xx, network); `failed`: the platform refused this message
    and retrying would not help.
    """

    outcome: Outcome
    retry_after: float = 0.0
    error: str = ""


class Adapter(Protocol):
    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, to: Recipient, replies: Sequence[Reply]) -> SendResult: ...
