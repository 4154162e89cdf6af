"""`introduce`, `intro accept` and `intro decline`: introductions happen only with consent.

The requester asks; the target alone decides. On accept both get each other's contact through
the outbox; an e-mail address is shared only by a member who accepted (consent for this one
introduction) or who shares contacts on accepted introductions in general (`share_contact`).
"""

from __future__ import annotations

from datetime import timedelta

from core.errors import NotAllowed, NotFound, UsageError
from core.types import Reply
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.notices import (
    Decision,
    decision_buttons,
    introduction_contact,
    introduction_declined,
    introduction_request,
    notify,
)
from store.introductions import Introductions
from store.models import Introduction
from store.people import MemberCard

# How long the Accept and Decline buttons work; after that, typing `intro accept N` still does.
DECISION_LIFETIME = timedelta(days=30)


async def introduce(ctx: Context) -> list[Reply]:
    if not ctx.args:
        raise UsageError(ctx.tr("Who would you like to meet? Give their member number."))
    target_id = positive_int(ctx.args[0].lstrip("#"), ctx.tr("member number"), ctx.language)
    if target_id == ctx.member.id:
        raise UsageError(ctx.tr("That is you. Give the number of the member you would like to meet."))
    target = await ctx.store.people.card(target_id)
    if target is None or not target.member.listed:
        raise NotFound(ctx.tr("There is no member #{number} in the directory.", number=target_id))
    introductions = ctx.store.introductions
    answered = await _already_asked(ctx, introductions, target)
    if answered is not None:
        return [answered]
    introduction = await introductions.request(ctx.member.id, target_id, ctx.now)
    requester = await ctx.store.people.card(ctx.member.id)
    assert requester is not None  # the caller's own row exists within this transaction
    decision = await _decision(ctx, introduction)
    await notify(
        ctx,
        [target_id],
        f"intro:{introduction.id}:request",
        lambda language: introduction_request(decision, requester, language),
    )
    text = ctx.text().t(
        "I've asked {name} whether they'd like to be introduced. You'll hear from me when they answer.",
        name=target.member.name,
    )
    return [text.reply()]


async def _already_asked(ctx: Context, introductions: Introductions, target: MemberCard) -> Reply | None:
    """The answer when this pair has been through an introduction already (asking again adds nothing)."""
    me, name = ctx.member.id, target.member.name
    theirs = await introductions.between(target.member.id, me)
    if theirs is not None and theirs.status == "requested":
        text = ctx.text().t("{name} has already asked to be introduced to you.", name=name)
        return text.reply(buttons=decision_buttons(await _decision(ctx, theirs), ctx.language))
    mine = await introductions.between(me, target.member.id)
    if "accepted" in (getattr(theirs, "status", None), getattr(mine, "status", None)):
        return ctx.text().t("You and {name} are already introduced.", name=name).reply()
    if mine is None or mine.status == "suggested":
        return None
    if mine.status == "requested":
        return ctx.text().t("You've already asked {name}; I'll tell you when they answer.", name=name).reply()
    return ctx.text().t("You asked to meet {name} before, so I won't ask again.", name=name).reply()


async def _decision(ctx: Context, introduction: Introduction) -> Decision:
    """Buttons only the member asked can press: in a shared chat they answer nobody else's request."""

    async def payload(verb: str) -> str:
        line = f"intro {verb} {introduction.id}"
        return await confirmation(ctx, line, member_id=introduction.target_id, lifetime=DECISION_LIFETIME)

    return Decision(await payload("accept"), await payload("decline"))


async def accept(ctx: Context) -> list[Reply]:
    introduction = await _addressed_to_me(ctx)
    if introduction.status == "accepted":
        return [ctx.text().t("You have already accepted this introduction.").reply()]
    if introduction.status != "requested":
        return [ctx.text().t("This introduction is already answered.").reply()]
    await ctx.store.introductions.decide(introduction, "accepted", ctx.now)
    requester = await ctx.store.people.card(introduction.requester_id)
    target = await ctx.store.people.card(introduction.target_id)
    assert requester is not None and target is not None  # both rows cascade with the introduction
    cause = f"intro:{introduction.id}:contact"
    # Accepting is the target's consent to share; the requester shares only if they said so.
    await notify(
        ctx,
        [requester.member.id],
        cause,
        lambda language: introduction_contact(target, language, share_email=True),
    )
    share = requester.member.share_contact
    await notify(
        ctx,
        [target.member.id],
        cause,
        lambda language: introduction_contact(requester, language, share_email=share),
    )
    text = ctx.text().t(
        "Done: you and {name} will both get each other's contact.", name=requester.member.name
    )
    return [text.reply()]


async def decline(ctx: Context) -> list[Reply]:
    introduction = await _addressed_to_me(ctx)
    if introduction.status != "requested":
        return [ctx.text().t("This introduction is already answered.").reply()]
    await ctx.store.introductions.decide(introduction, "declined", ctx.now)
    await notify(
        ctx,
        [introduction.requester_id],
        f"intro:{introduction.id}:declined",
        lambda language: introduction_declined(ctx.member.name, language),
    )
    return [ctx.text().t("Understood. I've let them know kindly, without any details.").reply()]


async def _addressed_to_me(ctx: Context) -> Introduction:
    """The introduction named in the command, which only its target may answer."""
    if not ctx.args:
        raise UsageError(ctx.tr("Which introduction? Give its number."))
    number = positive_int(ctx.args[0].lstrip("#"), ctx.tr("introduction number"), ctx.language)
    introduction = await ctx.store.introductions.get(number)
    if introduction is None or introduction.status == "suggested":
        raise NotFound(ctx.tr("There is no introduction request #{number}.", number=number))
    if introduction.target_id != ctx.member.id:
        raise NotAllowed(ctx.tr("Only the member who was asked can answer this introduction."))
    return introduction
