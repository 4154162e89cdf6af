"""The one interface every platform adapter implements (Telegram, Slack).

The console is not one of them: it is a chat for one person at a terminal and sends nothing proactive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    and retrying would not help. `delivered`: how many of the messages it takes were out when it
    stopped, so that a retry starts after them instead of sending them twice.
    """

    outcome: Outcome
    retry_after: float = 0.0
    error: str = ""
    delivered: int = 0


@dataclass(slots=True)
class Progress:
    """How far the sending of a reply got, message by message (a long text, its pictures, its file).

    A reply can take several messages; when one of them is refused after others went out, the
    outbox tries again later and `skip` says how many are out already: without it the person would
    get the first part twice.
    """

    skip: int = 0
    # Messages out so far, those of earlier attempts included; and how many `due` has counted.
    done: int = field(default=0, init=False)
    _counted: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.done = self.skip

    def due(self) -> bool:
        """Whether the next message still has to go out (False: an earlier attempt sent it)."""
        self._counted += 1
        return self._counted > self.skip

    def sent(self) -> None:
        """The message `due` was asked about went out."""
        self.done = self._counted


class Adapter(Protocol):
    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, to: Recipient, replies: Sequence[Reply], *, skip: int = 0) -> SendResult:
        """Send `replies` to `to`, leaving out their first `skip` messages (out in an earlier try)."""
        ...
