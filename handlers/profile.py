"""`profile`, `profile set` and `interests`: a member looks after their own entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from core.errors import UsageError
from core.i18n import LANGUAGES, join_words, language_name
from core.types import N_, Button, Reply, Text, bold, command, echo, fill
from handlers.engine.context import Context
from handlers.engine.forms import about, tag_list, visible_name, within
from handlers.engine.resolving import cluster_named
from handlers.engine.spoken import language_codes
from handlers.engine.timefmt import valid_zone
from handlers.onboarding import parse_email, parse_yes_no
from store.fields import MAX_TAGS
from store.people import MemberCard


def _label(text: Text, message: str) -> Text:
    """A field name in the reader's language, in italics, before its value."""
    return text.italic(fill(text.language, message) + " ")


def yes_no(language: str, value: bool) -> str:
    return fill(language, "yes") if value else fill(language, "no")


def affiliation(card: MemberCard) -> str:
    """What follows a member's name: `, role — organisation (cluster, country)`."""
    parts = f", {card.member.role}" if card.member.role else ""
    if card.organisation:
        parts += f" — {card.organisation.name}"
    place = ", ".join(filter(None, [card.cluster.name if card.cluster else "", card.country]))
    return parts + (f" ({place})" if place else "")


def card_fields(card: MemberCard, language: str) -> tuple[tuple[str, str], ...]:
    """What a member offers, seeks, cares about and speaks, as (label, value) in `language`."""
    member = card.member
    spoken = [language_name(code, language) for code in member.languages or []]
    fields = (
        (N_("Offers:"), member.offers or ""),
        (N_("Seeks:"), member.seeks or ""),
        (N_("Interests:"), ", ".join(member.tags or [])),
        (N_("Languages:"), join_words(spoken, language) if spoken else ""),
    )
    return tuple((fill(language, label), value) for label, value in fields if value)


def describe(card: MemberCard, text: Text, *, full: bool) -> Text:
    """A member as others see them; `full` adds what only the member sees of themselves."""
    member, language = card.member, text.language
    text.bold(member.name).line(affiliation(card))
    for label, value in card_fields(card, language):
        text.italic(label + " ").line(value)
    if full:
        if member.bio:
            _label(text, N_("About:")).line(member.bio)
        _label(text, N_("Time zone:")).line(member.timezone)
        _label(text, N_("Listed in the directory:")).line(yes_no(language, member.listed))
        _label(text, N_("Contact shared on accepted introductions:")).line(
            yes_no(language, member.share_contact)
        )
        if member.email:
            _label(text, N_("E-mail:")).line(member.email)
    return text


async def profile(ctx: Context) -> list[Reply]:
    card = await ctx.store.people.card(ctx.member.id)
    assert card is not None  # the caller's own member row exists within this transaction
    text = describe(card, ctx.text().t("Your profile").line().line(), full=True)
    text.line().t(
        "Change a field with {command}; fields: {fields}.",
        command=command(ctx.tr("profile set FIELD VALUE")),
        fields=", ".join(FIELDS),
    )
    if not ctx.member.onboarded:
        return [text.reply(buttons=((Button(ctx.tr("Introduce myself"), "/start"),),))]
    return [text.reply()]


async def _text(_ctx: Context, value: str) -> str:
    return " ".join(value.split())


async def _name(ctx: Context, value: str) -> str:
    if not value.strip():
        raise UsageError(ctx.tr("Your name cannot be empty."))
    return visible_name(value, ctx.language)


async def _tags(ctx: Context, value: str) -> list[str]:
    return tag_list(value, MAX_TAGS, "interests", ctx.language)


async def _languages(ctx: Context, value: str) -> list[str]:
    return language_codes(ctx, value)


async def _timezone(ctx: Context, value: str) -> str:
    return valid_zone(value.strip(), ctx.language)


async def parse_language(ctx: Context, value: str) -> str:
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise UsageError(ctx.tr("Choose one of: {choices}.", choices=", ".join(LANGUAGES)))
    return code


Setter = Callable[[Context, str], Awaitable[Any]]
# The size of each text column (PostgreSQL refuses longer values; cutting would lose words silently).
LIMITS = {
    **dict.fromkeys(("name", "role", "organisation", "organization"), 200),
    **dict.fromkeys(("bio", "offers", "seeks"), 2000),
}
FIELDS: dict[str, tuple[str, Setter]] = {
    "name": ("name", _name),
    "role": ("role", _text),
    "bio": ("bio", _text),
    "offers": ("offers", _text),
    "seeks": ("seeks", _text),
    "interests": ("tags", _tags),
    "languages": ("languages", _languages),
    "language": ("language", parse_language),
    "timezone": ("timezone", _timezone),
    "email": ("email", parse_email),
    "listed": ("listed", parse_yes_no),
    "contact": ("share_contact", parse_yes_no),
}


async def profile_set(ctx: Context) -> list[Reply]:
    field, _, value = ctx.rest.partition(" ")
    field = field.lower()
    if field in LIMITS:
        within(" ".join(value.split()), LIMITS[field], field, ctx.language)
    if field in ("organisation", "organization", "cluster"):
        with about(field):
            return await _set_affiliation(ctx, field, value)
    if field not in FIELDS:
        raise UsageError(
            ctx.tr("Which field? One of: {fields}.", fields=", ".join([*FIELDS, "organisation", "cluster"]))
        )
    column, parse = FIELDS[field]
    with about(field):
        parsed = await parse(ctx, value)
    await ctx.store.people.update(ctx.member, ctx.now, **{column: parsed})
    if column == "language":
        ctx = replace(ctx, language=ctx.member.language or ctx.language)
    return [ctx.text().t("Saved your {field}.", field=bold(field)).reply()]


async def _set_affiliation(ctx: Context, field: str, value: str) -> list[Reply]:
    people = ctx.store.people
    if field == "cluster":
        cluster = await cluster_named(ctx, value, lambda name: f"/profile set cluster {name}")
        organisation = await people.get_organisation(ctx.member.organisation_id)
        await people.update(ctx.member, ctx.now, cluster_id=cluster.id)
        if organisation is not None and organisation.cluster_id != ctx.member.cluster_id:
            moved = await people.organisation_for(organisation.name, cluster)
            await people.update(ctx.member, ctx.now, organisation_id=moved.id)
    else:
        name = await _name(ctx, value)
        home = await people.get_cluster(ctx.member.cluster_id) if ctx.member.cluster_id else None
        organisation = await people.organisation_for(name, home)
        await people.update(ctx.member, ctx.now, organisation_id=organisation.id)
    return [ctx.text().t("Saved your {field}.", field=bold(field)).reply()]


async def interests(ctx: Context) -> list[Reply]:
    action = ctx.args[0].lower() if ctx.args else "list"
    given = tag_list(ctx.rest.partition(" ")[2], MAX_TAGS, "interests", ctx.language)
    current = list(ctx.member.tags or [])
    if action == "list":
        if not current:
            return [
                ctx.text()
                .t(
                    "You have no interests yet. Add some: {command}",
                    command=command("interests add recycling, smart textiles"),
                )
                .reply()
            ]
        return [ctx.text().bold(ctx.tr("Your interests:") + " ").add(", ".join(current)).reply()]
    if action not in ("add", "remove") or not given:
        raise UsageError(ctx.tr("Say add or remove, then the interests separated by commas."))
    if action == "add":
        updated = tag_list([*current, *given], MAX_TAGS, "interests", ctx.language)
    else:
        unknown = [tag for tag in given if tag not in current]
        if unknown:
            raise UsageError(ctx.tr("Not among your interests: {tags}.", tags=echo(", ".join(unknown))))
        updated = [tag for tag in current if tag not in given]
    await ctx.store.people.update(ctx.member, ctx.now, tags=updated)
    interests_now = ", ".join(updated) or ctx.tr("none")
    return [ctx.text().bold(ctx.tr("Your interests:") + " ").add(interests_now).reply()]
