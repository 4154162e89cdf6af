"""`profile`, `profile set` and `interests`: a member looks after their own entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.context import Context
from handlers.errors import UsageError
from handlers.onboarding import parse_cluster, parse_yes_no
from handlers.timefmt import valid_zone
from handlers.types import Button, Reply, Text
from store.people import MemberCard
from store.text import clean_tags

LANGUAGES = ("en", "ca", "es", "fr", "pt")


def describe(card: MemberCard, text: Text, *, full: bool) -> Text:
    """A member as others see them; `full` adds what only the member sees of themselves."""
    member = card.member
    text.bold(member.name)
    if member.role:
        text.add(f", {member.role}")
    if card.organisation:
        text.add(" — ").add(card.organisation.name)
    place = ", ".join(filter(None, [card.cluster.name if card.cluster else "", card.country]))
    if place:
        text.add(f" ({place})")
    text.line()
    if member.offers:
        text.italic("Offers: ").line(member.offers)
    if member.seeks:
        text.italic("Seeks: ").line(member.seeks)
    if member.tags:
        text.italic("Interests: ").line(", ".join(member.tags))
    if full:
        if member.bio:
            text.italic("About: ").line(member.bio)
        text.italic("Time zone: ").line(member.timezone)
        text.italic("Listed in the directory: ").line("yes" if member.listed else "no")
        text.italic("Contact shared on accepted introductions: ").line(
            "yes" if member.share_contact else "no"
        )
        if member.email:
            text.italic("E-mail: ").line(member.email)
    return text


async def profile(ctx: Context) -> list[Reply]:
    card = await ctx.store.people.card(ctx.member.id)
    assert card is not None  # the caller's own member row exists within this transaction
    text = describe(card, Text().line("Your profile").line(), full=True)
    text.line().add("Change a field with ").command("profile set FIELD VALUE").add(
        f"; fields: {', '.join(FIELDS)}."
    )
    if not ctx.member.onboarded:
        return [text.reply(buttons=((Button("Introduce myself", "/start"),),))]
    return [text.reply()]


async def _text(_ctx: Context, value: str) -> str:
    return " ".join(value.split())[:2000]


async def _short_text(_ctx: Context, value: str) -> str:
    """For columns of 200 characters (PostgreSQL refuses longer values rather than cutting them)."""
    return " ".join(value.split())[:200]


async def _name(_ctx: Context, value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise UsageError("Your name cannot be empty.")
    return name[:200]


async def _tags(_ctx: Context, value: str) -> list[str]:
    return clean_tags(value)[:20]


async def _languages(_ctx: Context, value: str) -> list[str]:
    return clean_tags(value)[:10]


async def _timezone(_ctx: Context, value: str) -> str:
    return valid_zone(value.strip())


async def _email(_ctx: Context, value: str) -> str:
    email = value.strip()
    if email and ("@" not in email or " " in email or len(email) > 300):
        raise UsageError(f"'{email}' does not look like an e-mail address.")
    return email


async def _language(_ctx: Context, value: str) -> str:
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise UsageError(f"Choose one of: {', '.join(LANGUAGES)}.")
    return code


Setter = Callable[[Context, str], Awaitable[Any]]
FIELDS: dict[str, tuple[str, Setter]] = {
    "name": ("name", _name),
    "role": ("role", _short_text),
    "bio": ("bio", _text),
    "offers": ("offers", _text),
    "seeks": ("seeks", _text),
    "interests": ("tags", _tags),
    "languages": ("languages", _languages),
    "language": ("language", _language),
    "timezone": ("timezone", _timezone),
    "email": ("email", _email),
    "listed": ("listed", parse_yes_no),
    "contact": ("share_contact", parse_yes_no),
}


async def profile_set(ctx: Context) -> list[Reply]:
    field, _, value = ctx.rest.partition(" ")
    field = field.lower()
    if field in ("organisation", "organization", "cluster"):
        return await _set_affiliation(ctx, field, value)
    if field not in FIELDS:
        raise UsageError(f"Which field? One of: {', '.join([*FIELDS, 'organisation', 'cluster'])}.")
    column, parse = FIELDS[field]
    await ctx.store.people.update(ctx.member, ctx.now, **{column: await parse(ctx, value)})
    return [Text().add("Saved your ").bold(field).add(".").reply()]


async def _set_affiliation(ctx: Context, field: str, value: str) -> list[Reply]:
    people = ctx.store.people
    if field == "cluster":
        cluster = await people.get_cluster(await parse_cluster(ctx, value))
        organisation = await people.get_organisation(ctx.member.organisation_id)
        await people.update(ctx.member, ctx.now, cluster_id=cluster.id if cluster else None)
        if organisation is not None and organisation.cluster_id != ctx.member.cluster_id:
            moved = await people.organisation_for(organisation.name, cluster)
            await people.update(ctx.member, ctx.now, organisation_id=moved.id)
    else:
        name = await _name(ctx, value)
        cluster = await people.get_cluster(ctx.member.cluster_id) if ctx.member.cluster_id else None
        organisation = await people.organisation_for(name, cluster)
        await people.update(ctx.member, ctx.now, organisation_id=organisation.id)
    return [Text().add("Saved your ").bold(field).add(".").reply()]


async def interests(ctx: Context) -> list[Reply]:
    action = ctx.args[0].lower() if ctx.args else "list"
    given = clean_tags(ctx.rest.partition(" ")[2])
    current = list(ctx.member.tags or [])
    if action == "list":
        if not current:
            return [
                Text()
                .add("You have no interests yet. Add some: ")
                .command("interests add recycling, smart textiles")
                .reply()
            ]
        return [Text().bold("Your interests: ").add(", ".join(current)).reply()]
    if action not in ("add", "remove") or not given:
        raise UsageError("Say add or remove, then the interests separated by commas.")
    if action == "add":
        updated = list(dict.fromkeys([*current, *given]))[:30]
    else:
        unknown = [tag for tag in given if tag not in current]
        if unknown:
            raise UsageError(f"Not among your interests: {', '.join(unknown)}.")
        updated = [tag for tag in current if tag not in given]
    await ctx.store.people.update(ctx.member, ctx.now, tags=updated)
    return [Text().bold("Your interests: ").add(", ".join(updated) or "none").reply()]
