"""`start`: a new person introduces themselves, one question at a time."""

from __future__ import annotations

from typing import Any

from handlers.context import Context
from handlers.errors import UsageError
from handlers.flows import Flow, Step, as_text, ask, begin_flow
from handlers.types import Button, Reply, Text, text_reply
from store.text import clean_tags

YES = frozenset({"yes", "y", "si", "sí", "oui", "sim", "ok", "1", "true"})
NO = frozenset({"no", "n", "non", "não", "nao", "0", "false"})


async def parse_yes_no(_ctx: Context, answer: str) -> bool:
    word = answer.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise UsageError("Please answer yes or no.")


async def parse_cluster(ctx: Context, answer: str) -> int:
    cluster = await ctx.store.people.cluster_by_name(answer)
    if cluster is None:
        names = ", ".join(c.name for c in await ctx.store.people.clusters())
        raise UsageError(f"I don't know the cluster '{answer}'. Known clusters: {names}.")
    return cluster.id


async def parse_tags(_ctx: Context, answer: str) -> list[str]:
    tags = clean_tags(answer)
    if not tags:
        raise UsageError("Give one or more interests separated by commas, e.g. recycling, smart textiles.")
    return tags[:20]


async def cluster_buttons(ctx: Context) -> list[Button]:
    return [Button(c.name, c.name) for c in (await ctx.store.people.clusters())[:12]]


async def yes_no_buttons(_ctx: Context) -> list[Button]:
    return [Button("Yes, list me", "yes"), Button("No, keep me hidden", "no")]


async def finish(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    people = ctx.store.people
    cluster = (await people.get_cluster(answers["cluster"])) if answers.get("cluster") else None
    organisation = await people.organisation_for(answers["organisation"], cluster)
    await people.update(
        ctx.member,
        ctx.now,
        name=answers["name"][:200],
        organisation_id=organisation.id,
        cluster_id=cluster.id if cluster else None,
        offers=answers["offers"],
        seeks=answers["seeks"],
        tags=answers.get("tags") or ctx.member.tags,
        listed=bool(answers["listed"]),
        onboarded=True,
    )
    text = Text().add("Thank you, ").bold(ctx.member.name).line(". You're all set.")
    if ctx.member.listed:
        text.line("Other members can now find you in the directory.")
    else:
        text.line("You are not listed in the directory; change that any time with ").command(
            "profile set listed yes"
        ).line()
    text.line().line("Things to try:")
    text.command("find recycled fibres").line(" — find people by what they do")
    text.command("events").line(" — what is coming up")
    text.command("opportunities").line(" — open calls and partner searches")
    return [text.reply(buttons=((Button("Upcoming events", "/events"), Button("My profile", "/profile")),))]


ONBOARDING = Flow(
    name="onboarding",
    intro="Welcome to ClusterBot! A few questions so that members can find you (about a minute).",
    steps=(
        Step("name", "What is your name?", as_text),
        Step("organisation", "Which organisation do you work for?", as_text),
        Step(
            "cluster",
            "Which cluster are you a member of?",
            parse_cluster,
            optional=True,
            choices=cluster_buttons,
        ),
        Step("offers", "What does your organisation offer? (skills, products, services)", as_text),
        Step("seeks", "What are you looking for? (partners, suppliers, know-how)", as_text),
        Step(
            "tags",
            "Your interests, separated by commas (e.g. recycling, smart textiles).",
            parse_tags,
            optional=True,
        ),
        Step(
            "listed",
            "May other members find you in the directory? Your contact details are shared only "
            "when you accept an introduction.",
            parse_yes_no,
            choices=yes_no_buttons,
        ),
    ),
    finish=finish,
)


async def start(ctx: Context) -> list[Reply]:
    """Begin onboarding, resume it where it stopped, or greet someone who has done it.

    `start TOKEN` comes from an invitation link (a Telegram deep link, a Slack invitation button):
    it connects this account to the profile a coordinator imported, instead of asking again.
    """
    if ctx.args:
        invited = await accept_invitation(ctx, ctx.args[0])
        if invited is not None:
            return invited
        notice = text_reply(
            "That invitation link is unknown or has already been used, so there is no prepared "
            "profile to connect you to. Let's set you up here instead."
        )
        return [notice, *await _start(ctx)]
    return await _start(ctx)


async def _start(ctx: Context) -> list[Reply]:
    conversation = await ctx.store.conversations.current(ctx.msg.platform, ctx.msg.user_id)
    if conversation is not None and conversation.flow == ONBOARDING.name:
        return [await ask(ctx, ONBOARDING, conversation.step, intro="Let's carry on where we left off.")]
    if ctx.member.onboarded:
        text = Text().add("Welcome back, ").bold(ctx.member.name).line(".")
        text.add("Send ").command("help").add(" to see everything I can do, or ").command("profile").add(
            " to review your details."
        )
        buttons = ((Button("Upcoming events", "/events"), Button("Opportunities", "/opportunities")),)
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
            text_reply(
                "You already have a profile with me, so I kept it and left the one your coordinators "
                "prepared untouched. Ask them to remove the prepared one if you don't need it."
            )
        ]
    await ctx.store.conversations.end(ctx.msg.platform, ctx.msg.user_id)
    ctx.member = await invitations.bind(invitation, ctx.member, ctx.identity, ctx.now)
    text = Text().add("Welcome, ").bold(ctx.member.name).line("!")
    text.line("Your cluster coordinators invited you, and this account is now connected to your profile.")
    if ctx.member.listed:
        text.line("Other members can find you in the directory.")
    else:
        text.line("You are not listed in the directory; ").command("profile set listed yes").add(
            " changes that."
        ).line()
    text.add("Check your details with ").command("profile").add(", or see everything with ").command("help")
    buttons = ((Button("My profile", "/profile"), Button("Upcoming events", "/events")),)
    return [text.add(".").reply(buttons=buttons)]


def invitation_reply(name: str, token: str) -> Reply:
    """The invitation sent where there is no deep link (a Slack DM): its button types `start TOKEN`."""
    text = Text().add("Hello ").bold(name).line("!")
    text.line("Your cluster coordinators have added you to ClusterBot, the assistant of the cluster network.")
    text.add("Press the button to connect this account to the profile they prepared; you can review it ")
    text.add("with ").command("profile").add(" and erase it any time with ").command("forget").add(".")
    return text.reply(buttons=((Button("Connect my profile", f"/start {token}"),),))
