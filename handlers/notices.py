"""The texts of proactive messages (reminders, deadline alerts), built like any other reply."""

from __future__ import annotations

from datetime import datetime

from handlers.timefmt import day, span
from handlers.types import Button, Reply, Text
from store.models import Event, Opportunity


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
