"""The texts of proactive messages (reminders, deadline alerts), built like any other reply."""

from __future__ import annotations

from datetime import datetime

from handlers.timefmt import day, span
from handlers.types import Button, Reply, Text
from store.models import Event, Opportunity
from store.people import MemberCard


def event_reminder(event: Event, timezone: str) -> Reply:
    text = (
        Text()
        .add("⏰ Reminder: ")
        .bold(event.title)
        .add(" — ")
        .add(span(event.starts_at, event.ends_at, timezone))
    )
    if event.place:
        text.add(f" · {event.place}")
    if event.online_url:
        text.line().link(event.online_url, event.online_url)
    buttons = ((Button("Details", f"/event {event.id}"), Button("Can't go", f"/notgoing {event.id}")),)
    return text.reply(buttons=buttons)


def deadline_reminder(opportunity: Opportunity, timezone: str, now: datetime) -> Reply:
    assert opportunity.deadline is not None
    days_left = max((opportunity.deadline - now).days, 0)
    when = "tomorrow" if days_left <= 1 else f"in {days_left} days"
    text = Text().add("⏳ Deadline ").bold(when).add(": ").bold(opportunity.title)
    text.add(f" ({day(opportunity.deadline, timezone)})")
    buttons = (
        (
            Button("Details", f"/opportunity {opportunity.id}"),
            Button("Unfollow", f"/unfollow {opportunity.id}"),
        ),
    )
    return text.reply(buttons=buttons)


def member_suggestion(other_id: int, reason: str) -> Reply:
    """A synergy alert about another member; the reason is built from profiles, so it stays plain."""
    text = Text().bold("🤝 Someone you could work with").line().line(reason)
    text.add("They'll only get your request if you ask; they choose whether to share contacts.")
    return text.reply(buttons=((Button("Introduce us", f"/introduce {other_id}"),),))


def opportunity_suggestion(opportunity_id: int, reason: str) -> Reply:
    text = Text().bold("💡 An opportunity that fits you").line().add(reason)
    buttons = (
        (
            Button("Details", f"/opportunity {opportunity_id}"),
            Button("Follow", f"/follow {opportunity_id}"),
        ),
    )
    return text.reply(buttons=buttons)


def introduction_request(introduction_id: int, requester: MemberCard) -> Reply:
    """What the target of an introduction sees: who asks, what they do, and the choice."""
    text = Text().add("👋 ").add(requester.member.name)
    _affiliation(text, requester)
    text.line(" would like to be introduced to you.")
    if requester.member.offers:
        text.italic("Offers: ").line(requester.member.offers)
    if requester.member.seeks:
        text.italic("Seeks: ").line(requester.member.seeks)
    text.add("If you accept, you both get each other's contact.")
    buttons = (
        (
            Button("Accept", f"/intro accept {introduction_id}"),
            Button("Decline", f"/intro decline {introduction_id}"),
        ),
    )
    return text.reply(buttons=buttons)


def introduction_contact(other: MemberCard, *, share_email: bool) -> Reply:
    """The other member's contact after an accepted introduction; the e-mail only with their consent."""
    text = Text().add("🤝 You are introduced to ").add(other.member.name)
    _affiliation(text, other)
    text.line(".")
    if share_email and other.member.email:
        text.add("E-mail: ").add(other.member.email)
    else:
        text.add("They have your contact and will get in touch.")
    return text.reply()


def introduction_declined(target_name: str) -> Reply:
    text = Text().add("Your introduction request to ").add(target_name).add(" was not taken up this time. ")
    return text.add("I'll keep looking for other good matches for you.").reply()


def _affiliation(text: Text, card: MemberCard) -> None:
    place = ", ".join(filter(None, [card.organisation.name if card.organisation else "", card.country]))
    if place:
        text.add(" (").add(place).add(")")
