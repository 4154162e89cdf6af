"""`opportunities`, `opportunity`, `post` and the coordinators' `opportunity add|edit|close`."""

from __future__ import annotations

import shlex
from typing import Any

from core.errors import NotFound, UsageError
from core.types import N_, Button, Reply, bold, command, echo
from handlers.engine.context import Context
from handlers.engine.flows import Flow, Step, as_text, begin_flow
from handlers.engine.forms import (
    about,
    choice,
    parse_form,
    positive_int,
    require,
    sized,
    tag_list,
    title,
    web_url,
)
from handlers.engine.kinds import kind_label
from handlers.engine.paging import add_more, details_button, item_button, page_of, turns_page
from handlers.engine.scopes import scope
from handlers.engine.timefmt import day, parse_local
from handlers.roles import record
from handlers.sharing import add_share_line
from store.fields import FIELD_LENGTHS, MAX_TAGS
from store.models import OPPORTUNITY_KINDS, Opportunity
from store.text import is_web_url, share_found, words

FORM_FIELDS = ("kind", "title", "description", "tags", "deadline", "region", "url")


def matches(opportunity: Opportunity, query_words: list[str], language: str) -> bool:
    """Every word of the query is (nearly) a word of the opportunity: 'recyclng' finds 'recycling'.

    The kind counts in English and in the reader's language, so 'licitació' finds tenders.
    """
    return share_found(query_words, searchable(opportunity, language)) == 1


def searchable(opportunity: Opportunity, language: str) -> str:
    """The words an opportunity is found by."""
    return (
        f"{opportunity.title} {opportunity.description} {' '.join(opportunity.tags)} "
        f"{kind_label(opportunity.kind, 'en')} {kind_label(opportunity.kind, language)} {opportunity.region}"
    )


def deadline_label(ctx: Context, opportunity: Opportunity) -> str:
    """'deadline 2 Jan 2027' in the reader's zone and language; "" when it has none."""
    if opportunity.deadline is None:
        return ""
    return ctx.tr("deadline {date}", date=day(opportunity.deadline, ctx.member.timezone, ctx.language))


async def opportunities(ctx: Context) -> list[Reply]:
    page = page_of(ctx.args)
    typed = " ".join(page.words)
    found = await ctx.store.opportunities.open(ctx.now)
    query_words = words(typed)
    if query_words:
        found = [o for o in found if matches(o, query_words, ctx.language)]
    if not found:
        text = ctx.text()
        if query_words:
            text.t(
                "No open opportunities matching '{words}'. Post one with {command}.",
                words=echo(typed),
                command=command("post"),
            )
        else:
            text.t("No open opportunities. Post one with {command}.", command=command("post"))
        return [text.reply()]
    shown = page.of(found)
    text = ctx.text().bold(ctx.tr("Open opportunities")).add(" ").t("(nearest deadline first)")
    if page.number > 1:
        text.add(" ").t("(page {page})", page=page.number)
    text.line().line()
    for opportunity in shown:
        kind = kind_label(opportunity.kind, ctx.language)
        deadline = deadline_label(ctx, opportunity) or ctx.tr("no deadline")
        fields = ((ctx.tr("Kind"), kind), ("", deadline), (ctx.tr("Region"), opportunity.region or ""))
        details = details_button(ctx, f"/opportunity {opportunity.id}")
        with text.item(f"#{opportunity.id} {opportunity.title}", fields, details):
            text.command(f"opportunity {opportunity.id}").add(" ").bold(opportunity.title).line()
            text.line(f"   {kind} · {deadline}" + (f" · {opportunity.region}" if opportunity.region else ""))
    rows: list[tuple[Button, ...]] = [
        (item_button(ctx, o.id, o.title, f"/opportunity {o.id}"),) for o in shown
    ]
    add_more(ctx, text, rows, page, shlex.join(["opportunities", *page.words]), len(found))
    return [text.reply(buttons=tuple(rows), replaces_previous=turns_page(ctx, page))]


async def load_opportunity(ctx: Context) -> Opportunity:
    if not ctx.args:
        raise UsageError(ctx.tr("Which opportunity? Give its number."))
    number = positive_int(ctx.args[0].lstrip("#"), ctx.tr("opportunity number"), ctx.language)
    opportunity = await ctx.store.opportunities.get(number)
    if opportunity is None:
        raise NotFound(
            ctx.tr("There is no opportunity #{number}. See the list with /opportunities.", number=number)
        )
    return opportunity


async def opportunity_details(ctx: Context) -> list[Reply]:
    opportunity = await load_opportunity(ctx)
    text = ctx.text()
    if opportunity.status != "open":
        text.bold(ctx.tr("CLOSED") + " ").line()
    text.bold(f"#{opportunity.id} {opportunity.title}").line()
    text.italic(kind_label(opportunity.kind, ctx.language).capitalize()).line()
    if opportunity.deadline:
        text.add("⏰ ").t(
            "Deadline: {date}", date=day(opportunity.deadline, ctx.member.timezone, ctx.language)
        ).line()
    if opportunity.region:
        text.add("📍 ").line(opportunity.region)
    if is_web_url(opportunity.url):
        text.add("🔗 ").link(opportunity.url, opportunity.url).line()
    if opportunity.description:
        text.line().line(opportunity.description)
    if opportunity.tags:
        text.line().italic(ctx.tr("Tags:") + " ").line(", ".join(opportunity.tags))
    if opportunity.posted_by:
        poster = await ctx.store.people.card(opportunity.posted_by)
        if poster is not None:
            text.italic(ctx.tr("Posted by:") + " ").add(poster.member.name)
            if poster.organisation:
                text.add(f" — {poster.organisation.name}")
    add_share_line(ctx, text, "opportunity", opportunity.id)
    return [text.reply(buttons=await _detail_buttons(ctx, opportunity), keeps_previous=True)]


async def _detail_buttons(ctx: Context, opportunity: Opportunity) -> tuple[tuple[Button, ...], ...]:
    """Follow (or Unfollow) and, on someone else's open opportunity, I'm interested."""
    if opportunity.status != "open":
        return ()
    number = opportunity.id
    if await ctx.store.follows.is_following(ctx.member.id, number):
        row = [Button(ctx.tr("Unfollow"), f"/unfollow {number}")]
    else:
        row = [Button(ctx.tr("Follow"), f"/follow {number}")]
    if opportunity.posted_by is not None and opportunity.posted_by != ctx.member.id:
        row.append(Button(ctx.tr("I'm interested"), f"/interested {number}"))
    return (tuple(row),)


async def _values(form: dict[str, str], ctx: Context) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "kind" in form:
        with about("kind"):
            values["kind"] = choice(
                form["kind"], OPPORTUNITY_KINDS, ctx.tr("kind of opportunity"), ctx.language
            )
    if "title" in form:
        values["title"] = title(form["title"], ctx.language)
    for key in ("description", "region"):
        if key in form:
            values[key] = sized(form, key, ctx.language)
    if "url" in form:
        values["url"] = web_url(form["url"], ctx.language)
    if "tags" in form:
        values["tags"] = tag_list(form["tags"], MAX_TAGS, "tags", ctx.language)
    if "deadline" in form:
        with about("deadline"):
            values["deadline"] = await _deadline(ctx, form["deadline"]) if form["deadline"] else None
    return values


async def _deadline(ctx: Context, answer: str) -> Any:
    moment = parse_local(
        answer.strip() + (" 23:59" if len(answer.strip()) == 10 else ""), ctx.member.timezone, ctx.language
    )
    if moment <= ctx.now:
        raise UsageError(ctx.tr("The deadline has to be in the future."))
    return moment


async def _publish(ctx: Context, values: dict[str, Any]) -> list[Reply]:
    values.setdefault("cluster_id", scope(ctx) or ctx.member.cluster_id)
    opportunity = await ctx.store.opportunities.create(ctx.now, posted_by=ctx.member.id, **values)
    if ctx.is_coordinator:
        await record(ctx, "opportunity add", f"#{opportunity.id} {opportunity.title}")
    text = ctx.text().t(
        "Published {opportunity}.", opportunity=bold(f"#{opportunity.id} {opportunity.title}")
    )
    return [text.reply(buttons=((Button(ctx.tr("Show it"), f"/opportunity {opportunity.id}"),),))]


async def post(ctx: Context) -> list[Reply]:
    """With no arguments a guided flow; with key=value fields, published at once."""
    if not ctx.args:
        return [await begin_flow(ctx, POST_FLOW)]
    return await opportunity_add(ctx)


async def opportunity_add(ctx: Context) -> list[Reply]:
    form = parse_form(ctx.args, FORM_FIELDS, ctx.language)
    require(form, "kind", "title", language=ctx.language)
    return await _publish(ctx, await _values(form, ctx))


async def opportunity_edit(ctx: Context) -> list[Reply]:
    opportunity = await load_opportunity(ctx)
    form = parse_form(ctx.args[1:], FORM_FIELDS, ctx.language)
    if not form:
        raise UsageError(ctx.tr("What should change? Fields: {fields}.", fields=", ".join(FORM_FIELDS)))
    await ctx.store.opportunities.update(opportunity, ctx.now, **(await _values(form, ctx)))
    if ctx.is_coordinator:
        await record(
            ctx, "opportunity edit", f"#{opportunity.id} {opportunity.title}: {', '.join(sorted(form))}"
        )
    return [
        ctx.text()
        .t("Saved {opportunity}.", opportunity=bold(f"#{opportunity.id} {opportunity.title}"))
        .reply()
    ]


async def opportunity_close(ctx: Context) -> list[Reply]:
    opportunity = await load_opportunity(ctx)
    await ctx.store.opportunities.update(opportunity, ctx.now, status="closed")
    if ctx.is_coordinator:
        await record(ctx, "opportunity close", f"#{opportunity.id} {opportunity.title}")
    return [
        ctx.text()
        .t("Closed {opportunity}.", opportunity=bold(f"#{opportunity.id} {opportunity.title}"))
        .reply()
    ]


async def _kind(ctx: Context, answer: str) -> str:
    return choice(answer, OPPORTUNITY_KINDS, ctx.tr("kind of opportunity"), ctx.language)


async def _title(ctx: Context, answer: str) -> str:
    """A longer answer than the title column holds is refused with the limit, not cut."""
    return await as_text(ctx, answer, FIELD_LENGTHS["title"])


async def _tags(ctx: Context, answer: str) -> list[str]:
    return tag_list(answer, MAX_TAGS, "tags", ctx.language)


async def _kind_buttons(ctx: Context, _answers: dict[str, Any]) -> list[Button]:
    return [Button(kind_label(kind, ctx.language).capitalize(), kind) for kind in OPPORTUNITY_KINDS]


async def _finish_post(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    values = {key: value for key, value in answers.items() if value is not None}
    return await _publish(ctx, values)


POST_FLOW = Flow(
    name="post",
    intro=N_("Let's post an opportunity for the network."),
    steps=(
        Step("kind", N_("What kind of opportunity is it?"), _kind, choices=_kind_buttons),
        Step("title", N_("A short title?"), _title),
        Step("description", N_("Describe it: what, who for, how to take part."), as_text),
        Step(
            "tags",
            N_("Tags, separated by commas (e.g. recycling, digitalisation)."),
            _tags,
            optional=True,
        ),
        Step("deadline", N_("Deadline (YYYY-MM-DD)?"), _deadline, optional=True),
    ),
    finish=_finish_post,
)
