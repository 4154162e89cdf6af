"""`opportunities`, `opportunity`, `post` and the coordinators' `opportunity add|edit|close`."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process

from handlers.context import Context
from handlers.errors import NotAllowed, NotFound, UsageError
from handlers.flows import Flow, Step, as_text, begin_flow
from handlers.forms import choice, parse_form, positive_int, require
from handlers.roles import record, require_cluster, scope
from handlers.timefmt import day, parse_local
from handlers.types import Button, Reply, Text
from store.models import OPPORTUNITY_KINDS, Opportunity
from store.text import clean_tags, words

LIST_LIMIT = 15
FORM_FIELDS = ("kind", "title", "description", "tags", "deadline", "region", "url")


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def matches(opportunity: Opportunity, query_words: list[str]) -> bool:
    """Every word of the query is (nearly) a word of the opportunity: 'recyclng' finds 'recycling'."""
    vocabulary = words(
        f"{opportunity.title} {opportunity.description} {' '.join(opportunity.tags)} "
        f"{kind_label(opportunity.kind)} {opportunity.region}"
    )
    return (
        all(
            process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=80) is not None
            for word in query_words
        )
        if vocabulary
        else False
    )


async def opportunities(ctx: Context) -> list[Reply]:
    found = await ctx.store.opportunities.open(ctx.now)
    query_words = words(ctx.rest)
    if query_words:
        found = [o for o in found if matches(o, query_words)]
    if not found:
        what = f" matching '{ctx.rest.strip()}'" if query_words else ""
        return [Text().add(f"No open opportunities{what}. Post one with ").command("post").add(".").reply()]
    text = Text().bold("Open opportunities").add(" (nearest deadline first)").line().line()
    for opportunity in found[:LIST_LIMIT]:
        text.bold(f"#{opportunity.id} ").add(opportunity.title).line()
        deadline = (
            f"deadline {day(opportunity.deadline, ctx.member.timezone)}"
            if opportunity.deadline
            else "no deadline"
        )
        text.line(
            f"   {kind_label(opportunity.kind)} · {deadline}"
            + (f" · {opportunity.region}" if opportunity.region else "")
        )
    if len(found) > LIST_LIMIT:
        text.line().line(f"…and {len(found) - LIST_LIMIT} more; narrow with /opportunities WORDS.")
    return [text.add("\nDetails: ").command("opportunity NUMBER").reply()]


async def load_opportunity(ctx: Context) -> Opportunity:
    if not ctx.args:
        raise UsageError("Which opportunity? Give its number.")
    number = positive_int(ctx.args[0].lstrip("#"), "opportunity number")
    opportunity = await ctx.store.opportunities.get(number)
    if opportunity is None:
        raise NotFound(f"There is no opportunity #{number}. See the list with /opportunities.")
    return opportunity


async def opportunity_details(ctx: Context) -> list[Reply]:
    opportunity = await load_opportunity(ctx)
    text = Text()
    if opportunity.status != "open":
        text.bold("CLOSED ").line()
    text.bold(f"#{opportunity.id} {opportunity.title}").line()
    text.italic(kind_label(opportunity.kind).capitalize()).line()
    if opportunity.deadline:
        text.add("⏰ Deadline: ").line(day(opportunity.deadline, ctx.member.timezone))
    if opportunity.region:
        text.add("📍 ").line(opportunity.region)
    if opportunity.url:
        text.add("🔗 ").link(opportunity.url, opportunity.url).line()
    if opportunity.description:
        text.line().line(opportunity.description)
    if opportunity.tags:
        text.line().italic("Tags: ").line(", ".join(opportunity.tags))
    if opportunity.posted_by:
        poster = await ctx.store.people.card(opportunity.posted_by)
        if poster is not None:
            text.italic("Posted by: ").add(poster.member.name)
            if poster.organisation:
                text.add(f" — {poster.organisation.name}")
    return [text.reply()]


async def _values(form: dict[str, str], ctx: Context) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "kind" in form:
        values["kind"] = choice(form["kind"], OPPORTUNITY_KINDS, "kind of opportunity")
    if "title" in form:
        if not form["title"].strip():
            raise UsageError("The title cannot be empty.")
        values["title"] = form["title"].strip()[:300]
    for key in ("description", "region", "url"):
        if key in form:
            values[key] = form[key][:4000]
    if "tags" in form:
        values["tags"] = clean_tags(form["tags"])
    if "deadline" in form:
        values["deadline"] = await _deadline(ctx, form["deadline"]) if form["deadline"] else None
    return values


async def _deadline(ctx: Context, answer: str) -> Any:
    moment = parse_local(
        answer.strip() + (" 23:59" if len(answer.strip()) == 10 else ""), ctx.member.timezone
    )
    if moment <= ctx.now:
        raise UsageError("The deadline has to be in the future.")
    return moment


async def _publish(ctx: Context, values: dict[str, Any]) -> list[Reply]:
    values.setdefault("cluster_id", scope(ctx) or ctx.member.cluster_id)
    opportunity = await ctx.store.opportunities.create(ctx.now, posted_by=ctx.member.id, **values)
    if ctx.is_coordinator:
        await record(ctx, "opportunity add", f"#{opportunity.id} {opportunity.title}")
    text = Text().add("Published ").bold(f"#{opportunity.id} {opportunity.title}").add(".")
    return [text.reply(buttons=((Button("Show it", f"/opportunity {opportunity.id}"),),))]


async def post(ctx: Context) -> list[Reply]:
    """With no arguments a guided flow; with key=value fields, published at once."""
    if not ctx.args:
        return [await begin_flow(ctx, POST_FLOW)]
    return await opportunity_add(ctx)


async def opportunity_add(ctx: Context) -> list[Reply]:
    form = parse_form(ctx.args, FORM_FIELDS)
    require(form, "kind", "title")
    return await _publish(ctx, await _values(form, ctx))


async def _own_or_coordinator(ctx: Context) -> Opportunity:
    """The poster may always change their own; a coordinator only within their cluster."""
    opportunity = await load_opportunity(ctx)
    if opportunity.posted_by == ctx.member.id:
        return opportunity
    if not ctx.is_coordinator:
        raise NotAllowed("Only the member who posted it or a coordinator can change it.")
    await require_cluster(ctx, opportunity.cluster_id, f"opportunity #{opportunity.id}")
    return opportunity


async def opportunity_edit(ctx: Context) -> list[Reply]:
    opportunity = await _own_or_coordinator(ctx)
    form = parse_form(ctx.args[1:], FORM_FIELDS)
    if not form:
        raise UsageError(f"What should change? Fields: {', '.join(FORM_FIELDS)}.")
    await ctx.store.opportunities.update(opportunity, ctx.now, **(await _values(form, ctx)))
    if ctx.is_coordinator:
        await record(
            ctx, "opportunity edit", f"#{opportunity.id} {opportunity.title}: {', '.join(sorted(form))}"
        )
    return [Text().add("Saved ").bold(f"#{opportunity.id} {opportunity.title}").add(".").reply()]


async def opportunity_close(ctx: Context) -> list[Reply]:
    opportunity = await _own_or_coordinator(ctx)
    await ctx.store.opportunities.update(opportunity, ctx.now, status="closed")
    if ctx.is_coordinator:
        await record(ctx, "opportunity close", f"#{opportunity.id} {opportunity.title}")
    return [Text().add("Closed ").bold(f"#{opportunity.id} {opportunity.title}").add(".").reply()]


async def _kind(_ctx: Context, answer: str) -> str:
    return choice(answer, OPPORTUNITY_KINDS, "kind of opportunity")


async def _tags(_ctx: Context, answer: str) -> list[str]:
    return clean_tags(answer)[:20]


async def _kind_buttons(_ctx: Context) -> list[Button]:
    return [Button(kind_label(kind).capitalize(), kind) for kind in OPPORTUNITY_KINDS]


async def _finish_post(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    values = {key: value for key, value in answers.items() if value is not None}
    return await _publish(ctx, values)


POST_FLOW = Flow(
    name="post",
    intro="Let's post an opportunity for the network.",
    steps=(
        Step("kind", "What kind of opportunity is it?", _kind, choices=_kind_buttons),
        Step("title", "A short title?", as_text),
        Step("description", "Describe it: what, who for, how to take part.", as_text),
        Step(
            "tags",
            "Tags, separated by commas (e.g. recycling, digitalisation).",
            _tags,
            optional=True,
        ),
        Step("deadline", "Deadline (YYYY-MM-DD)?", _deadline, optional=True),
    ),
    finish=_finish_post,
)
