"""`outcome`: where a cooperation stands, on a ladder of five rungs, with the call or project name.

Three and six months after a meeting or introduction marked "Cooperation possible", each side gets
the ladder as buttons (scheduler/outcomes.py); a member can also tell it any time with
`outcome MEMBER [STEP]`. The buttons are confirmation buttons of the member asked, so nobody else
in a shared chat can answer for them. After a step other than "No further contact" comes one
optional question, the call or project name, and for a proposal or an agreement the opportunities
the member follows or posted, to say which call it answers.
"""

from __future__ import annotations

import shlex
from typing import Any

from core.errors import NotFound, UsageError
from core.types import N_, Button, Reply, Text, bold, fill
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.flows import Flow, Step, as_text, begin_flow
from handlers.engine.forms import choice, parse_form, positive_int, within
from handlers.engine.resolving import member_named
from store.models import OUTCOME_STEPS, Member, Outcome
from store.outcomes import NAMED_STEPS

# The buttons' labels, in the order of OUTCOME_STEPS.
STEP_LABELS = dict(
    zip(
        OUTCOME_STEPS,
        (
            N_("No further contact"),
            N_("In discussion"),
            N_("Joint proposal submitted"),
            N_("Agreement signed (MoU, contract)"),
            N_("Joint project running"),
        ),
        strict=True,
    )
)
LINE_LIMIT = 300
LINE_QUESTION = N_("What is the call or project called? One line.")
OPPORTUNITY_LABEL_LIMIT = 60


def ladder_buttons(language: str, payloads: tuple[str, ...]) -> tuple[tuple[Button, ...], ...]:
    """One button a row, lowest rung first; `payloads` in the order of OUTCOME_STEPS."""
    return tuple(
        (Button(fill(language, label), payload),)
        for label, payload in zip(STEP_LABELS.values(), payloads, strict=True)
    )


def ladder_question(other: Member, milestone: int, payloads: tuple[str, ...], language: str) -> Reply:
    """The prompt each side gets at a milestone (3 or 6 months)."""
    text = Text(language=language).add("📈 ")
    text.t(
        "{months} months ago you and {name} saw a possible cooperation. Where does it stand now?",
        months=milestone,
        name=bold(other.name),
    )
    return text.reply(buttons=ladder_buttons(language, payloads))


async def outcome(ctx: Context) -> list[Reply]:
    """`outcome MEMBER [STEP] [line="…"] [opportunity=N]`; the name may have spaces."""
    words = [word for word in ctx.args if "=" not in word]
    form = parse_form([word for word in ctx.args if "=" in word], ("line", "opportunity"), ctx.language)
    step = None
    if len(words) > 1 and words[-1].lower() in OUTCOME_STEPS:
        step = words.pop().lower()
    if not words:
        raise UsageError(ctx.tr("Who did you work with? Give a name, an @handle or a member number."))
    # "Did you mean" buttons retype the whole command with the member's number instead of the name.
    kept = shlex.join([*([step] if step else []), *(word for word in ctx.args if "=" in word)])
    other = await member_named(ctx, " ".join(words), lambda value: f"/outcome #{value} {kept}".rstrip())
    if other.id == ctx.member.id:
        raise UsageError(ctx.tr("That is you. Give the name or number of the member you worked with."))
    line = within(form.get("line", "").strip(), LINE_LIMIT, "line", ctx.language)
    opportunity_id = await _opportunity(ctx, form["opportunity"]) if "opportunity" in form else None
    if step is None:
        return [await _ladder_for(ctx, other, form)]
    row = await ctx.store.outcomes.record(
        ctx.member.id, other.id, step, ctx.now, line=line, opportunity_id=opportunity_id
    )
    return await _after_step(ctx, row, other)


async def _ladder_for(ctx: Context, other: Member, form: dict[str, str]) -> Reply:
    """The ladder as buttons that finish the command the member began."""
    extra = shlex.join(f"{key}={value}" for key, value in form.items() if value)
    payloads = tuple(
        [await confirmation(ctx, f"outcome #{other.id} {step} {extra}".rstrip()) for step in OUTCOME_STEPS]
    )
    text = ctx.text().t("Where does it stand with {name}?", name=bold(other.name))
    return text.reply(buttons=ladder_buttons(ctx.language, payloads))


async def answer(ctx: Context) -> list[Reply]:
    """`outcome answer N STEP`: what a prompt's button sends."""
    row = await _own(ctx, ctx.args[0] if ctx.args else "")
    if len(ctx.args) < 2:
        raise UsageError(ctx.tr("Which step? Choose one of: {names}.", names=", ".join(OUTCOME_STEPS)))
    step = choice(ctx.args[1], OUTCOME_STEPS, ctx.tr("step"), ctx.language)
    await ctx.store.outcomes.answer(row, step, ctx.now)
    other = await ctx.store.people.get(row.other_id)
    assert other is not None  # the row cascades with both members
    return await _after_step(ctx, row, other)


async def link(ctx: Context) -> list[Reply]:
    """`outcome link N OPPORTUNITY`: what an opportunity button sends."""
    row = await _own(ctx, ctx.args[0] if ctx.args else "")
    if len(ctx.args) < 2:
        raise UsageError(ctx.tr("Which opportunity? Give its number."))
    opportunity_id = await _opportunity(ctx, ctx.args[1])
    await ctx.store.outcomes.describe(row, opportunity_id=opportunity_id)
    found = await ctx.store.opportunities.get(opportunity_id)
    assert found is not None  # checked by _opportunity
    return [ctx.text().t("Linked to {title}.", title=found.title).reply()]


async def _own(ctx: Context, typed: str) -> Outcome:
    if not typed:
        raise UsageError(ctx.tr("Which outcome? Give its number."))
    number = positive_int(typed.lstrip("#"), ctx.tr("outcome number"), ctx.language)
    row = await ctx.store.outcomes.get(number)
    if row is None or row.member_id != ctx.member.id:
        raise NotFound(ctx.tr("You have no outcome #{number}.", number=number))
    return row


async def _opportunity(ctx: Context, typed: str) -> int:
    number = positive_int(typed.lstrip("#"), ctx.tr("opportunity number"), ctx.language)
    if await ctx.store.opportunities.get(number) is None:
        raise NotFound(ctx.tr("There is no opportunity #{number}.", number=number))
    return number


async def _after_step(ctx: Context, row: Outcome, other: Member) -> list[Reply]:
    """ "Noted", then the optional line when there is none yet, else the opportunities to link."""
    label = ctx.tr(STEP_LABELS[row.step])
    noted = ctx.text().t("Noted: {step}, with {name}.", step=bold(label), name=other.name).reply()
    if row.step == "none":
        return [noted]
    if not row.line:
        return [noted, await begin_flow(ctx, LINE_FLOW, {"outcome": row.id})]
    return [noted, *await _offer_opportunities(ctx, row)]


async def _offer_opportunities(ctx: Context, row: Outcome) -> list[Reply]:
    """For a proposal or an agreement not yet linked: the calls the member follows or posted."""
    if row.step not in NAMED_STEPS or row.opportunity_id is not None:
        return []
    found = await ctx.store.outcomes.linkable_opportunities(ctx.member.id)
    if not found:
        return []
    rows: list[tuple[Button, ...]] = []
    for opportunity in found:
        payload = await confirmation(ctx, f"outcome link {row.id} {opportunity.id}")
        rows.append((Button(f"#{opportunity.id} {opportunity.title[:OPPORTUNITY_LABEL_LIMIT]}", payload),))
    return [ctx.text().t("Does it answer one of these calls or opportunities?").reply(buttons=tuple(rows))]


async def _as_line(ctx: Context, answer: str) -> str:
    return await as_text(ctx, answer, LINE_LIMIT)


async def _finish_line(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    row = await _own(ctx, str(answers["outcome"]))
    if answers.get("line"):
        await ctx.store.outcomes.describe(row, line=str(answers["line"]))
    return [ctx.text().t("Thank you, noted.").reply(), *await _offer_opportunities(ctx, row)]


LINE_FLOW = Flow("outcome_line", (Step("line", LINE_QUESTION, _as_line, optional=True),), _finish_line)
