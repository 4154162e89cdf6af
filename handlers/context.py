"""What a handler is given besides the message: the store, who is asking, and the time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers.types import Incoming
from store.directory import DirectoryIndex
from store.models import Identity, Member
from store.repository import Store


@dataclass(frozen=True, slots=True)
class Options:
    """Process-wide choices the handlers need; the bot wires them from the settings."""

    default_timezone: str = "Europe/Madrid"
    # "platform:user_id" strings, from CLUSTERBOT_ADMINS.
    admins: frozenset[str] = frozenset()
    # Where the HTTP server is reached from outside: personal calendar feed URLs start with it.
    public_url: str = "http://127.0.0.1:8080"
    # For invitation deep links (t.me/<username>?start=…); empty when unknown.
    telegram_bot_username: str = ""


@dataclass(slots=True)
class Context:
    msg: Incoming
    store: Store
    member: Member
    identity: Identity
    now: datetime
    options: Options
    directory: DirectoryIndex
    # The words after the command (and sub-command), split shell-style, and the raw remainder.
    args: list[str] = field(default_factory=list)
    rest: str = ""

    @property
    def is_coordinator(self) -> bool:
        return self.member.is_coordinator or self.member.is_admin
