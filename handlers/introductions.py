"""`introduce`, `intro accept|decline` and `relay`: introductions happen only with consent, and
end with a way for both to reach each other that really works.

The requester names a member as `find` shows them (a name, `@handle`, `#12` or the card's button)
with an optional note; the target alone decides. On accept each side is sent the other's
channels that work for them (handlers/contacts.py) and told exactly which of their own were
passed on; a side with none gets the bot as a relay: one message each way, in the outbox.
"""

from __future__ import annotations

from datetime import timedelta

from core.errors import NotAllowed, NotFound, UsageError
from core.types import N_, Reply
from handlers.contacts import channels, introduction_contact, relayed_message
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.flows import Flow, Step, as_text, begin_flow
from handlers.engine.forms import positive_int, within
from handlers.engine.resolving import member_named
from handlers.notices import (
    Decision,
    decision_buttons,
    introduction_declined,
    introduction_request,
    notify,
)
from store.introductions import relay_cause
from store.models import Introduction
from store.people import MemberCard

# How long the Accept and Decline buttons work; after that, typing `intro accept N` still does.
DECISION_LIFETIME = timedelta(days=30)
NOTE_LIMIT = 200
RELAY_LIMIT = 1000
QUOTES = '"“”«»'
RELAY_QUESTION = N_("What would you like to tell them? One message, up to 1,000 characters.")


def split_note(rest: str) -> tuple[str, str]:
    """`Marta Puig "we both recycle"` into the name and the note; after `#12` or `@handle` the
    note needs no quotes (`introduce #12 we both recycle`)."""
    quoted = [rest.find(quote) for quote in QUOTES if quote in rest]
    if quoted:
        cut = min(quoted)
        return rest[:cut].strip(), rest[cut:].strip().strip(QUOTES).strip()
    first, _, remainder = rest.strip().partition(" ")
    if first.startswith(("#", "@")) or first.isdigit():
        return first, remainder.strip()
    return rest.strip(), ""


async def introduce(ctx: Context) -> list[Reply]:
    typed, note = split_note(ctx.rest)
    if not typed:
        raise UsageError(ctx.tr("Who would you like to meet? Give their name as find shows it."))
    note = within(" ".join(note.split()), NOTE_LIMIT, "note", ctx.language)
    suffix = f' "{note}"' if note else ""
    number = typed.lstrip("#")
    if number.isdigit() and (await ctx.store.resolver.member(typed, listed_only=True)).found is None:
        raise NotFound(ctx.tr("There is no member #{number} in the directory.", number=number))
    member = await member_named(ctx, typed, lambda value: f"/introduce #{value}{suffix}", listed_only=True)
    if member.id == ctx.member.id:
        raise UsageError(ctx.tr("That is you. Give the name of the member you would like to meet."))
    target = await ctx.store.people.card(member.id)
    assert target is not None  # just resolved within this transaction
    answered = await _already_asked(ctx, target)
    if answered is not None:
        return [answered]
    introduction = await ctx.store.introductions.request(ctx.member.id, member.id, ctx.now, note)
    requester = await ctx.store.people.card(ctx.member.id)
    assert requester is not None  # the caller's own row exists within this transaction
    decision = await _decision(ctx, introduction)
    await notify(
        ctx,
        [member.id],
        f"intro:{introduction.id}:request",
        lambda language: introduction_request(decision, requester, note, language),
    )
    text = ctx.text().t(
        "I've asked {name} whether they'd like to be introduced. You'll hear from me when they answer.",
        name=target.member.name,
    )
    return [text.reply()]


async def _already_asked(ctx: Context, target: MemberCard) -> Reply | None:
    """The answer when this pair has been through an introduction already (asking again adds nothing)."""
    me, name, introductions = ctx.member.id, target.member.name, ctx.store.introductions
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
    requester_ids = await ctx.store.people.identities(requester.member.id)
    target_ids = await ctx.store.people.identities(target.member.id)
    for_requester = channels(target.member, target_ids, requester_ids)
    for_target = channels(requester.member, requester_ids, target_ids)
    cause = f"intro:{introduction.id}:contact"
    await notify(
        ctx,
        [requester.member.id],
        cause,
        lambda language: introduction_contact(target, for_requester, for_target, introduction.id, language),
    )
    await notify(
        ctx,
        [target.member.id],
        cause,
        lambda language: introduction_contact(
            requester, for_target, for_requester, introduction.id, language
        ),
    )
    text = ctx.text().t(
        "Done: I've introduced you to {name} and sent you both the ways to reach each other.",
        name=requester.member.name,
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


async def _introduction(ctx: Context, typed: str) -> Introduction:
    number = positive_int(typed.lstrip("#"), ctx.tr("introduction number"), ctx.language)
    introduction = await ctx.store.introductions.get(number)
    if introduction is None or introduction.status == "suggested":
        raise NotFound(ctx.tr("There is no introduction request #{number}.", number=number))
    return introduction


async def _addressed_to_me(ctx: Context) -> Introduction:
    """The introduction named in the command, which only its target may answer."""
    if not ctx.args:
        raise UsageError(ctx.tr("Which introduction? Give its number."))
    introduction = await _introduction(ctx, ctx.args[0])
    if introduction.target_id != ctx.member.id:
        raise NotAllowed(ctx.tr("Only the member who was asked can answer this introduction."))
    return introduction


async def relay(ctx: Context) -> list[Reply]:
    """`relay N TEXT` sends the one message; `relay N` (the "Write to them" button) asks for it."""
    typed, _, message = ctx.rest.strip().partition(" ")
    if not typed:
        raise UsageError(ctx.tr("Which introduction? Give its number."))
    introduction = await _accepted_with_me(ctx, typed)
    if not message.strip():
        return [await begin_flow(ctx, RELAY_FLOW, {"introduction": introduction.id})]
    return await _send_relay(ctx, introduction, await as_relay_text(ctx, message))


async def _accepted_with_me(ctx: Context, typed: str) -> Introduction:
    introduction = await _introduction(ctx, typed)
    if ctx.member.id not in (introduction.requester_id, introduction.target_id):
        raise NotAllowed(ctx.tr("Only the two members of an introduction can write through it."))
    if introduction.status != "accepted":
        raise UsageError(ctx.tr("I can carry messages only once an introduction is accepted."))
    return introduction


async def _send_relay(ctx: Context, introduction: Introduction, message: str) -> list[Reply]:
    mine = introduction.requester_id == ctx.member.id
    other_id = introduction.target_id if mine else introduction.requester_id
    other = await ctx.store.people.get(other_id)
    assert other is not None  # the introduction cascades with both members
    if await ctx.store.introductions.relayed(introduction.id, ctx.member.id):
        text = ctx.text().t("You've already sent your one message to {name} through me.", name=other.name)
        return [text.reply()]
    can_answer = not await ctx.store.introductions.relayed(introduction.id, other_id)
    sender = ctx.member.name
    await notify(
        ctx,
        [other_id],
        relay_cause(introduction.id, ctx.member.id),
        lambda language: relayed_message(sender, message, introduction.id, language, can_answer=can_answer),
    )
    if can_answer:
        return [
            ctx.text().t("Sent to {name}; they can answer you once the same way.", name=other.name).reply()
        ]
    return [ctx.text().t("Sent to {name}.", name=other.name).reply()]


async def as_relay_text(ctx: Context, answer: str) -> str:
    return await as_text(ctx, answer, RELAY_LIMIT)


async def _finish_relay(ctx: Context, answers: dict[str, object]) -> list[Reply]:
    introduction = await _accepted_with_me(ctx, str(answers["introduction"]))
    return await _send_relay(ctx, introduction, str(answers["text"]))


RELAY_FLOW = Flow(
    "relay",
    (Step("text", RELAY_QUESTION, as_relay_text),),
    _finish_relay,
)
