"""`interested`, `interested reply` and `myopportunities`: telling a poster you want in, and their answer.

"I'm interested" tells the opportunity's poster who you are and your note, with a Reply button;
the poster answers once through the bot (like a relay after an introduction), so neither side
needs the other's address to start talking.
"""

from __future__ import annotations

from core.errors import NotAllowed, NotFound, UsageError
from core.types import N_, Button, Reply, Text, bold, command, fill, short
from handlers.contacts import affiliation
from handlers.engine.context import Context
from handlers.engine.flows import Flow, Step, begin_flow
from handlers.engine.forms import positive_int, within
from handlers.engine.timefmt import day
from handlers.introductions import as_relay_text
from handlers.notices import notify
from handlers.opportunities import load_opportunity
from store.models import Opportunity, OpportunityInterest
from store.people import MemberCard

NOTE_LIMIT = 300
REPLY_QUESTION = N_("What would you like to answer? One message, up to 1,000 characters.")


async def interested(ctx: Context) -> list[Reply]:
    """`interested OPPORTUNITY [NOTE]`: the poster hears who is interested, with a Reply button."""
    opportunity = await load_opportunity(ctx)
    note = within(" ".join(ctx.args[1:]), NOTE_LIMIT, "note", ctx.language)
    if opportunity.posted_by == ctx.member.id:
        raise UsageError(ctx.tr("You posted #{number} yourself.", number=opportunity.id))
    if opportunity.status != "open":
        raise UsageError(
            ctx.tr("#{number} {title} is closed.", number=opportunity.id, title=opportunity.title)
        )
    poster = await ctx.store.people.get(opportunity.posted_by) if opportunity.posted_by else None
    if poster is None:
        raise UsageError(
            ctx.tr("Nobody can be told about #{number}: it has no poster any more.", number=opportunity.id)
        )
    interest, new = await ctx.store.interests.declare(opportunity.id, ctx.member.id, note, ctx.now)
    if not new:
        text = ctx.text().t(
            "You already told {name} you're interested in {title}.",
            name=poster.name,
            title=bold(opportunity.title),
        )
        return [text.reply()]
    await ctx.store.follows.follow(ctx.member.id, opportunity.id, ctx.now)
    card = await ctx.store.people.card(ctx.member.id)
    assert card is not None  # the caller's own row exists within this transaction
    await notify(
        ctx,
        [poster.id],
        f"interest:{interest.id}:told",
        lambda language: interest_notice(card, opportunity, interest, language),
    )
    text = ctx.text().t(
        "I told {name} you're interested in {title}; they can answer you through me. "
        "You now follow it, so I'll remind you before its deadline.",
        name=poster.name,
        title=bold(opportunity.title),
    )
    return [text.reply()]


def interest_notice(
    card: MemberCard, opportunity: Opportunity, interest: OpportunityInterest, language: str
) -> Reply:
    """What the poster receives: who, about what, their note, and a button to answer once."""
    text = Text(language=language).t(
        "🙋 {name}{affiliation} is interested in your opportunity {title}.",
        name=bold(card.member.name),
        affiliation=affiliation(card),
        title=bold(f"#{opportunity.id} {opportunity.title}"),
    )
    if interest.note:
        text.line().line().add(f"“{interest.note}”")
    text.line().line().t("You can answer them once through me.")
    return text.reply(buttons=((Button(fill(language, "Reply"), f"/interested reply {interest.id}"),),))


async def interested_reply(ctx: Context) -> list[Reply]:
    """`interested reply NUMBER TEXT` sends the poster's one answer; without TEXT (the Reply
    button) it asks for it."""
    typed, _, message = ctx.rest.strip().partition(" ")
    interest = await _interest_to_me(ctx, typed)
    if not message.strip():
        return [await begin_flow(ctx, REPLY_FLOW, {"interest": interest.id})]
    return await _send_reply(ctx, interest, await as_relay_text(ctx, message))


async def _interest_to_me(ctx: Context, typed: str) -> OpportunityInterest:
    if not typed:
        raise UsageError(ctx.tr("Which interest? Give its number."))
    number = positive_int(typed.lstrip("#"), ctx.tr("number"), ctx.language)
    interest = await ctx.store.interests.get(number)
    opportunity = await ctx.store.opportunities.get(interest.opportunity_id) if interest else None
    if interest is None or opportunity is None:
        raise NotFound(ctx.tr("There is no interest #{number}.", number=number))
    if opportunity.posted_by != ctx.member.id:
        raise NotAllowed(ctx.tr("Only the member who posted the opportunity can answer."))
    return interest


async def _send_reply(ctx: Context, interest: OpportunityInterest, message: str) -> list[Reply]:
    member = await ctx.store.people.get(interest.member_id)
    opportunity = await ctx.store.opportunities.get(interest.opportunity_id)
    assert member is not None and opportunity is not None  # both cascade with the interest
    if interest.replied_at is not None:
        text = ctx.text().t("You've already answered {name} through me.", name=member.name)
        return [text.reply()]
    await ctx.store.interests.mark_replied(interest, ctx.now)
    sender, title = ctx.member.name, opportunity.title
    await notify(
        ctx,
        [member.id],
        f"interest:{interest.id}:reply",
        lambda language: (
            Text(language=language)
            .t("✉️ {name} answers about {title}:", name=sender, title=bold(title))
            .line()
            .line(message)
            .reply(buttons=((Button(fill(language, "Details"), f"/opportunity {opportunity.id}"),),))
        ),
    )
    return [ctx.text().t("Sent to {name}.", name=member.name).reply()]


async def _finish_reply(ctx: Context, answers: dict[str, object]) -> list[Reply]:
    interest = await _interest_to_me(ctx, str(answers["interest"]))
    return await _send_reply(ctx, interest, str(answers["text"]))


REPLY_FLOW = Flow("interest_reply", (Step("text", REPLY_QUESTION, as_relay_text),), _finish_reply)


async def my_opportunities(ctx: Context) -> list[Reply]:
    """Open opportunities the member posted, follows, or said they are interested in."""
    mine = await ctx.store.interests.of_member(ctx.member.id, ctx.now)
    if not any(mine.values()):
        text = ctx.text().t(
            "You haven't posted, followed or shown interest in an open opportunity. See them with {command}.",
            command=command("opportunities"),
        )
        return [text.reply(buttons=((Button(ctx.tr("Open opportunities"), "/opportunities"),),))]
    headings = {
        "posted": ctx.tr("Posted by you"),
        "interested": ctx.tr("You said you're interested"),
        "followed": ctx.tr("You follow"),
    }
    text = ctx.text()
    shown: dict[int, Opportunity] = {}
    for group in ("posted", "interested", "followed"):
        listed = [o for o in mine[group] if o.id not in shown]
        if not listed:
            continue
        text.bold(headings[group]).line()
        for opportunity in listed:
            shown[opportunity.id] = opportunity
            text.add(f"• #{opportunity.id} ").add(opportunity.title)
            if opportunity.deadline:
                deadline = day(opportunity.deadline, ctx.member.timezone, ctx.language)
                text.add(" · ").t("deadline {date}", date=deadline)
            text.line()
        text.line()
    buttons = tuple((Button(short(o.title), f"/opportunity {o.id}"),) for o in shown.values())
    return [text.reply(buttons=buttons)]
