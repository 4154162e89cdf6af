"""`introduce`, `intro accept` and `intro decline`: introductions happen only with consent.

The requester asks; the target alone decides. On accept both get each other's contact through
the outbox; an e-mail address is shared only by a member who accepted (consent for this one
introduction) or who shares contacts on accepted introductions in general (`share_contact`).
"""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import NotAllowed, NotFound, UsageError
from handlers.forms import positive_int
from handlers.notices import introduction_contact, introduction_declined, introduction_request
from handlers.types import Button, Reply, Text
from store.models import Introduction
from store.people import MemberCard
from store.synergy import Introductions


async def introduce(ctx: Context) -> list[Reply]:
    if not ctx.args:
        raise UsageError("Who would you like to meet? Give their member number.")
    target_id = positive_int(ctx.args[0].lstrip("#"), "member number")
    if target_id == ctx.member.id:
        raise UsageError("That is you. Give the number of the member you would like to meet.")
    target = await ctx.store.people.card(target_id)
    if target is None or not target.member.listed:
        raise NotFound(f"There is no member #{target_id} in the directory.")
    introductions = Introductions(ctx.store.session)
    answered = await _already_asked(introductions, ctx.member.id, target)
    if answered is not None:
        return [answered]
    introduction = await introductions.request(ctx.member.id, target_id, ctx.now)
    requester = await ctx.store.people.card(ctx.member.id)
    assert requester is not None  # the caller's own row exists within this transaction
    await ctx.store.outbox.enqueue(
        [target_id],
        f"intro:{introduction.id}:request",
        introduction_request(introduction.id, requester).to_dict(),
        ctx.now,
    )
    text = Text().add("I've asked ").add(target.member.name).add(" whether they'd like to be introduced. ")
    return [text.add("You'll hear from me when they answer.").reply()]


async def _already_asked(introductions: Introductions, me: int, target: MemberCard) -> Reply | None:
    """The answer when this pair has been through an introduction already (asking again adds nothing)."""
    name = target.member.name
    theirs = await introductions.between(target.member.id, me)
    if theirs is not None and theirs.status == "requested":
        text = Text().add(name).add(" has already asked to be introduced to you.")
        return text.reply(buttons=_decision_buttons(theirs.id))
    mine = await introductions.between(me, target.member.id)
    if "accepted" in (getattr(theirs, "status", None), getattr(mine, "status", None)):
        return Text().add("You and ").add(name).add(" are already introduced.").reply()
    if mine is None or mine.status == "suggested":
        return None
    if mine.status == "requested":
        return Text().add("You've already asked ").add(name).add("; I'll tell you when they answer.").reply()
    return Text().add("You asked to meet ").add(name).add(" before, so I won't ask again.").reply()


async def accept(ctx: Context) -> list[Reply]:
    introduction = await _addressed_to_me(ctx)
    if introduction.status == "accepted":
        return [Text().add("You have already accepted this introduction.").reply()]
    if introduction.status != "requested":
        return [Text().add("This introduction is already answered.").reply()]
    await Introductions(ctx.store.session).decide(introduction, "accepted", ctx.now)
    requester = await ctx.store.people.card(introduction.requester_id)
    target = await ctx.store.people.card(introduction.target_id)
    assert requester is not None and target is not None  # both rows cascade with the introduction
    cause = f"intro:{introduction.id}:contact"
    # Accepting is the target's consent to share; the requester shares only if they said so.
    await ctx.store.outbox.enqueue(
        [requester.member.id], cause, introduction_contact(target, share_email=True).to_dict(), ctx.now
    )
    share = requester.member.share_contact
    await ctx.store.outbox.enqueue(
        [target.member.id], cause, introduction_contact(requester, share_email=share).to_dict(), ctx.now
    )
    text = Text().add("Done: you and ").add(requester.member.name).add(" will both get each other's contact.")
    return [text.reply()]


async def decline(ctx: Context) -> list[Reply]:
    introduction = await _addressed_to_me(ctx)
    if introduction.status != "requested":
        return [Text().add("This introduction is already answered.").reply()]
    await Introductions(ctx.store.session).decide(introduction, "declined", ctx.now)
    await ctx.store.outbox.enqueue(
        [introduction.requester_id],
        f"intro:{introduction.id}:declined",
        introduction_declined(ctx.member.name).to_dict(),
        ctx.now,
    )
    return [Text().add("Understood. I've let them know kindly, without any details.").reply()]


async def _addressed_to_me(ctx: Context) -> Introduction:
    """The introduction named in the command, which only its target may answer."""
    if not ctx.args:
        raise UsageError("Which introduction? Give its number.")
    number = positive_int(ctx.args[0].lstrip("#"), "introduction number")
    introduction = await Introductions(ctx.store.session).get(number)
    if introduction is None or introduction.status == "suggested":
        raise NotFound(f"There is no introduction request #{number}.")
    if introduction.target_id != ctx.member.id:
        raise NotAllowed("Only the member who was asked can answer this introduction.")
    return introduction


def _decision_buttons(introduction_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("Accept", f"/intro accept {introduction_id}"),
            Button("Decline", f"/intro decline {introduction_id}"),
        ),
    )
