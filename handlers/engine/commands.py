"""The command registry: every command, its usage and example, in the order help shows them."""

from __future__ import annotations

from functools import partial

from core.types import N_, Reply
from handlers import (
    announce,
    ask,
    calendar,
    checkbacks,
    delegations,
    directory,
    event_admin,
    events,
    exchanges,
    interest,
    introductions,
    languages,
    linking,
    meeting_sessions,
    meetings,
    onboarding,
    opportunities,
    outcomes,
    places,
    privacy,
    profile,
    reaches,
    reports,
    roles,
    settings,
)
from handlers.engine import confirmations
from handlers.engine.context import Context
from handlers.engine.flows import Flows
from handlers.engine.router import Router
from handlers.engine.scopes import ADMIN, Scope


def build_flows() -> Flows:
    return Flows(
        onboarding.ONBOARDING,
        opportunities.POST_FLOW,
        introductions.RELAY_FLOW,
        checkbacks.NEXT_STEP_FLOW,
        outcomes.LINE_FLOW,
        interest.REPLY_FLOW,
    )


def build_router() -> Router:
    router = Router(plain=ask.ask)

    async def help_command(ctx: Context) -> list[Reply]:
        return [router.help(ctx, ctx.rest)]

    async def confirm_command(ctx: Context) -> list[Reply]:
        return await confirmations.pressed(ctx, router)

    add = router.command
    add(
        "start",
        onboarding.start,
        summary=N_("introduce yourself (or pick up where you left off)"),
        usage="start",
        example="start",
    )
    read = partial(add, reads_only=True)  # commands that only read (see Command.reads_only)
    read("help", help_command, summary=N_("what I can do"), usage=N_("help [COMMAND]"), example="help find")
    read("profile", profile.profile, summary=N_("see your profile"), usage="profile", example="profile")
    add(
        "profile set",
        profile.profile_set,
        summary=N_("change a field of your profile"),
        usage=N_("profile set FIELD VALUE"),
        example="profile set offers recycled-polyester finishing",
    )
    add(
        "interests",
        profile.interests,
        summary=N_("list, add or remove your interests"),
        usage=N_("interests [add|remove TAGS]"),
        example="interests add recycling, smart textiles",
    )
    add(
        "find",
        directory.find,
        summary=N_("find members by what they do, where, or who they are"),
        usage=N_("find TEXT [in:PLACE]"),
        example="find recycled fibres in:Portugal",
        reads_only=True,
    )
    add(
        "events",
        events.events,
        summary=N_("upcoming events, optionally of one kind or tag"),
        usage=N_("events [KIND|TAG]"),
        example="events trade fair",
        reads_only=True,
    )
    add(
        "event",
        events.event_details,
        summary=N_("details of an event, with Going buttons"),
        usage=N_("event NUMBER"),
        example="event 3",
        reads_only=True,
    )
    add(
        "going",
        events.going,
        summary=N_("say you're going (waitlisted when full); alone, the events you're going to"),
        usage=N_("going [NUMBER]"),
        example="going 3",
    )
    add(
        "notgoing",
        events.not_going,
        summary=N_("say you're not going (frees your place)"),
        usage=N_("notgoing NUMBER"),
        example="notgoing 3",
    )
    add(
        "attendees",
        events.attendees,
        summary=N_("who's going to an event (members listed in the directory; others are counted)"),
        usage=N_("attendees NUMBER"),
        example="attendees 3",
        reads_only=True,
    )
    add(
        "myevents",
        events.my_events,
        summary=N_("the events you're going to or waitlisted for"),
        usage="myevents",
        example="myevents",
        reads_only=True,
    )
    add(
        "ics",
        events.ics,
        summary=N_("a calendar file for an event"),
        usage=N_("ics NUMBER"),
        example="ics 3",
        reads_only=True,
    )
    add(
        "opportunities",
        opportunities.opportunities,
        summary=N_("open calls, partner searches and exchanges, nearest deadline first"),
        usage=N_("opportunities [WORDS]"),
        example="opportunities recycling",
        reads_only=True,
    )
    add(
        "opportunity",
        opportunities.opportunity_details,
        summary=N_("details of an opportunity"),
        usage=N_("opportunity NUMBER"),
        example="opportunity 2",
        reads_only=True,
    )
    add(
        "interested",
        interest.interested,
        summary=N_("tell the member who posted an opportunity that you're interested (they can answer)"),
        usage=N_("interested NUMBER [NOTE]"),
        example="interested 2 we have a pilot line for this",
    )
    add(
        "interested reply",
        interest.interested_reply,
        summary=N_("answer, once, a member interested in your opportunity"),
        usage=N_("interested reply NUMBER [TEXT]"),
        example="interested reply 4 Great, let's talk on Monday",
    )
    add(
        "myopportunities",
        interest.my_opportunities,
        summary=N_("opportunities you posted, follow or said you're interested in"),
        usage="myopportunities",
        example="myopportunities",
    )
    add(
        "post",
        opportunities.post,
        summary=N_("post an opportunity (guided, or in one line)"),
        usage=N_("post [kind=KIND title=TITLE description=… tags=… deadline=YYYY-MM-DD]"),
        example='post kind=partner_search title="Partner for smart-textile pilot" tags=smart textiles',
    )
    add(
        "opportunity edit",
        opportunities.opportunity_edit,
        scope=Scope.poster_or_coordinator_of(reaches.opportunity),
        summary=N_("change an opportunity you posted (coordinators: any)"),
        usage=N_("opportunity edit NUMBER FIELD=VALUE…"),
        example="opportunity edit 2 deadline=2027-01-31",
    )
    add(
        "opportunity close",
        opportunities.opportunity_close,
        scope=Scope.poster_or_coordinator_of(reaches.opportunity),
        summary=N_("close an opportunity you posted (coordinators: any)"),
        usage=N_("opportunity close NUMBER"),
        example="opportunity close 2",
    )
    add(
        "opportunity post",
        places.post_opportunity,
        scope=Scope.poster_or_coordinator_of(reaches.opportunity),
        summary=N_("post an opportunity in its cluster's linked chats, with a Follow button"),
        usage=N_("opportunity post NUMBER"),
        example="opportunity post 2",
    )
    add(
        "opportunity add",
        opportunities.opportunity_add,
        scope=Scope.coordinator_of(reaches.own_cluster),
        summary=N_("publish an opportunity"),
        usage=N_("opportunity add kind=KIND title=TITLE [description=… tags=… deadline=… region=… url=…]"),
        example='opportunity add kind=funding_call title="Digital textiles call" deadline=2027-02-15',
    )
    add(
        "event add",
        event_admin.event_add,
        scope=Scope.coordinator_of(reaches.new_event),
        summary=N_("create an event"),
        usage=N_("event add title=TITLE start=DATETIME [duration=2h kind=… place=… capacity=… tags=… tz=…]"),
        example='event add title="B2B session Porto" start="2027-01-20 10:00" duration=3h '
        "kind=b2b_session capacity=40 tz=Europe/Lisbon",
    )
    add(
        "event edit",
        event_admin.event_edit,
        scope=Scope.coordinator_of(reaches.edited_event),
        summary=N_("change an event (attendees are told)"),
        usage=N_("event edit NUMBER FIELD=VALUE…"),
        example='event edit 3 start="2027-01-21 10:00"',
    )
    add(
        "event post",
        places.post_event,
        scope=Scope.coordinator_of(reaches.event),
        summary=N_("post an event in its cluster's linked chats, with a Going button"),
        usage=N_("event post NUMBER"),
        example="event post 3",
    )
    add(
        "event cancel",
        event_admin.event_cancel,
        scope=Scope.coordinator_of(reaches.event),
        prompt=event_admin.event_cancel_prompt,
        summary=N_("cancel an event (attendees are told)"),
        usage=N_("event cancel NUMBER"),
        example="event cancel 3",
    )
    add(
        "follow",
        settings.follow,
        summary=N_("get deadline reminders for an opportunity; alone, the ones you follow"),
        usage=N_("follow [NUMBER]"),
        example="follow 2",
    )
    add(
        "unfollow",
        settings.unfollow,
        summary=N_("stop deadline reminders for an opportunity"),
        usage=N_("unfollow NUMBER"),
        example="unfollow 2",
    )
    add(
        "settings",
        settings.settings,
        summary=N_("reminders, alerts and privacy"),
        usage=N_("settings [reminders 24h,1h|off] [meetings 15m] [alerts on|off] [suggestions on|off]"),
        example="settings reminders 48h,2h",
    )
    add(
        "lang",
        languages.lang,
        summary=N_("the language I write in: English, català, español, français, português"),
        usage=N_("lang [en|ca|es|fr|pt]"),
        example="lang ca",
    )
    add(
        "announce",
        announce.announce,
        scope=Scope.coordinator_of(reaches.segment),
        summary=N_("message everyone or a segment (preview first)"),
        usage=N_("announce everyone|cluster:NAME|region:NAME|country:NAME|sector:NAME|tag:NAME|event:N TEXT"),
        example='announce cluster:"Tèxtil Innova" The B2B agenda for Porto is out.',
    )
    add(
        "announce confirm",
        announce.confirm,
        scope=Scope.coordinator_of(reaches.draft),
        prompt=announce.review,
        summary=N_("send a previewed announcement"),
        usage=N_("announce confirm NUMBER"),
        example="announce confirm 4",
    )
    add(
        "announce discard",
        announce.discard,
        scope=Scope.coordinator_of(reaches.draft),
        summary=N_("drop a previewed announcement"),
        usage=N_("announce discard NUMBER"),
        example="announce discard 4",
    )
    add(
        "announce status",
        announce.status,
        scope=Scope.coordinator_of(reaches.draft),
        summary=N_("sent, pending, unreachable and failed counts"),
        usage=N_("announce status NUMBER"),
        example="announce status 4",
    )
    add(
        "channel link",
        places.link,
        scope=Scope.coordinator_of(places.linked_cluster),
        summary=N_("in a group or channel: post the cluster's announcements here"),
        usage=N_("channel link cluster:NAME"),
        example='channel link cluster:"Tèxtil Innova"',
    )
    add(
        "channel unlink",
        places.unlink,
        scope=Scope.coordinator_of(places.this_place),
        summary=N_("in a linked group or channel: post nothing more here"),
        usage=N_("channel unlink"),
        example="channel unlink",
    )
    add(
        "channel list",
        places.listing,
        scope=Scope.coordinator_of(reaches.own_cluster),
        summary=N_("the group chats and channels linked to clusters"),
        usage=N_("channel list"),
        example="channel list",
    )
    add(
        "introduce",
        introductions.introduce,
        summary=N_("ask to be introduced to a member, with an optional note (they decide)"),
        usage=N_('introduce NAME ["NOTE"]'),
        example='introduce Marta Puig "we both work on recycled polyester"',
    )
    add(
        "intro accept",
        introductions.accept,
        summary=N_("accept an introduction: you both get a way to reach each other"),
        usage=N_("intro accept NUMBER"),
        example="intro accept 7",
    )
    add(
        "intro decline",
        introductions.decline,
        summary=N_("decline an introduction (they are told kindly, without details)"),
        usage=N_("intro decline NUMBER"),
        example="intro decline 7",
    )
    add(
        "relay",
        introductions.relay,
        summary=N_("send one message through me to a member you were introduced to"),
        usage=N_("relay NUMBER [TEXT]"),
        example="relay 7 Shall we talk on Thursday?",
    )
    add(
        "meet",
        meetings.meet,
        summary=N_("book a one-to-one meeting at a B2B session: the times you are both free"),
        usage=N_("meet MEMBER [EVENT]"),
        example="meet #12 5",
    )
    add(
        "book",
        meetings.book,
        summary=N_("the members you may meet at an event's B2B session, to book with buttons"),
        usage=N_("book EVENT [PAGE]"),
        example="book 5",
    )
    add(
        "meet at",
        meetings.meet_at,
        summary="what a slot button of meet sends (never listed, so never translated)",
        usage="meet at EVENT MEMBER HH:MM",
        example="meet at 5 #12 15:20",
        listed=False,
    )
    add(
        "meetings",
        meetings.meetings,
        summary=N_("meeting requests to you and from you, with buttons to answer"),
        usage="meetings",
        example="meetings",
    )
    add(
        "agenda",
        meetings.agenda,
        summary=N_("your meetings, in your time zone, to cancel or say you're late"),
        usage=N_("agenda [EVENT]"),
        example="agenda 5",
    )
    add(
        "meeting accept",
        meetings.accept,
        summary=N_("accept a meeting request: you both get the card and a calendar invitation"),
        usage=N_("meeting accept NUMBER"),
        example="meeting accept 7",
    )
    add(
        "meeting decline",
        meetings.decline,
        summary=N_("decline a meeting request (the slot is freed)"),
        usage=N_("meeting decline NUMBER"),
        example="meeting decline 7",
    )
    add(
        "meeting cancel",
        meetings.cancel,
        summary=N_("cancel a meeting or withdraw a request (the other side is told)"),
        usage=N_("meeting cancel NUMBER"),
        example="meeting cancel 7",
    )
    for verb, handler in (("propose", meetings.propose), ("move", meetings.move), ("late", meetings.late)):
        add(
            f"meeting {verb}",
            handler,
            summary="what a meeting button sends (never listed, so never translated)",
            usage=f"meeting {verb} NUMBER",
            example=f"meeting {verb} 7",
            listed=False,
        )
    add(
        "checkback",
        checkbacks.checkback,
        summary=N_("answer how a meeting or introduction went, and plan the next step"),
        usage=N_('checkback NUMBER none|nofit|useful|cooperation [next="…" date=YYYY-MM-DD]'),
        example='checkback 3 next="send samples" date=2027-01-15',
    )
    add(
        "outcome",
        outcomes.outcome,
        summary=N_("say where a cooperation with a member stands: discussion, proposal, agreement, project"),
        usage=N_('outcome MEMBER [none|discussion|proposal|agreement|project] [line="…"] [opportunity=N]'),
        example='outcome Marta Puig proposal line="Horizon Europe circular textiles" opportunity=12',
    )
    add(
        "outcome exchange",
        exchanges.exchange,
        summary=N_("record a staff exchange (ClusterXchange), or change its status"),
        usage=N_(
            "outcome exchange host=MEMBER|cluster:NAME|org:NAME from=YYYY-MM-DD to=YYYY-MM-DD "
            "[visitor=MEMBER] [status=planned|running|done|cancelled], or outcome exchange NUMBER status=…"
        ),
        example='outcome exchange host="cluster:Avetex" from=2027-04-12 to=2027-04-23',
    )
    for verb, handler in (("answer", outcomes.answer), ("link", outcomes.link)):
        add(
            f"outcome {verb}",
            handler,
            summary="what an outcome button sends (never listed, so never translated)",
            usage=f"outcome {verb} NUMBER VALUE",
            example=f"outcome {verb} 7 proposal" if verb == "answer" else f"outcome {verb} 7 12",
            listed=False,
        )
    add(
        "session",
        meeting_sessions.session_setup,
        scope=Scope.coordinator_of(reaches.event),
        summary=N_("turn an event into one-to-one meetings: slots, tables, who may book"),
        usage=N_("session EVENT windows=HH:MM-HH:MM [slot=20] [tables=N] [online=URL] [who=going]"),
        example='session 5 slot=20 windows="10:00-12:00,14:00-16:00" tables=12',
    )
    add(
        "session status",
        meeting_sessions.session_status,
        scope=Scope.coordinator_of(reaches.event),
        summary=N_("requested, accepted, held and no-show meetings of a session"),
        usage=N_("session status EVENT"),
        example="session status 5",
    )
    add(
        "report",
        reports.report,
        scope=Scope.coordinator_of(reaches.report),
        summary=N_("what a cluster, a region or the partnership achieved: a summary and charts"),
        usage=N_("report [cluster:NAME|region:NAME|country:NAME|all] [2026Q3|2026|since YYYY-MM-DD]"),
        example="report cluster:TEXCAT 2026Q4",
    )
    add(
        "participants",
        delegations.participants,
        summary=N_("who is going to a delegation day, with buttons to say whom you must meet"),
        usage=N_("participants EVENT [PAGE]"),
        example="participants 5",
    )
    add(
        "wish",
        delegations.wish,
        summary=N_("say whom you must meet, would like to meet, or not, at a delegation day"),
        usage=N_("wish EVENT MEMBER must|meet|no"),
        example="wish 5 #12 must",
    )
    add(
        "schedule draft",
        delegations.schedule_draft,
        scope=Scope.coordinator_of(reaches.event),
        summary=N_("draft everyone's meetings at a B2B session from their wishes, to review"),
        usage=N_("schedule draft EVENT"),
        example="schedule draft 5",
    )
    add(
        "schedule publish",
        delegations.schedule_publish,
        scope=Scope.coordinator_of(reaches.event),
        summary=N_("publish the draft: each person confirms or declines their meetings"),
        usage=N_("schedule publish EVENT"),
        example="schedule publish 5",
    )
    answers = (("confirm", delegations.schedule_confirm), ("decline", delegations.schedule_decline))
    for verb, handler in answers:
        add(
            f"schedule {verb}",
            handler,
            summary="what a published schedule's button sends (never listed, so never translated)",
            usage=f"schedule {verb} NUMBER",
            example=f"schedule {verb} 7",
            listed=False,
        )
    add(
        "privacy",
        privacy.notice,
        summary=N_("what I hold about you, and how to take a copy or erase it"),
        usage="privacy",
        example="privacy",
    )
    add(
        "mydata",
        privacy.mydata,
        summary=N_("a file with everything I hold about you"),
        usage="mydata",
        example="mydata",
    )
    add(
        "forget",
        privacy.forget,
        summary=N_("erase your data (asks first)"),
        usage="forget",
        example="forget",
    )
    add(
        "forget confirm",
        privacy.forget_confirm,
        prompt=privacy.forget,
        summary=N_("erase your data now; this cannot be undone"),
        usage="forget confirm",
        example="forget confirm",
    )
    add(
        "calendar",
        calendar.calendar,
        summary=N_("your personal calendar feed of the events you're going to"),
        usage="calendar",
        example="calendar",
    )
    add(
        "calendar reset",
        calendar.calendar_reset,
        summary=N_("a new calendar feed address (the old one stops working)"),
        usage="calendar reset",
        example="calendar reset",
    )
    add(
        "link",
        linking.link,
        summary=N_("join your Telegram and Slack accounts: get a code here, type it there"),
        usage=N_("link [CODE]"),
        example="link ABCD2345",
    )
    add(
        "link join",
        linking.link_join,
        summary="what the Join button of link sends (never listed, so never translated)",
        usage="link join NUMBER",
        example="link join 1",
        prompt=linking.link_join_prompt,
        listed=False,
    )
    add(
        confirmations.WORD,
        confirm_command,
        summary="what a confirmation button sends (never listed, so never translated)",
        usage="confirm TOKEN",
        example="confirm 4kq9ZQ2mWw1xYb3t",
        listed=False,
    )
    add(
        "coordinator",
        roles.coordinators,
        scope=ADMIN,
        summary=N_("who coordinates, and which cluster"),
        usage="coordinator",
        example="coordinator",
    )
    add(
        "coordinator add",
        roles.coordinator_add,
        scope=ADMIN,
        summary=N_("give coordinator rights, for one cluster or for all"),
        usage=N_("coordinator add MEMBER [cluster:NAME]"),
        example='coordinator add #12 cluster:"Tèxtil Innova"',
    )
    add(
        "coordinator remove",
        roles.coordinator_remove,
        scope=ADMIN,
        summary=N_("take coordinator rights away"),
        usage=N_("coordinator remove MEMBER"),
        example="coordinator remove #12",
    )
    add(
        "audit",
        roles.audit,
        scope=ADMIN,
        summary=N_("the latest coordinator and admin actions: who, what, when, to whom"),
        usage=N_("audit [N]"),
        example="audit 50",
    )
    return router
