"""Plain sentences: a message with no command word is small talk or a question, never an error.

"thanks", "hola" or "merci" get one short line and a hint; anything else ("who works on recycled
polyester?") is searched across members, events and open opportunities, the best few of each with
a button. The list of every command is `help`'s job alone.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable
from typing import TypeVar

from core.types import N_, Button, Reply, Text, command, echo, short
from handlers.directory import introduce_button
from handlers.engine.context import Context
from handlers.engine.kinds import kind_label
from handlers.engine.paging import details_button
from handlers.engine.timefmt import span
from handlers.opportunities import deadline_label, searchable
from handlers.profile import affiliation, card_fields, describe
from store.directory import WORDS_KEPT
from store.models import Event, Opportunity
from store.places import gazetteer
from store.text import WORD, fold, share_found, words

BEST_OF_EACH = 3
# A question's first words say what it is about; a pasted page must not cost a search per word.
MAX_SOUGHT_WORDS = 8
# Stricter than `find`'s typo tolerance: a sentence's words are many, and "marta" ~ "smart" is 80.
SENTENCE_WORD_CUTOFF = 85
T = TypeVar("T", Event, Opportunity)
EXAMPLE_QUESTION = N_("who works on recycled polyester?")
# What people write to a chat bot to be polite, in the five languages (folded, without punctuation).
SMALL_TALK = {
    "hello": """hello, hi, hey, good morning, good afternoon, good evening, hola, bon dia, bona tarda,
        bones, buenos dias, buenas, buenas tardes, bonjour, salut, bonsoir, ola, oi, bom dia, boa tarde""",
    "thanks": """thanks, thank you, thanks a lot, many thanks, thx, cheers, gracies, moltes gracies,
        merci, merci beaucoup, gracias, muchas gracias, obrigado, obrigada, muito obrigado,
        muito obrigada""",
    "ok": "ok, okay, great, perfect, d acord, vale, perfecte, perfecto, parfait, d accord, perfeito, certo",
    "bye": """bye, goodbye, see you, adeu, a reveure, adios, hasta luego, au revoir, a bientot, tchau,
        adeus, ate logo""",
}
# Words of a question that say nothing about what is sought, in the five languages, folded.
QUESTION_TEXT = """who what where which whom is are does do anyone someone somebody any some
    work works working doing me my find looking look search need know can could you please
    tell about there here with
    con amb avec sur sobre em com
    quien quienes que donde alguien trabaja trabajan busco buscar hay sabe conoce algun alguna
    qui quin quina quins on algu treballa treballen cerco hi ha sap coneix
    quoi ou quelqu un travaille travaillent cherche connait est ce il
    quem onde alguem trabalha trabalham procuro procurar conhece"""
QUESTION_WORDS = frozenset(QUESTION_TEXT.split())


def small_talk(said: str) -> str | None:
    """`hello`, `thanks`, `ok` or `bye` when the whole message is one of those phrases, else None."""
    phrase = " ".join(WORD.findall(fold(said)))
    for kind, phrases in SMALL_TALK.items():
        if phrase in {" ".join(listed.split()) for listed in phrases.split(",")}:
            return kind
    return None


async def ask(ctx: Context) -> list[Reply]:
    """A message that names no command."""
    kind = small_talk(ctx.rest)
    if kind is not None:
        return [_answer_small_talk(ctx, kind)]
    sought = list(dict.fromkeys(w for w in words(ctx.rest) if w not in QUESTION_WORDS))[:MAX_SOUGHT_WORDS]
    if not sought:
        return [_hint(ctx, ctx.text()).reply()]
    return [await _search_everything(ctx, sought)]


def _answer_small_talk(ctx: Context, kind: str) -> Reply:
    text = ctx.text()
    if kind == "hello":
        text.t("Hello, {name}!", name=ctx.member.name).add(" ")
    elif kind == "thanks":
        text.t("You're welcome!").add(" ")
    elif kind == "ok":
        text.add("👍 ")
    else:
        return text.t("Bye for now; write whenever you need me.").reply()
    return _hint(ctx, text).reply()


def _hint(ctx: Context, text: Text) -> Text:
    return text.t(
        'Ask me things like "{question}", or send {help} to see what I can do.',
        question=ctx.tr(EXAMPLE_QUESTION),
        help=command("help"),
    )


async def _search_everything(ctx: Context, sought: list[str]) -> Reply:
    query = " ".join(sought)
    # "who does robotics in Nantes?": a word that is a place's name filters members by place.
    places = [word for word in sought if gazetteer().named(word) is not None]
    topic = [word for word in sought if word not in places]
    place = places[0] if places and topic else ""
    ranked = await ctx.store.directory.search(
        " ".join(topic) if place else query, place=place, limit=BEST_OF_EACH + 2
    )
    others = [member_id for member_id in ranked if member_id != ctx.member.id]
    cards = await ctx.store.people.cards(others[:BEST_OF_EACH], listed_only=True)
    events = _best(
        await ctx.store.events.upcoming(ctx.now, limit=200), lambda e: _event_words(e, ctx.language), sought
    )
    opportunities = _best(
        await ctx.store.opportunities.open(ctx.now), lambda o: searchable(o, ctx.language), sought
    )
    text = ctx.text()
    if not (cards or events or opportunities):
        text.t("I found no member, event or opportunity about '{words}'.", words=echo(query)).add(" ")
        return _hint(ctx, text).reply()
    buttons: list[tuple[Button, ...]] = []
    if cards:
        text.bold(ctx.tr("Members")).line()
        for card in cards:
            introduce = introduce_button(ctx, card.member.name, card.member.id)
            fields = card_fields(card, ctx.language)
            with text.item(card.member.name, fields, introduce, subtitle=affiliation(card)):
                describe(card, text.add("• "), full=False)
            buttons.append((introduce,))
        if len(others) > BEST_OF_EACH:
            words_typed = [" ".join(topic), f"in:{place}"] if place else [query]
            buttons.append((Button(ctx.tr("More members"), "/find " + shlex.join(words_typed)),))
        text.line()
    if events:
        text.bold(ctx.tr("Events")).line()
        for event in events:
            when = span(event.starts_at, event.ends_at, ctx.member.timezone, ctx.language)
            details = details_button(ctx, f"/event {event.id}")
            with text.item(f"#{event.id} {event.title}", ((ctx.tr("When"), when),), details):
                text.add(f"• #{event.id} ").add(event.title).add(" · ").line(when)
            buttons.append((Button(short(f"#{event.id} {event.title}"), details.payload),))
        text.line()
    if opportunities:
        text.bold(ctx.tr("Opportunities")).line()
        for opportunity in opportunities:
            deadline = deadline_label(ctx, opportunity)
            details = details_button(ctx, f"/opportunity {opportunity.id}")
            with text.item(f"#{opportunity.id} {opportunity.title}", (("", deadline),), details):
                text.add(f"• #{opportunity.id} ").add(opportunity.title)
                text.line(f" · {deadline}" if deadline else "")
            buttons.append((Button(short(f"#{opportunity.id} {opportunity.title}"), details.payload),))
    return text.reply(buttons=tuple(buttons))


def _event_words(event: Event, language: str) -> str:
    tags = " ".join(event.tags)
    return f"{event.title} {event.description} {tags} {kind_label(event.kind, language)} {event.place}"


def _best(items: list[T], words_of: Callable[[T], str], sought: list[str]) -> list[T]:
    """The few items matching most of the sought words (at least the directory's share), in order."""
    needed = math.ceil(len(sought) * WORDS_KEPT) / len(sought)
    scored = [
        (share_found(sought, words_of(item), SENTENCE_WORD_CUTOFF), index, item)
        for index, item in enumerate(items)
    ]
    kept = sorted((s for s in scored if s[0] >= needed), key=lambda s: (-s[0], s[1]))
    return [item for _share, _index, item in kept[:BEST_OF_EACH]]
