"""RFC 5545 calendars made with the icalendar library."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from handlers.engine.timefmt import local
from store.events import event_uid
from store.models import Event
from store.text import is_web_url


def _printable(text: str) -> str:
    """Text without the control characters RFC 5545 forbids (line breaks are escaped, so kept).

    Stored values from before links and texts were checked may hold them; one bad event must not
    break the calendar file, or the feed of everyone going to it.
    """
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def event_calendar(events: Iterable[Event]) -> bytes:
    """A VCALENDAR whose UIDs stay the same, so re-importing updates instead of duplicating."""
    calendar = Calendar()
    calendar.add("prodid", "-//ClusterBot//clusterbot//EN")
    calendar.add("version", "2.0")
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", event_uid(event.id))
        entry.add("summary", _printable(event.title))
        entry.add("dtstart", local(event.starts_at, event.timezone))
        entry.add("dtend", local(event.ends_at, event.timezone))
        entry.add("dtstamp", event.updated_at)
        entry.add("sequence", int(event.updated_at.timestamp()) - int(event.created_at.timestamp()))
        if event.place:
            entry.add("location", _printable(event.place))
        if is_web_url(event.online_url):
            entry.add("url", event.online_url)
        if event.description:
            entry.add("description", _printable(event.description))
        entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return ics
