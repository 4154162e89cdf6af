"""The texts of proactive messages (reminders, deadline alerts, introductions), built like any other
reply but in the RECIPIENT's language, which is rarely the language of whoever caused them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.types import Button, Reply, Text, bold, fill
from handlers.contacts import affiliation
from handlers.engine.context import Context
from handlers.engine.timefmt import day, span
from store.models import Event, Opportunity
from store.people import MemberCard
from store.text import is_web_url


async def notify(ctx: Context, member_ids: list[int], cause: str, build: Callable[[str], Reply]) -> None:
    """Queue `build(language)` for each member, in their own language (built once per language)."""
    await ctx.notifier.tell(ctx.store, member_ids, cause, build, ctx.now)


def event_reminder(event: Event, timezone: str, language: str) -> Reply:
    when = span(event.starts_at, event.ends_at, timezone, language)
    text = Text(language=language).t("⏰ Reminder: {title} — {when}", title=bold(event.title), when=when)
    if event.place:
        text.add(f" · {event.place}")
    if is_web_url(event.online_url):
        text.line().link(event.online_url, event.online_url)
    buttons = (
        (
            Button(fill(language, "Details"), f"/event {event.id}"),
            Button(fill(language, "Can't go"), f"/notgoing {event.id}"),
        ),
    )
    return text.reply(buttons=buttons)


def promotion_notice(event: Event, language: str) -> Reply:
    """A waitlisted member got the place someone gave up (or erased with their data)."""
    text = Text(language=language).t(
        "Good news: a place freed up and you're now going to {title} ({when}).",
        title=bold(event.title),
        when=span(event.starts_at, event.ends_at, event.timezone, language),
    )
    return text.reply(buttons=((Button(fill(language, "Details"), f"/event {event.id}"),),))


async def tell_promoted(ctx: Context, event: Event, member_ids: list[int]) -> None:
    """Each member who just got a place from the waitlist hears it, in their language."""
    cause = f"event{event.id}:promoted:{ctx.now.isoformat()}"
    await notify(ctx, member_ids, cause, lambda language: promotion_notice(event, language))


def deadline_reminder(opportunity: Opportunity, timezone: str, now: datetime, language: str) -> Reply:
    assert opportunity.deadline is not None
    days_left = max((opportunity.deadline - now).days, 0)
    when = fill(language, "tomorrow") if days_left <= 1 else fill(language, "in {days} days", days=days_left)
    text = Text(language=language).t(
        "⏳ Deadline {when}: {title} ({date})",
        when=bold(when),
        title=bold(opportunity.title),
        date=day(opportunity.deadline, timezone, language),
    )
    buttons = (
        (
            Button(fill(language, "Details"), f"/opportunity {opportunity.id}"),
            Button(fill(language, "Unfollow"), f"/unfollow {opportunity.id}"),
        ),
    )
    return text.reply(buttons=buttons)


def member_suggestion(other_id: int, reason: str, meet: Button | None, language: str) -> Reply:
    """A synergy alert about another member; the reason is built from profiles, so it stays plain.
    `meet` books a meeting with them when a B2B session lets the two meet."""
    text = Text(language=language).bold(fill(language, "🤝 Someone you could work with")).line().line(reason)
    text.t("They'll only get your request if you ask; they choose whether to share contacts.")
    row = (Button(fill(language, "Introduce me"), f"/introduce #{other_id}"),) + ((meet,) if meet else ())
    return text.reply(buttons=(row,))


def opportunity_suggestion(opportunity_id: int, reason: str, language: str) -> Reply:
    text = Text(language=language).bold(fill(language, "💡 An opportunity that fits you")).line().add(reason)
    buttons = (
        (
            Button(fill(language, "Details"), f"/opportunity {opportunity_id}"),
            Button(fill(language, "Follow"), f"/follow {opportunity_id}"),
        ),
    )
    return text.reply(buttons=buttons)


def introduction_request(decision: Decision, requester: MemberCard, note: str, language: str) -> Reply:
    """What the target of an introduction sees: who asks, what they do, and the choice."""
    text = Text(language=language).add("👋 ")
    text.t("{name} would like to be introduced to you.", name=requester.member.name + affiliation(requester))
    text.line()
    if requester.member.offers:
        text.italic(fill(language, "Offers:") + " ").line(requester.member.offers)
    if requester.member.seeks:
        text.italic(fill(language, "Seeks:") + " ").line(requester.member.seeks)
    if note:
        text.italic(fill(language, "Their note:") + " ").line(note)
    text.t("If you accept, I'll pass on a way for each of you to reach the other.")
    return text.reply(buttons=decision_buttons(decision, language))


@dataclass(frozen=True, slots=True)
class Decision:
    """The payloads of the Accept and Decline buttons of one introduction (confirmation buttons)."""

    accept: str
    decline: str


def decision_buttons(decision: Decision, language: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(fill(language, "Accept"), decision.accept),
            Button(fill(language, "Decline"), decision.decline),
        ),
    )


def introduction_declined(target_name: str, language: str) -> Reply:
    text = Text(language=language).t(
        "Your introduction request to {name} was not taken up this time. "
        "I'll keep looking for other good matches for you.",
        name=target_name,
    )
    return text.reply()
