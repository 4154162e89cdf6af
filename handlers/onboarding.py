"""`start`: a new person introduces themselves, one question at a time."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from babel.dates import get_timezone_location

from core.errors import UsageError
from core.i18n import babel_locale
from core.types import N_, Button, Reply, Text, bold, command, echo, fill
from core.zones import country_zone, country_zones, home_zone, territory
from handlers.engine.context import Context
from handlers.engine.flows import CARRY_ON, Flow, Step, as_name, as_text, ask, begin_flow
from handlers.engine.forms import tag_list
from handlers.engine.resolving import cluster_named
from handlers.engine.timefmt import valid_zone
from handlers.events import event_details
from handlers.opportunities import opportunity_details
from store.fields import MAX_TAGS

# The payload of a shared link to an event or an opportunity (see handlers.sharing).
DEEP_LINK = re.compile(r"(event|opp)_(\d{1,9})")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
YES = frozenset({"yes", "y", "si", "sí", "oui", "sim", "ok", "1", "true", "d'accord", "vale"})
NO = frozenset({"no", "n", "non", "não", "nao", "0", "false"})


async def parse_yes_no(ctx: Context, answer: str) -> bool:
    word = answer.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise UsageError(ctx.tr("Please answer yes or no."))


async def parse_cluster(ctx: Context, answer: str) -> int:
    """The cluster's name or short name; anything else is answered with buttons of the closest ones."""
    return (await cluster_named(ctx, answer, lambda name: name)).id


async def parse_tags(ctx: Context, answer: str) -> list[str]:
    tags = tag_list(answer, MAX_TAGS, ctx.tr("Your answer"), ctx.language)
    if not tags:
        raise UsageError(
            ctx.tr("Give one or more interests separated by commas, e.g. recycling, smart textiles.")
        )
    return tags


async def cluster_buttons(ctx: Context, _answers: dict[str, Any]) -> list[Button]:
    return [Button(c.name, c.name) for c in (await ctx.store.people.clusters())[:12]]


async def yes_no_buttons(ctx: Context, _answers: dict[str, Any]) -> list[Button]:
    return [Button(ctx.tr("Yes, list me"), "yes"), Button(ctx.tr("No, keep me hidden"), "no")]


async def contact_buttons(ctx: Context, _answers: dict[str, Any]) -> list[Button]:
    return [Button(ctx.tr("Yes, share my contact"), "yes"), Button(ctx.tr("No, not yet"), "no")]


async def parse_email(ctx: Context, answer: str) -> str:
    email = answer.strip()
    if email and (not EMAIL.fullmatch(email) or len(email) > 300):
        raise UsageError(ctx.tr("'{email}' does not look like an e-mail address.", email=echo(email)))
    return email


async def home_place(ctx: Context, answers: dict[str, Any]) -> tuple[str, str]:
    """Where the member works, as (country, region): their cluster's, else their organisation's."""
    people = ctx.store.people
    cluster = (await people.get_cluster(answers["cluster"])) if answers.get("cluster") else None
    if cluster is not None and territory(cluster.country):
        return cluster.country, cluster.region
    return await people.organisation_place(str(answers.get("organisation") or ""))


async def suggested_zone(ctx: Context, answers: dict[str, Any]) -> str:
    """The member's own zone when their app tells it (Slack), else their country's (or region's, for
    the Canaries or the Azores), else the one they have."""
    if ctx.msg.timezone:
        return ctx.msg.timezone
    return home_zone(*await home_place(ctx, answers)) or ctx.member.timezone


def zone_label(zone: str, language: str) -> str:
    """'Lisboa', 'Illes Canàries': the zone's city as the reader writes it."""
    return str(get_timezone_location(zone, locale=babel_locale(language), return_city=True))


async def zone_note(ctx: Context, answers: dict[str, Any]) -> str:
    zone = await suggested_zone(ctx, answers)
    return ctx.tr("Suggested: {zone} ({city}).", zone=zone, city=zone_label(zone, ctx.language))


async def zone_buttons(ctx: Context, answers: dict[str, Any]) -> list[Button]:
    """The suggested zone first, then the other zones of the member's country (Canaries, Azores…)."""
    country, _region = await home_place(ctx, answers)
    zones = [await suggested_zone(ctx, answers), *country_zones(country)]
    return [Button(zone_label(zone, ctx.language), zone) for zone in dict.fromkeys(zones)]


async def parse_zone(ctx: Context, answer: str) -> str:
    """A zone (`Europe/Lisbon`, as the buttons send) or a country, which gives its main zone."""
    return country_zone(answer.strip()) or valid_zone(answer.strip(), ctx.language)


async def finish(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    people = ctx.store.people
    cluster = (await people.get_cluster(answers["cluster"])) if answers.get("cluster") else None
    organisation = await people.organisation_for(answers["organisation"], cluster)
    await people.update(
        ctx.member,
        ctx.now,
        name=answers["name"],
        organisation_id=organisation.id,
        cluster_id=cluster.id if cluster else None,
        offers=answers["offers"],
        seeks=answers["seeks"],
        tags=answers.get("tags") or ctx.member.tags,
        timezone=answers.get("timezone") or await suggested_zone(ctx, answers),
        email=answers.get("email") or ctx.member.email,
        share_contact=bool(answers["contact"]),
        listed=bool(answers["listed"]),
        onboarded=True,
    )
    text = ctx.text().t("Thank you, {name}. You're all set.", name=bold(ctx.member.name)).line()
    if ctx.member.listed:
        text.t("Other members can now find you in the directory.").line()
    else:
        text.t(
            "You are not listed in the directory; change that any time with {command}",
            command=command("profile set listed yes"),
        ).line()
    text.line().t("Things to try:").line()
    text.command("find recycled fibres").add(" — ").t("find people by what they do").line()
    text.command("events").add(" — ").t("what is coming up").line()
    text.command("opportunities").add(" — ").t("open calls and partner searches").line()
    buttons = ((Button(ctx.tr("Upcoming events"), "/events"), Button(ctx.tr("My profile"), "/profile")),)
    return [text.reply(buttons=buttons)]


ONBOARDING = Flow(
    name="onboarding",
    intro=N_("Welcome to ClusterBot! A few questions so that members can find you (about a minute)."),
    steps=(
        Step("name", N_("What is your name?"), as_name),
        Step("organisation", N_("Which organisation do you work for?"), as_name),
        Step(
            "cluster",
            N_("Which cluster are you a member of?"),
            parse_cluster,
            optional=True,
            choices=cluster_buttons,
        ),
        Step(
            "timezone",
            N_("Which time zone are you in? Event times and reminders are shown in it."),
            parse_zone,
            optional=True,
            choices=zone_buttons,
            note=zone_note,
        ),
        Step("offers", N_("What does your organisation offer? (skills, products, services)"), as_text),
        Step("seeks", N_("What are you looking for? (partners, suppliers, know-how)"), as_text),
        Step(
            "tags",
            N_("Your interests, separated by commas (e.g. recycling, smart textiles)."),
            parse_tags,
            optional=True,
        ),
        Step(
            "listed",
            N_(
                "May other members find you in the directory? Your contact details are shared only "
                "when you accept an introduction."
            ),
            parse_yes_no,
            choices=yes_no_buttons,
        ),
        Step(
            "email",
            N_("Your e-mail address, if you like: introductions need a way to reach you outside the chat."),
            parse_email,
            optional=True,
        ),
        Step(
            "contact",
            N_(
                "When you accept an introduction, may I give the other person your contact (your e-mail, "
                "or your chat account)?"
            ),
            parse_yes_no,
            choices=contact_buttons,
        ),
    ),
    finish=finish,
)


async def start(ctx: Context) -> list[Reply]:
    """Begin onboarding, resume it where it stopped, or greet someone who has done it.

    `start TOKEN` comes from an invitation link (a Telegram deep link, a Slack invitation button):
    it connects this account to the profile a coordinator imported, instead of asking again.
    """
    if ctx.args and (shared := DEEP_LINK.fullmatch(ctx.args[0])):
        return await _shared(ctx, shared.group(1), shared.group(2))
    # `start private`: the "continue in private" link from a group, no invitation.
    if ctx.args and ctx.args[0] != "private":
        invited = await accept_invitation(ctx, ctx.args[0])
        if invited is not None:
            return invited
        notice = (
            ctx.text()
            .t(
                "That invitation link is unknown or has already been used, so there is no prepared "
                "profile to connect you to. Let's set you up here instead."
            )
            .reply()
        )
        return [notice, *await _start(ctx)]
    return await _start(ctx)


async def _shared(ctx: Context, kind: str, number: str) -> list[Reply]:
    """A link someone shared (`t.me/BOT?start=event_12`): the card it points to, and for a newcomer
    the first question of onboarding after it."""
    details = event_details if kind == "event" else opportunity_details
    card = await details(replace(ctx, args=[number], rest=number))
    if ctx.member.onboarded:
        return card
    return [*card, *await _start(ctx)]


async def _start(ctx: Context) -> list[Reply]:
    conversation = await ctx.store.conversations.current(ctx.msg.platform, ctx.msg.user_id)
    if conversation is not None and conversation.flow == ONBOARDING.name:
        answers = dict(conversation.answers)
        return [await ask(ctx, ONBOARDING, conversation.step, intro=CARRY_ON, answers=answers)]
    if ctx.member.onboarded:
        text = ctx.text().t("Welcome back, {name}.", name=bold(ctx.member.name)).line()
        text.t(
            "Send {help} to see everything I can do, or {profile} to review your details.",
            help=command("help"),
            profile=command("profile"),
        )
        buttons = (
            (Button(ctx.tr("Upcoming events"), "/events"), Button(ctx.tr("Opportunities"), "/opportunities")),
        )
        return [text.reply(buttons=buttons)]
    return [await begin_flow(ctx, ONBOARDING)]


async def accept_invitation(ctx: Context, token: str) -> list[Reply] | None:
    """Bind the account writing to the invited member; None when the token is unknown or used."""
    invitations = ctx.store.invitations
    invitation = await invitations.unused(token)
    if invitation is None:
        return None
    if invitation.member_id != ctx.member.id and await invitations.holds_something(ctx.member, ctx.identity):
        # Moving the account would strand what this person already has here; merging is `link`'s job.
        return [
            ctx.text()
            .t(
                "You already have a profile with me, so I kept it and left the one your coordinators "
                "prepared untouched. Ask them to remove the prepared one if you don't need it."
            )
            .reply()
        ]
    await ctx.store.conversations.end(ctx.msg.platform, ctx.msg.user_id)
    ctx = replace(ctx, member=await invitations.bind(invitation, ctx.member, ctx.identity, ctx.now))
    text = ctx.text().t("Welcome, {name}!", name=bold(ctx.member.name)).line()
    text.t("Your cluster coordinators invited you, and this account is now connected to your profile.").line()
    if ctx.member.listed:
        text.t("Other members can find you in the directory.").line()
    else:
        text.t(
            "You are not listed in the directory; {command} changes that.",
            command=command("profile set listed yes"),
        ).line()
    text.t(
        "Check your details with {profile}, or see everything with {help}.",
        profile=command("profile"),
        help=command("help"),
    )
    buttons = ((Button(ctx.tr("My profile"), "/profile"), Button(ctx.tr("Upcoming events"), "/events")),)
    return [text.reply(buttons=buttons)]


def invitation_reply(name: str, token: str, language: str) -> Reply:
    """The invitation sent where there is no deep link (a Slack DM): its button types `start TOKEN`."""
    text = Text(language=language).t("Hello {name}!", name=bold(name)).line()
    text.t("Your cluster coordinators have added you to ClusterBot, the assistant of the cluster network.")
    text.line().t(
        "Press the button to connect this account to the profile they prepared; you can review it "
        "with {profile} and erase it any time with {forget}.",
        profile=command("profile"),
        forget=command("forget"),
    )
    label = fill(language, "Connect my profile")
    return text.reply(buttons=((Button(label, f"/start {token}"),),))
