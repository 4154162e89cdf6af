"""The tables. Times are stored in UTC; lists (tags, sectors, languages) are JSON arrays."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.personal import NotPersonal, PersonalData
from store.types import UTCDateTime

ORGANISATION_KINDS = ("sme", "large_company", "research_centre", "university", "association")
EVENT_KINDS = ("learning_visit", "trade_fair", "b2b_session", "training", "webinar", "meeting")
OPPORTUNITY_KINDS = (
    "funding_call",
    "partner_search",
    "tender",
    "staff_exchange",
    "offer",
    "request",
)
RSVP_STATUSES = ("going", "not_going", "waitlisted")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "unreachable", "dead")
INTRODUCTION_STATUSES = ("suggested", "requested", "accepted", "declined")
# A meeting that is `requested`, `proposed` (by a published schedule) or `accepted` holds its slot
# (see MeetingSeat); no_show is set afterwards.
MEETING_STATUSES = ("requested", "proposed", "accepted", "declined", "cancelled", "expired", "no_show")
# The outcome ladder, lowest rung first: No further contact / In discussion / Joint proposal
# submitted / Agreement signed (MoU, contract) / Joint project running.
OUTCOME_STEPS = ("none", "discussion", "proposal", "agreement", "project")
EXCHANGE_STATUSES = ("planned", "running", "done", "cancelled")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }
    # What `mydata` exports and `forget` erases of this table (store/personal.py); None for a table
    # with no member key, or one with a hand-written entry in store.privacy.PERSONAL.
    __personal__: ClassVar[PersonalData | NotPersonal | None] = None


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(80))
    sectors: Mapped[list[str]] = mapped_column(default=list)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("name", "cluster_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="sme")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    country: Mapped[str] = mapped_column(String(80), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(300), default="")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # The cluster a member belongs to; taken from the organisation when there is one.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    role: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    offers: Mapped[str] = mapped_column(Text, default="")
    seeks: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    email: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Madrid")
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where proactive messages go when the member is on several platforms; None: the first linked.
    preferred_platform: Mapped[str | None] = mapped_column(String(20))
    reminder_offsets: Mapped[list[str]] = mapped_column(default=lambda: ["24h", "1h"])
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    # False: never suggested to others by synergy alerts (the member may still be found and asked).
    suggestible: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A coordinator's scope: one cluster, or None for all clusters (with is_coordinator set).
    coordinator_cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"))
    # The secret in the member's personal calendar feed URL; None until they ask for it.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Wrong link codes typed by this member, and until when further tries are refused.
    link_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    link_locked_until: Mapped[datetime | None]
    # When the member last wrote to us (to the day), and when the retention job warned them that
    # they would be erased if they stayed away; writing again clears the warning.
    last_seen_at: Mapped[datetime | None]
    retention_warned_at: Mapped[datetime | None]
    # What the last members import set, by field: a re-import changes only the fields that still
    # hold it, never what the member wrote since. None for members who were never imported.
    imported_values: Mapped[dict[str, Any] | None]
    # How long before a B2B meeting to remind the member ("15m"); None: 15 min in person, 5 online.
    meeting_reminder: Mapped[str | None] = mapped_column(String(10))
    # When they last answered a meeting request or opened `meetings`: requests that expired
    # unanswered after it count toward the pause on new ones (handlers/checkbacks.py).
    requests_seen_at: Mapped[datetime | None]


# The platform name of the terminal chat (bot/console.py): an identity no outbox worker delivers to.
CONSOLE = "console"


class Identity(Base):
    """A member's account on one platform; the unique pair is how an incoming message finds them."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(120))
    chat_id: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # The account's public @username (Telegram), taken from each update: how others can write to them.
    username: Mapped[str] = mapped_column(String(64), default="", server_default="")
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="meeting")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # The zone the organiser gave the times in; the .ics carries it as TZID.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Madrid")
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(default=list)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The id the event has elsewhere (an .ics UID, a CSV id), so re-importing updates it.
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("member_id", "event_id"),
        Index("ix_rsvps_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    # When the member last changed their answer: the waitlist is served in this order.
    updated_at: Mapped[datetime]


class Opportunity(Base):
    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    deadline: Mapped[datetime | None] = mapped_column(index=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    # The id the opportunity has in the coordinators' own lists, so re-importing updates it.
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Conversation(Base):
    """Where a person is in a guided flow, so that a restart resumes the same question."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(120))
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A proactive message waiting to be sent; (member, cause) makes writing it twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("member_id", "cause"),
        UniqueConstraint("place_id", "cause", name="uq_outbox_place_cause"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A row goes either to a member (their preferred platform) or to a linked group chat (a place).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE", name="fk_outbox_place")
    )
    cause: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # How many of the messages its reply takes went out before an attempt was cut short: the next
    # attempt starts after them (a long text is several messages on Telegram and Slack).
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Set at each claim and cleared by its outcome: the fencing token that keeps a worker whose
    # lease ran out from overwriting what the worker that claimed the row after it recorded.
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)


class ButtonPayload(Base):
    """Long button payloads kept server-side, for platforms with small button data (Telegram: 64 B)."""

    __tablename__ = "button_payloads"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Confirmation(Base):
    """A button that confirms something: it works once, before `expires_at`, for `member_id` only.

    `command` is what it confirms (its purpose), run as if typed once the press is accepted.
    """

    __tablename__ = "confirmations"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    command: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Follow(Base):
    """A member follows an opportunity to be reminded of its deadline."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("member_id", "opportunity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]


class Announcement(Base):
    """A coordinator's message to a segment: drafted, previewed with its count, then confirmed."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # e.g. "everyone", "cluster", "region", "country", "sector", "tag", "event".
    segment_kind: Mapped[str] = mapped_column(String(20))
    segment_value: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # Posted in the segment's linked places too: "" no, "also" with the members, "only" not to members.
    places: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class JobRun(Base):
    """A periodic job's lease, so that each run happens in one process only."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    lease_until: Mapped[datetime]
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]


class SendBudget(Base):
    """One platform's send rate, shared by every process: the next send slot nobody has taken yet.

    Processes take slots in small batches (`store.send_budget.take`), so that their sends together
    stay under the platform's limit however many of them there are.
    """

    __tablename__ = "send_budgets"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Seconds since the epoch (a float, so that slots a few milliseconds apart stay distinct).
    next_slot: Mapped[float] = mapped_column(Float)


class Introduction(Base):
    """A suggested or requested introduction between two members; consent is the target's to give.

    One row per ordered pair: a synergy alert writes it as `suggested`, the requester's
    `introduce` makes it `requested`, and only the target moves it to `accepted` or `declined`.
    """

    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("requester_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The requester's one line to the target ("we both work on recycled polyester").
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="suggested")
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]


class LinkCode(Base):
    """A one-time code that joins a member's identity on another platform to them (hash only)."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Invitation(Base):
    """An imported member's invitation: the deep-link token that binds a platform identity to them."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when, to whom: every coordinator and admin action, and every erasure."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # Kept as text so the entry still reads after the actor is erased ("former member").
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    segment: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class SeenRequest(Base):
    """A Slack event id or request signature already taken: a retry or a replay reaching any process,
    before or after a restart, finds it here and is not run again. Rows go after the replay window."""

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Place(Base):
    """A group chat or channel a coordinator linked to a cluster with `channel link`: announcements
    to the cluster can be posted there. `team_id` is the Slack workspace ("" on Telegram)."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("platform", "team_id", "chat_id", name="uq_places_chat"),)
    __personal__ = NotPersonal("a group chat linked to a cluster; linked_by only says whom to tell")

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str] = mapped_column(String(32), default="")
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE", name="fk_places_cluster"), index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL", name="fk_places_linked_by")
    )
    linked_at: Mapped[datetime]


class SlackInstallation(Base):
    """ClusterBot installed in one Slack workspace through the OAuth flow: the bot token that serves
    the workspace's members. `revoked_at` is set, and the token cleared, when the workspace removes
    the app or revokes its token; installing again fills both in anew."""

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("team_id", name="uq_slack_installations_team"),)
    # No person's data: a workspace, its bot and when. The token is a secret, never exported or logged.
    __personal__ = NotPersonal("a workspace's installation: its bot token and ids, nobody's data")

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_name: Mapped[str] = mapped_column(String(200), default="")
    bot_token: Mapped[str] = mapped_column(String(200), default="")
    bot_id: Mapped[str] = mapped_column(String(32), default="")
    bot_user_id: Mapped[str] = mapped_column(String(32), default="")
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    installed_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SlackOAuthState(Base):
    """An OAuth `state` handed to a browser at /slack/install, taken once at /slack/oauth_redirect."""

    __tablename__ = "slack_oauth_states"
    __personal__ = NotPersonal("a random value for one install attempt, nobody's data")

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class MeetingSession(Base):
    """An event turned into one-to-one meetings: slots cut from time windows, tables, who may book.

    `windows` are "HH:MM-HH:MM" in the event's time zone on the event's first day; `tables` are the
    names of the tables or rooms (none: every meeting is online, at `online_url`). `pairing` is None
    when everyone going may book, or {"from": [cluster ids], "to": [cluster ids]}: one side of each
    meeting from each list.
    """

    __tablename__ = "meeting_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    windows: Mapped[list[str]] = mapped_column(default=list)
    tables: Mapped[list[str]] = mapped_column(default=list)
    # "{meeting}" in it becomes the meeting's number, so each meeting can have a room of its own.
    online_url: Mapped[str] = mapped_column(String(500), default="")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    expiry_hours: Mapped[int] = mapped_column(Integer, default=48)
    pairing: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Meeting(Base):
    """A request for, or an agreed, one-to-one meeting in a session's slot.

    `awaiting_id` is who must answer next (the invitee); it is kept when a request expires, naming
    whose answer was missing. A counter-proposal is a new meeting, asked by the side who proposed
    it, that `replaces_id` the request it answers (which becomes "superseded" and stays listed).
    `sequence` is the .ics SEQUENCE, raised on every change a calendar must apply.
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("meeting_sessions.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    awaiting_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # The table or room; empty for an online meeting.
    place: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL", name="fk_meetings_replaces")
    )


class MeetingSeat(Base):
    """One row per side of a meeting that holds a slot: the database itself refuses a double booking.

    A member sits at one meeting per start time, and a table holds one meeting per start time, even
    when two processes book at the same instant; rows go when a meeting is declined, cancelled or
    expires. The table's row has no member, the members' rows no place (NULLs never collide).
    """

    __tablename__ = "meeting_seats"
    __table_args__ = (
        UniqueConstraint("member_id", "starts_at"),
        UniqueConstraint("session_id", "starts_at", "place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("meeting_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    place: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime]


class MeetingWish(Base):
    """What one participant of a session marked about another: must, meet or no_thanks (solver's Wish)."""

    __tablename__ = "meeting_wishes"
    __table_args__ = (UniqueConstraint("session_id", "member_id", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("meeting_sessions.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime]


class ScheduleDraft(Base):
    """One meeting of a coordinator's unpublished schedule; a new draft of the session replaces them all.

    `place` is the table ("" online); publishing turns the rows into `proposed` meetings and deletes them.
    """

    __tablename__ = "schedule_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("meeting_sessions.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class Checkback(Base):
    """One member's answer to "how did it go?" after a meeting or an accepted introduction.

    The row is written when the question is queued (so it is asked once) and filled by the answer;
    "Cooperation possible" adds a next step and the date to follow up on.
    """

    __tablename__ = "checkbacks"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "member_id", name="uq_checkbacks_subject_member"),
    )
    __personal__ = PersonalData(
        "checkbacks", owner=("member_id",), erase="delete", text_columns=("next_step",)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "meeting" or "introduction", and that row's id.
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # "" until answered, then one of store.checkbacks.ANSWERS.
    answer: Mapped[str] = mapped_column(String(20), default="")
    # After "Did not take place", who was not there as this member says: "other", "me" or "both".
    absent: Mapped[str] = mapped_column(String(10), default="", server_default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class Outcome(Base):
    """What came of a contact, as one member tells it: a rung of the ladder (OUTCOME_STEPS).

    A prompt three or six months after a meeting or introduction marked "Cooperation possible"
    writes the row when it is queued (`subject`, `subject_id`, `milestone` set, `step` "" until
    answered), so each side is asked once per milestone. A member's own `outcome` command writes
    a row with no subject. `opportunity_id` is the posted call a joint proposal answers.
    """

    __tablename__ = "outcomes"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "milestone", "member_id", name="uq_outcomes_prompt"),
    )
    __personal__ = PersonalData(
        "outcomes", owner=("member_id", "other_id"), erase="delete", text_columns=("line",)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE", name="fk_outcomes_member"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE", name="fk_outcomes_other"), index=True
    )
    # "" while a prompt is unanswered, then one of OUTCOME_STEPS.
    step: Mapped[str] = mapped_column(String(20), default="")
    # The call or project name, in the member's words.
    line: Mapped[str] = mapped_column(Text, default="")
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="SET NULL", name="fk_outcomes_opportunity")
    )
    # "meeting" or "introduction" and its id, and 3 or 6 (months); None when the member wrote it.
    subject: Mapped[str | None] = mapped_column(String(20))
    subject_id: Mapped[int | None]
    milestone: Mapped[int | None]
    asked_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime | None] = mapped_column(index=True)


class Exchange(Base):
    """A staff exchange (ClusterXchange): a visitor spends some days with a host.

    The host is a member, an organisation or a cluster (one of the three host columns is set).
    """

    __tablename__ = "exchanges"
    __personal__ = PersonalData("exchanges", owner=("visitor_id", "host_member_id"), erase="delete")

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE", name="fk_exchanges_visitor"), index=True
    )
    host_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE", name="fk_exchanges_host_member")
    )
    host_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL", name="fk_exchanges_host_organisation")
    )
    host_cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL", name="fk_exchanges_host_cluster")
    )
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    # One of EXCHANGE_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OpportunityInterest(Base):
    """A member told an opportunity's poster "I'm interested"; the poster may answer once through us.

    The member's note and the poster's answer travel through the outbox; the row keeps who asked,
    the note, and when the poster answered (so each side sees it under `myopportunities`).
    """

    __tablename__ = "opportunity_interests"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "member_id", name="uq_opportunity_interests_opportunity_member"),
    )
    __personal__ = PersonalData(
        "opportunity_interests", owner=("member_id",), erase="delete", text_columns=("note",)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    replied_at: Mapped[datetime | None]
