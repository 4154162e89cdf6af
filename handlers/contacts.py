"""What an accepted introduction passes on: the ways two members can really reach each other.

A way counts only if it works for the reader: a Slack mention and DM link when both are in the
same workspace, a Telegram @username (public, so it works from anywhere), an e-mail only when
its owner shares contacts. With none, the bot carries one message each way (`relay`), and each
side is told exactly what the other got, never a vague "they have your contact".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.i18n import join_words
from core.types import Button, Reply, Span, Text, fill
from store.models import Identity, Member
from store.people import MemberCard

ChannelKind = Literal["slack", "telegram", "email"]
SLACK_DM = "https://slack.com/app_redirect?team={team}&channel={user}"


@dataclass(frozen=True, slots=True)
class Channel:
    """One way to write to a member: `address` is a Slack user id, a Telegram username or an e-mail."""

    kind: ChannelKind
    address: str
    url: str


def _slack_teams(identities: list[Identity]) -> set[str]:
    return {identity.user_id.split(":", 1)[0] for identity in identities if identity.platform == "slack"}


def channels(member: Member, identities: list[Identity], reader: list[Identity]) -> list[Channel]:
    """The ways the reader (with `reader` accounts) can write to `member` (with `identities`)."""
    found: list[Channel] = []
    teams = _slack_teams(reader)
    for identity in identities:
        if identity.platform == "slack" and ":" in identity.user_id:
            team, user = identity.user_id.split(":", 1)
            if team in teams:
                found.append(Channel("slack", user, SLACK_DM.format(team=team, user=user)))
        elif identity.platform == "telegram" and identity.username:
            found.append(Channel("telegram", identity.username, f"https://t.me/{identity.username}"))
    if member.share_contact and member.email:
        found.append(Channel("email", member.email, f"mailto:{member.email}"))
    return found


def _add_channel(text: Text, channel: Channel, name: str) -> None:
    if channel.kind == "slack":
        label = fill(text.language, "open a direct message")
        mention = Span(f"@{name}", "mention", channel.address)
        text.t("Slack: {mention} ({link})", mention=mention, link=Span(label, "link", channel.url))
    elif channel.kind == "telegram":
        text.t("Telegram: {username}", username=Span(f"@{channel.address}", "link", channel.url))
    else:
        text.t("E-mail: {email}", email=Span(channel.address, "link", channel.url))
    text.line()


def _shared(channel: Channel, language: str) -> str:
    """How the reader's own channel is named when they are told what the other side got."""
    if channel.kind == "slack":
        return fill(language, "your Slack account")
    if channel.kind == "telegram":
        return f"Telegram @{channel.address}"
    return fill(language, "your e-mail {email}", email=channel.address)


def introduction_contact(
    other: MemberCard,
    theirs: list[Channel],
    mine: list[Channel],
    introduction_id: int,
    language: str,
) -> Reply:
    """The other member's ways to be reached, and exactly which of the reader's were passed on."""
    name = other.member.name
    text = Text(language=language).t("🤝 You are introduced to {name}.", name=name + affiliation(other))
    text.line()
    buttons: tuple[tuple[Button, ...], ...] = ()
    if theirs:
        text.t("How to reach them:").line()
        for channel in theirs:
            _add_channel(text, channel, name)
    else:
        text.t("I have no direct way to put you in touch, so I'll carry one message each way.").line()
        buttons = ((Button(fill(language, "Write to them"), f"/relay {introduction_id}"),),)
    if mine:
        text.t(
            "I gave them: {channels}.",
            channels=join_words([_shared(channel, language) for channel in mine], language),
        )
    else:
        text.t("They got no contact of yours; they can write to you once through me.")
    return text.reply(buttons=buttons)


def relayed_message(
    sender: str, message: str, introduction_id: int, language: str, *, can_answer: bool
) -> Reply:
    """A message one side of an introduction sent through the bot; the text is theirs, kept plain."""
    text = Text(language=language).t("✉️ {name} writes to you through me:", name=sender).line().line(message)
    if not can_answer:
        return text.reply()
    text.t("You can answer once the same way.")
    return text.reply(buttons=((Button(fill(language, "Write back"), f"/relay {introduction_id}"),),))


def affiliation(card: MemberCard) -> str:
    """' (Organisation, Country)' after a name, or nothing when neither is known."""
    place = ", ".join(filter(None, [card.organisation.name if card.organisation else "", card.country]))
    return f" ({place})" if place else ""
