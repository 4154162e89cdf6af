"""Guided flows: one question at a time, answers kept in the store so a restart resumes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core.errors import UsageError
from core.types import N_, Button, Reply
from handlers.engine.context import Context
from handlers.engine.forms import visible_name, within

Parser = Callable[[Context, str], Awaitable[Any]]
# Buttons and notes may depend on what was answered before (the zones of the chosen cluster's country).
Choices = Callable[[Context, dict[str, Any]], Awaitable[list[Button]]]
Note = Callable[[Context, dict[str, Any]], Awaitable[str]]
Finisher = Callable[[Context, dict[str, Any]], Awaitable[list[Reply]]]

# Control words, never answers, in every language we write: the hint shows the reader's own, and
# any of them works whatever the language, as people mix them ("cancel" on a Spanish phone).
SKIP_WORDS = frozenset(
    {"skip", "-", "saltar", "salta", "omet", "ometre", "omitir", "passer", "ignorar", "pular"}
)
CANCEL_WORDS = frozenset(
    {"cancel", "/cancel", "stop", "/stop", "cancelar", "cancel·la", "cancel·lar", "atura", "aturar"}
    | {"annuler", "arrêter", "arreter", "parar"}
)
CARRY_ON = N_("Let's carry on where we left off.")
CANCEL = N_("Type your answer, 'cancel' to stop.")
SKIP_OR_CANCEL = N_("Type your answer, 'skip' to leave it empty or 'cancel' to stop.")


def control_word(text: str) -> str:
    """How a typed control word is compared: its case, quotes and surrounding spaces dropped."""
    return text.strip().strip("'\"‘’“”«»").strip().lower()


@dataclass(frozen=True, slots=True)
class Step:
    """`question` (like a flow's `intro`) is an English message id, asked in the reader's language."""

    key: str
    question: str
    parse: Parser
    optional: bool = False
    choices: Choices | None = None
    # A line under the question that depends on earlier answers (the zone suggested for a country).
    note: Note | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    finish: Finisher
    intro: str = ""


async def as_text(ctx: Context, answer: str, limit: int = 2000) -> str:
    """The answer on one line; refused when empty or longer than `limit` (never cut)."""
    text = " ".join(answer.split())
    if not text:
        raise UsageError(ctx.tr("Please type an answer, or 'cancel' to stop."))
    return within(text, limit, ctx.tr("Your answer"), ctx.language)


async def as_name(ctx: Context, answer: str) -> str:
    """A person's or organisation's name: their columns hold 200 characters, and something must show."""
    return visible_name(await as_text(ctx, answer, 200), ctx.language)


class Flows:
    """The registry of flows, and the engine that walks a person through one."""

    def __init__(self, *flows: Flow) -> None:
        self.flows = {flow.name: flow for flow in flows}

    async def answer(self, ctx: Context, text: str) -> list[Reply] | None:
        """Take `text` as the answer to the pending question; None when no flow is pending."""
        conversation = await ctx.store.conversations.current(ctx.msg.platform, ctx.msg.user_id)
        if conversation is None or conversation.flow not in self.flows:
            return None
        word = control_word(text)
        if word in CANCEL_WORDS:
            await ctx.store.conversations.end(ctx.msg.platform, ctx.msg.user_id)
            return [ctx.text().t("Stopped. Nothing was saved from that conversation.").reply()]
        flow = self.flows[conversation.flow]
        step = flow.steps[conversation.step]
        answers = dict(conversation.answers)
        if word in SKIP_WORDS:
            if not step.optional:
                raise UsageError(ctx.tr("This question needs an answer; type it, or 'cancel' to stop."))
            answers[step.key] = None
        else:
            answers[step.key] = await step.parse(ctx, text)
        next_step = conversation.step + 1
        if next_step < len(flow.steps):
            await ctx.store.conversations.advance(conversation, next_step, answers, ctx.now)
            return [await ask(ctx, flow, next_step, answers=answers)]
        await ctx.store.conversations.end(ctx.msg.platform, ctx.msg.user_id)
        return await flow.finish(ctx, answers)


async def begin_flow(ctx: Context, flow: Flow, known: dict[str, Any] | None = None) -> Reply:
    """Start `flow` for the person writing, replacing any flow they had left half-way; `known`
    holds what the flow is about (the introduction a message goes through), kept with the answers."""
    await ctx.store.conversations.begin(ctx.msg.platform, ctx.msg.user_id, flow.name, ctx.now, known)
    return await ask(ctx, flow, 0, intro=flow.intro, answers=dict(known or {}))


async def ask(
    ctx: Context, flow: Flow, index: int, intro: str = "", answers: dict[str, Any] | None = None
) -> Reply:
    """`intro` is an English message id, like the step's question; `answers` are the earlier ones."""
    step = flow.steps[index]
    answers = answers or {}
    text = ctx.text()
    if intro:
        text.t(intro).line().line()
    text.bold(f"({index + 1}/{len(flow.steps)}) ").t(step.question)
    if step.note:
        text.line().add(await step.note(ctx, answers))
    hint = SKIP_OR_CANCEL if step.optional else CANCEL
    text.line().italic(ctx.tr(hint))
    buttons = await step.choices(ctx, answers) if step.choices else []
    rows = tuple((button,) for button in buttons)
    return text.reply(buttons=rows)
