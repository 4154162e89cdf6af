"""RFC 5545 calendars made with the icalendar library."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from handlers.engine.timefmt import local
from store.events import event_uid
from store.meetings import meeting_uid
from store.models import Event, Meeting
from store.text import is_web_url


def _printable(text: str) -> str:
    """Text without the control characters RFC 5545 forbids (line breaks are escaped, so kept).

    Stored values from before links and texts were checked may hold them; one bad event must not
    break the calendar file, or the feed of everyone going to it.
    """
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//ClusterBot//clusterbot//EN")
    calendar.add("version", "2.0")
    return calendar


@dataclass(frozen=True, slots=True)
class MeetingEntry:
    """A meeting as a calendar shows it: the event it belongs to and the title (who meets whom)."""

    meeting: Meeting
    event: Event
    title: str
    location: str


def _meeting_component(entry: MeetingEntry) -> CalendarEvent:
    meeting = entry.meeting
    component = CalendarEvent()
    component.add("uid", meeting_uid(meeting.id))
    component.add("summary", _printable(entry.title))
    component.add("dtstart", local(meeting.starts_at, entry.event.timezone))
    component.add("dtend", local(meeting.ends_at, entry.event.timezone))
    component.add("dtstamp", meeting.decided_at or meeting.created_at)
    component.add("sequence", meeting.sequence)
    if entry.location:
        component.add("location", _printable(entry.location))
    component.add("status", "CONFIRMED" if meeting.status == "accepted" else "CANCELLED")
    return component


def meeting_invitation(entry: MeetingEntry) -> bytes:
    """An invitation (METHOD:REQUEST) or, once the meeting is off, its cancellation (METHOD:CANCEL):
    the same UID with a higher SEQUENCE, so calendar apps update or remove the entry they have."""
    calendar = _calendar()
    calendar.add("method", "REQUEST" if entry.meeting.status == "accepted" else "CANCEL")
    calendar.add_component(_meeting_component(entry))
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return ics


def event_calendar(events: Iterable[Event], meetings: Iterable[MeetingEntry] = ()) -> bytes:
    """A VCALENDAR whose UIDs stay the same, so re-importing updates instead of duplicating."""
    calendar = _calendar()
    for meeting in meetings:
        calendar.add_component(_meeting_component(meeting))
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
