"""`lang`: the member picks the language I write in; it also sets their proactive messages."""

from __future__ import annotations

from dataclasses import replace

from core.i18n import LANGUAGES, language_name
from core.types import Button, Reply, bold, command
from handlers.engine.context import Context
from handlers.profile import parse_language

# Each language named in itself on its button: someone who cannot read the current one still finds
# their own. In a sentence a language is named as the reader's language writes it (Babel/CLDR):
# "en català", "en français", "in English".
LANGUAGE_NAMES = {"en": "English", "ca": "Català", "es": "Español", "fr": "Français", "pt": "Português"}


async def lang(ctx: Context) -> list[Reply]:
    if not ctx.args:
        text = (
            ctx.text()
            .t("I write to you in {language}.", language=bold(language_name(ctx.language, ctx.language)))
            .line()
        )
        text.t("Choose another with a button, or send {command}.", command=command("lang ca"))
        buttons = tuple(
            (Button(LANGUAGE_NAMES[code], f"/lang {code}"),) for code in LANGUAGES if code != ctx.language
        )
        return [text.reply(buttons=buttons)]
    code = await parse_language(ctx, ctx.args[0])
    await ctx.store.people.update(ctx.member, ctx.now, language=code)
    ctx = replace(ctx, language=code)
    text = ctx.text().t("From now on I write to you in {language}.", language=bold(language_name(code, code)))
    return [text.reply(replaces_previous=ctx.msg.payload is not None)]
