"""What a handler is given besides the message: the store, who is asking, and the time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.i18n import DEFAULT_LANGUAGE
from core.types import Incoming, Text, fill, fill_n
from handlers.notify import Notifier
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
    # For share links that open the Slack app (slack.com/app_redirect?app=…); empty when unknown.
    slack_app_id: str = ""
    # The language of people who chose none and whose app says none we speak.
    default_language: str = DEFAULT_LANGUAGE

    def lists_admin(self, platform: str, user_id: str) -> bool:
        """CLUSTERBOT_ADMINS names accounts as `platform:id`; for Slack the id may omit the team.

        An account, not a member: linking an admin's account to another gives that one nothing.
        """
        user = user_id.rsplit(":", 1)[-1]
        return f"{platform}:{user_id}" in self.admins or f"{platform}:{user}" in self.admins


@dataclass(frozen=True, slots=True)
class Context:
    """Frozen: the router hands each command its own copy (`dataclasses.replace`), so nothing a
    handler does leaks into the next command of the same message."""

    msg: Incoming
    store: Store
    member: Member
    identity: Identity
    now: datetime
    options: Options
    # The words after the command (and sub-command), split shell-style, and the raw remainder.
    args: list[str] = field(default_factory=list)
    rest: str = ""
    # The reader's language: their `lang` choice, else their app's, else the default.
    language: str = DEFAULT_LANGUAGE
    # Whether the account this message came from is listed in CLUSTERBOT_ADMINS: decided at each
    # message and never stored, so removing someone from the setting takes effect at once.
    is_admin: bool = False
    # How proactive messages to other members are queued (built once from the settings).
    notifier: Notifier = field(default_factory=Notifier)

    def text(self) -> Text:
        """A reply builder in the reader's language."""
        return Text(language=self.language)

    def tr(self, message: str, **values: str | int) -> str:
        """A message in the reader's language as plain text, for errors and button labels."""
        return fill(self.language, message, **values)

    def trn(self, singular: str, plural: str, count: int, **values: str | int) -> str:
        """`tr` with ngettext: the form for `count`, which fills `{count}`."""
        return fill_n(self.language, singular, plural, count, **values)

    @property
    def is_coordinator(self) -> bool:
        return self.member.is_coordinator or self.is_admin
