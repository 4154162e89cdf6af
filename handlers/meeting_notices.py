"""What the other side of a meeting is told, in THEIR language and time zone, through the outbox.

Every proactive message about meetings goes through `tell`, the one place that knows how
notifications are queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from core.types import N_, Attachment, Button, Reply, Text, bold, fill
from handlers.engine.timefmt import local, span
from handlers.ics import MeetingEntry, meeting_invitation
from handlers.meeting_sessions import place_label
from handlers.notify import Notifier
from store.models import Event, Meeting, MeetingSession, Member
from store.repository import Store


async def tell(
    notifier: Notifier, store: Store, member: Member, cause: str, build: Callable[[str], Reply], now: datetime
) -> None:
    """Queue `build(language)` for one member (one at a time: each reads times in their own zone)."""
    await notifier.tell(store, [member.id], cause, build, now, languages={member.id: member.language})


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting with what every text about it needs: its session, event and both members."""

    meeting: Meeting
    found: MeetingSession
    event: Event
    requester: Member
    invitee: Member

    def other(self, member_id: int) -> Member:
        return self.invitee if member_id == self.requester.id else self.requester

    def me(self, member_id: int) -> Member:
        return self.requester if member_id == self.requester.id else self.invitee

    @property
    def online_link(self) -> str:
        url = self.found.online_url
        return url.replace("{meeting}", str(self.meeting.id)) if url and not self.meeting.place else ""

    def where(self, language: str) -> str:
        return place_label(self.meeting.place, language) if self.meeting.place else self.online_link

    def when(self, member: Member, language: str) -> str:
        return span(self.meeting.starts_at, self.meeting.ends_at, member.timezone, language)

    def entry(self, *, with_names: bool = True) -> MeetingEntry:
        """The meeting as a calendar shows it; its words are names and the table, never translated."""
        who = f"{self.requester.name} × {self.invitee.name}" if with_names else f"B2B #{self.meeting.id}"
        where = self.meeting.place and place_label(self.meeting.place, "en")
        return MeetingEntry(self.meeting, self.event, f"{self.event.title}: {who}", where or self.online_link)

    def invitation(self) -> Attachment:
        """The .ics sent with a message. It names nobody: it waits in the outbox base64-encoded,
        where an erasure's scrub of names could not find them (the live feed does name them)."""
        entry = self.entry(with_names=False)
        return Attachment(f"meeting-{self.meeting.id}.ics", meeting_invitation(entry), "text/calendar")


async def meeting_view(store: Store, meeting: Meeting) -> MeetingView:
    found = await store.meetings.session_by_id(meeting.session_id)
    event = await store.events.get(found.event_id) if found else None
    assert found is not None and event is not None  # meetings cascade with both
    people = await store.meetings.members([meeting.requester_id, meeting.invitee_id])
    return MeetingView(meeting, found, event, people[meeting.requester_id], people[meeting.invitee_id])


def hhmm(moment: datetime, timezone: str) -> str:
    return f"{local(moment, timezone):%H:%M}"


def request_notice(view: MeetingView, reader: Member, buttons: tuple[str, str, str], language: str) -> Reply:
    """The member asked sees who, when, where and why, and Accept / Propose another time / Decline."""
    asker = view.other(reader.id)
    text = Text(language=language).add("🗓 ")
    said = (
        N_("{name} can't make the time you asked and proposes another at {event}: {when}, {where}.")
        if view.meeting.replaces_id is not None
        else N_("{name} would like to meet you at {event}: {when}, {where}.")
    )
    text.t(
        said,
        name=bold(asker.name),
        event=view.event.title,
        when=view.when(reader, language),
        where=view.where(language),
    )
    if view.meeting.reason:
        text.line().italic(view.meeting.reason)
    accept, propose, decline = buttons
    rows = (
        (
            Button(fill(language, "Accept"), accept),
            Button(fill(language, "Propose another time"), propose),
            Button(fill(language, "Decline"), decline),
        ),
    )
    return text.reply(buttons=rows)


def meeting_card(view: MeetingView, reader: Member, language: str) -> Reply:
    """The agreed meeting: time in the reader's zone, table or link, and the calendar invitation."""
    text = Text(language=language).add("✅ ")
    text.t(
        "Meeting confirmed with {name} at {event}: {when}, {where}.",
        name=bold(view.other(reader.id).name),
        event=view.event.title,
        when=view.when(reader, language),
        where=view.where(language),
    )
    buttons = ((Button(fill(language, "My agenda"), f"/agenda {view.event.id}"),),)
    return text.reply(buttons=buttons, attachment=view.invitation())


def ended_notice(view: MeetingView, reader: Member, status: str, language: str, *, was_agreed: bool) -> Reply:
    """The other side declined, cancelled, or the request (or a schedule's meeting: "unconfirmed")
    expired; the slot is free again."""
    other, when = view.other(reader.id).name, view.when(reader, language)
    messages = {
        "declined": N_("{name} can't meet at {when}. The slot is free again."),
        "cancelled": N_("{name} cancelled your meeting at {when}. The slot is free again."),
        "expired": N_(
            "Your meeting request to {name} for {when} expired without an answer. The slot is free again."
        ),
        "unconfirmed": N_(
            "Your meeting with {name} at {when} from the published schedule was not confirmed by both "
            "in time. The slot is free again."
        ),
    }
    text = Text(language=language).t(messages[status], name=bold(other), when=when)
    buttons = (
        (Button(fill(language, "Other times"), f"/meet #{view.other(reader.id).id} {view.event.id}"),),
    )
    # A calendar that got the invitation gets its cancellation (same UID, higher SEQUENCE).
    cancelled_invitation = view.invitation() if was_agreed else None
    return text.reply(buttons=buttons, attachment=cancelled_invitation)


def late_notice(view: MeetingView, reader: Member, language: str) -> Reply:
    text = Text(language=language).add("⏱ ")
    text.t(
        "{name} is running a few minutes late for your meeting at {time}.",
        name=bold(view.other(reader.id).name),
        time=hhmm(view.meeting.starts_at, reader.timezone),
    )
    return text.reply()


def reminder_notice(view: MeetingView, reader: Member, language: str) -> Reply:
    text = Text(language=language).add("⏰ ")
    text.t(
        "Meeting with {name} at {time}, {where}.",
        name=bold(view.other(reader.id).name),
        time=hhmm(view.meeting.starts_at, reader.timezone),
        where=view.where(language),
    )
    return text.reply(buttons=((Button(fill(language, "My agenda"), f"/agenda {view.event.id}"),),))


def nudge_notice(count: int, language: str) -> Reply:
    text = Text(language=language).tn(
        "{count} meeting request is waiting for your answer.",
        "{count} meeting requests are waiting for your answer.",
        count,
    )
    return text.reply(buttons=((Button(fill(language, "See them"), "/meetings"),),))


async def tell_meetings_called_off(store: Store, member: Member, now: datetime, notifier: Notifier) -> None:
    """Before an erasure: the other side of each meeting still ahead hears that it is off, in words
    that name nobody (the erasure scrubs messages that name the member)."""
    for meeting in await store.meetings.of_member(member.id, ending_after=now):
        other = (await meeting_view(store, meeting)).other(member.id)
        build = partial(left_notice, meeting.starts_at, meeting.ends_at, other)
        await tell(notifier, store, other, f"meeting{meeting.id}:left", build, now)


def left_notice(starts: datetime, ends: datetime, reader: Member, language: str) -> Reply:
    text = Text(language=language).t(
        "Your meeting at {when} is cancelled: the other member has left. The slot is free again.",
        when=span(starts, ends, reader.timezone, language),
    )
    return text.reply()
