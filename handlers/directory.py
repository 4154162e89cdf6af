"""`find`: typo-tolerant search of the member directory, ten at a time."""

from __future__ import annotations

import shlex

from core.errors import UsageError
from core.types import Button, Reply, Text, echo, short
from handlers.engine.context import Context
from handlers.engine.paging import page_of, page_words
from handlers.engine.router import split_args
from handlers.meetings import meet_button, shared_sessions
from handlers.profile import affiliation, card_fields, describe
from store.places import gazetteer, spelling
from store.resolver import MAX_SUGGESTIONS

PAGE_SIZE = 10


def parse_query(args: list[str]) -> tuple[str, str, int]:
    """Split `recycled fibres in:Portugal page:2` into the words, the place and the page."""
    place, page, terms = "", 1, []
    for arg in args:
        key, sep, value = arg.partition(":")
        if sep and key.lower() == "in":
            place = value
        elif sep and key.lower() == "page" and value.isdigit():
            page = max(1, int(value))
        else:
            terms.append(arg)
    return " ".join(terms), place, page


async def _other_places(ctx: Context, query: str, place: str) -> tuple[tuple[Button, ...], ...]:
    """For a place that names no country, region or cluster: the closest ones, to search again."""
    area = await ctx.store.resolver.area(place)
    if area.found is not None:
        return ()
    return tuple(
        (Button(ctx.tr("Search in {place}", place=name), "/find " + shlex.join([query, f"in:{name}"])),)
        for name, _value in area.suggestions[:MAX_SUGGESTIONS]
    )


def place_label(typed: str) -> str:
    """The place as a reply names it: as typed when it is one of its names, corrected when it was
    misspelt, and a city with its region (`Nantes (Pays de la Loire)`), since that is what matched."""
    found = gazetteer().find(typed)
    if found is None:
        return typed
    if found.kind == "city":
        return f"{found.name} ({found.region})"
    return typed if spelling(typed) in found.spellings else found.name


async def find(ctx: Context) -> list[Reply]:
    # The router has refused a More button pressed by someone the results were not shown to.
    query, typed_place, page = parse_query(page_words(page_of(split_args(ctx.rest))))
    if not query.strip():
        raise UsageError(ctx.tr("Tell me what to look for."))
    ranked = await ctx.store.directory.search(query, place=typed_place, limit=page * PAGE_SIZE + 1)
    place = place_label(typed_place) if typed_place else ""
    shown_ids = ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    cards = await ctx.store.people.cards(shown_ids, listed_only=True)
    edit = ctx.msg.payload is not None and page > 1
    if not cards:
        text = ctx.text()
        if place:
            text.t(
                "No member matches '{query}' in {place}. Try fewer or other words.",
                query=echo(query),
                place=echo(place),
            )
            others = await _other_places(ctx, query, typed_place)
            return [_warming_note(ctx, text).reply(buttons=others, replaces_previous=edit)]
        text.t("No member matches '{query}'. Try fewer or other words.", query=echo(query))
        return [_warming_note(ctx, text).reply(replaces_previous=edit)]
    if place:
        title = ctx.tr("Members matching '{query}' in {place}", query=echo(query), place=echo(place))
    else:
        title = ctx.tr("Members matching '{query}'", query=echo(query))
    text = ctx.text().bold(title)
    if page > 1:
        text.add(" ").t("(page {page})", page=page)
    text.line().line()
    for number, card in enumerate(cards, start=(page - 1) * PAGE_SIZE + 1):
        member = card.member
        introduce = None if member.id == ctx.member.id else introduce_button(ctx, member.name, member.id)
        fields = card_fields(card, ctx.language)
        with text.item(member.name, fields, introduce, subtitle=affiliation(card)):
            describe(card, text.add(f"{number}. "), full=False).line()
    buttons: list[tuple[Button, ...]] = []
    members = [card.member for card in cards if card.member.id != ctx.member.id]
    meet_at = await shared_sessions(ctx.store, ctx.member, members, ctx.now)
    for other in members:
        row = [introduce_button(ctx, other.name, other.id)]
        event = meet_at.get(other.id)
        if event is not None:
            row.append(meet_button(other.name, other.id, event.id, ctx.language))
        buttons.append(tuple(row))
    if len(ranked) > page * PAGE_SIZE:
        words = (
            [query]
            + ([f"in:{typed_place}"] if typed_place else [])
            + [f"page:{page + 1}", f"for:{ctx.member.id}"]
        )
        buttons.append((Button(ctx.tr("More results"), "/find " + shlex.join(words)),))
    return [_warming_note(ctx, text).reply(buttons=tuple(buttons), replaces_previous=edit)]


def _warming_note(ctx: Context, text: Text) -> Text:
    """While the search index is built at start, results are exact words only: say so."""
    if ctx.store.directory.warming:
        text.line().t(
            "The directory is still starting up: for now only members with these exact words are "
            "found. Try again in a minute for the full search."
        )
    return text


def introduce_button(ctx: Context, name: str, member_id: int) -> Button:
    return Button(ctx.tr("Introduce me to {name}", name=short(name)), f"/introduce #{member_id}")
