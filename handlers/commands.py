"""The command registry: every command, its usage and example, in the order help shows them."""

from __future__ import annotations

from handlers import (
    announce,
    calendar,
    directory,
    event_admin,
    events,
    introductions,
    linking,
    onboarding,
    opportunities,
    privacy,
    profile,
    roles,
    settings,
)
from handlers.context import Context
from handlers.flows import Flows
from handlers.router import Router
from handlers.types import Reply


def build_flows() -> Flows:
    return Flows(onboarding.ONBOARDING, opportunities.POST_FLOW)


def build_router() -> Router:
    router = Router()

    async def help_command(ctx: Context) -> list[Reply]:
        return [router.help(ctx, ctx.rest)]

    add = router.command
    add(
        "start",
        onboarding.start,
        summary="introduce yourself (or pick up where you left off)",
        usage="start",
        example="start",
    )
    add("help", help_command, summary="what I can do", usage="help [COMMAND]", example="help find")
    add("profile", profile.profile, summary="see your profile", usage="profile", example="profile")
    add(
        "profile set",
        profile.profile_set,
        summary="change a field of your profile",
        usage="profile set FIELD VALUE",
        example="profile set offers recycled-polyester finishing",
    )
    add(
        "interests",
        profile.interests,
        summary="list, add or remove your interests",
        usage="interests [add|remove TAGS]",
        example="interests add recycling, smart textiles",
    )
    add(
        "find",
        directory.find,
        summary="find members by what they do, where, or who they are",
        usage="find TEXT [in:PLACE]",
        example="find recycled fibres in:Portugal",
    )
    add(
        "events",
        events.events,
        summary="upcoming events, optionally of one kind or tag",
        usage="events [KIND|TAG]",
        example="events trade fair",
    )
    add(
        "event",
        events.event_details,
        summary="details of an event, with Going buttons",
        usage="event NUMBER",
        example="event 3",
    )
    add(
        "going",
        events.going,
        summary="say you're going (waitlisted when full)",
        usage="going NUMBER",
        example="going 3",
    )
    add(
        "notgoing",
        events.not_going,
        summary="say you're not going (frees your place)",
        usage="notgoing NUMBER",
        example="notgoing 3",
    )
    add(
        "ics",
        events.ics,
        summary="a calendar file for an event",
        usage="ics NUMBER",
        example="ics 3",
    )
    add(
        "opportunities",
        opportunities.opportunities,
        summary="open calls, partner searches and exchanges, nearest deadline first",
        usage="opportunities [WORDS]",
        example="opportunities recycling",
    )
    add(
        "opportunity",
        opportunities.opportunity_details,
        summary="details of an opportunity",
        usage="opportunity NUMBER",
        example="opportunity 2",
    )
    add(
        "post",
        opportunities.post,
        summary="post an opportunity (guided, or in one line)",
        usage="post [kind=KIND title=TITLE description=… tags=… deadline=YYYY-MM-DD]",
        example='post kind=partner_search title="Partner for smart-textile pilot" tags=smart textiles',
    )
    add(
        "opportunity edit",
        opportunities.opportunity_edit,
        summary="change an opportunity you posted (coordinators: any)",
        usage="opportunity edit NUMBER FIELD=VALUE…",
        example="opportunity edit 2 deadline=2027-01-31",
    )
    add(
        "opportunity close",
        opportunities.opportunity_close,
        summary="close an opportunity you posted (coordinators: any)",
        usage="opportunity close NUMBER",
        example="opportunity close 2",
    )
    add(
        "opportunity add",
        opportunities.opportunity_add,
        role="coordinator",
        summary="publish an opportunity",
        usage="opportunity add kind=KIND title=TITLE [description=… tags=… deadline=… region=… url=…]",
        example='opportunity add kind=funding_call title="Digital textiles call" deadline=2027-02-15',
    )
    add(
        "event add",
        event_admin.event_add,
        role="coordinator",
        summary="create an event",
        usage="event add title=TITLE start=DATETIME [duration=2h kind=… place=… capacity=… tags=… tz=…]",
        example='event add title="B2B session Porto" start="2027-01-20 10:00" duration=3h '
        "kind=b2b_session capacity=40 tz=Europe/Lisbon",
    )
    add(
        "event edit",
        event_admin.event_edit,
        role="coordinator",
        summary="change an event (attendees are told)",
        usage="event edit NUMBER FIELD=VALUE…",
        example='event edit 3 start="2027-01-21 10:00"',
    )
    add(
        "event cancel",
        event_admin.event_cancel,
        role="coordinator",
        summary="cancel an event (attendees are told)",
        usage="event cancel NUMBER",
        example="event cancel 3",
    )
    add(
        "follow",
        settings.follow,
        summary="get deadline reminders for an opportunity",
        usage="follow NUMBER",
        example="follow 2",
    )
    add(
        "unfollow",
        settings.unfollow,
        summary="stop deadline reminders for an opportunity",
        usage="unfollow NUMBER",
        example="unfollow 2",
    )
    add(
        "settings",
        settings.settings,
        summary="reminders, alerts and privacy",
        usage="settings [reminders 24h,1h|off] [alerts on|off] [suggestions on|off]",
        example="settings reminders 48h,2h",
    )
    add(
        "announce",
        announce.announce,
        role="coordinator",
        summary="message everyone or a segment (preview first)",
        usage="announce everyone|cluster:NAME|region:NAME|country:NAME|sector:NAME|tag:NAME|event:N TEXT",
        example='announce cluster:"Tèxtil Innova" The B2B agenda for Porto is out.',
    )
    add(
        "announce confirm",
        announce.confirm,
        role="coordinator",
        summary="send a previewed announcement",
        usage="announce confirm NUMBER",
        example="announce confirm 4",
    )
    add(
        "announce discard",
        announce.discard,
        role="coordinator",
        summary="drop a previewed announcement",
        usage="announce discard NUMBER",
        example="announce discard 4",
    )
    add(
        "announce status",
        announce.status,
        role="coordinator",
        summary="sent, pending, unreachable and failed counts",
        usage="announce status NUMBER",
        example="announce status 4",
    )
    add(
        "introduce",
        introductions.introduce,
        summary="ask to be introduced to a member (they decide; contacts are shared on accept)",
        usage="introduce MEMBER_ID",
        example="introduce 42",
    )
    add(
        "intro accept",
        introductions.accept,
        summary="accept an introduction: you both get each other's contact",
        usage="intro accept NUMBER",
        example="intro accept 7",
    )
    add(
        "intro decline",
        introductions.decline,
        summary="decline an introduction (they are told kindly, without details)",
        usage="intro decline NUMBER",
        example="intro decline 7",
    )
    add(
        "mydata",
        privacy.mydata,
        summary="a file with everything I hold about you",
        usage="mydata",
        example="mydata",
    )
    add(
        "forget",
        privacy.forget,
        summary="erase your data (asks first)",
        usage="forget",
        example="forget",
    )
    add(
        "forget confirm",
        privacy.forget_confirm,
        summary="erase your data now; this cannot be undone",
        usage="forget confirm",
        example="forget confirm",
    )
    add(
        "calendar",
        calendar.calendar,
        summary="your personal calendar feed of the events you're going to",
        usage="calendar",
        example="calendar",
    )
    add(
        "calendar reset",
        calendar.calendar_reset,
        summary="a new calendar feed address (the old one stops working)",
        usage="calendar reset",
        example="calendar reset",
    )
    add(
        "link",
        linking.link,
        summary="join your Telegram and Slack accounts: get a code here, type it there",
        usage="link [CODE]",
        example="link ABCD2345",
    )
    add(
        "coordinator",
        roles.coordinators,
        role="admin",
        summary="who coordinates, and which cluster",
        usage="coordinator",
        example="coordinator",
    )
    add(
        "coordinator add",
        roles.coordinator_add,
        role="admin",
        summary="give coordinator rights, for one cluster or for all",
        usage="coordinator add MEMBER [cluster:NAME]",
        example='coordinator add #12 cluster:"Tèxtil Innova"',
    )
    add(
        "coordinator remove",
        roles.coordinator_remove,
        role="admin",
        summary="take coordinator rights away",
        usage="coordinator remove MEMBER",
        example="coordinator remove #12",
    )
    add(
        "audit",
        roles.audit,
        role="admin",
        summary="the latest coordinator and admin actions: who, what, when, to whom",
        usage="audit [N]",
        example="audit 50",
    )
    return router
