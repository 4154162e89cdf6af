"""`settings`, `follow` and `unfollow`: what a member wants to hear about, and when."""

from __future__ import annotations

from datetime import timedelta

from core.errors import NotFound, UsageError
from core.i18n import join_words, language_name
from core.types import N_, Button, Reply, bold, command, echo, fill
from handlers.engine.context import Context
from handlers.engine.forms import positive_int
from handlers.engine.paging import details_button
from handlers.engine.timefmt import parse_duration
from handlers.linking import listing, platform_name
from handlers.opportunities import deadline_label
from handlers.profile import yes_no

MAX_REMINDERS = 4
MAX_MEETING_REMINDER = timedelta(hours=2)


def parse_offsets(text: str, language: str) -> list[str]:
    """'24h,1h' -> ['24h', '1h'] (checked, longest first); 'off' -> []."""
    if text.strip().lower() in ("off", "none", "no"):
        return []
    offsets = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not offsets or len(offsets) > MAX_REMINDERS:
        raise UsageError(
            fill(
                language,
                "Give one to {count} times before the event, like 24h,1h — or off.",
                count=MAX_REMINDERS,
            )
        )
    for offset in offsets:
        if parse_duration(offset, language).days > 14:
            raise UsageError(fill(language, "Reminders can be at most 14 days before an event."))
    return sorted(set(offsets), key=parse_duration, reverse=True)


def on_off(ctx: Context, value: bool) -> str:
    return ctx.tr("on") if value else ctx.tr("off")


def reminders_said(ctx: Context, offsets: list[str]) -> str:
    return ctx.tr("{offsets} before", offsets=", ".join(offsets)) if offsets else ctx.tr("off")


async def settings(ctx: Context) -> list[Reply]:
    if ctx.args and ctx.args[0].lower() == "reminders":
        offsets = parse_offsets(" ".join(ctx.args[1:]), ctx.language)
        await ctx.store.people.update(ctx.member, ctx.now, reminder_offsets=offsets)
        return [ctx.text().t("Event reminders: {value}.", value=bold(reminders_said(ctx, offsets))).reply()]
    if ctx.args and ctx.args[0].lower() == "meetings":
        return [await _meeting_reminder(ctx, " ".join(ctx.args[1:]).strip().lower())]
    if ctx.args and ctx.args[0].lower() in ("alerts", "mute"):
        value = (
            (ctx.args[1].lower() if len(ctx.args) > 1 else "off")
            if ctx.args[0].lower() == "alerts"
            else "off"
        )
        if value not in ("on", "off"):
            raise UsageError(ctx.tr("Say settings alerts on, or settings alerts off."))
        await ctx.store.people.update(ctx.member, ctx.now, muted=value == "off")
        said = on_off(ctx, value == "on")
        return [ctx.text().t("Suggestions and alerts: {value}.", value=bold(said)).reply()]
    if ctx.args and ctx.args[0].lower() == "suggestions":
        value = ctx.args[1].lower() if len(ctx.args) > 1 else ""
        if value not in ("on", "off"):
            raise UsageError(ctx.tr("Say settings suggestions on, or settings suggestions off."))
        await ctx.store.people.update(ctx.member, ctx.now, suggestible=value == "on")
        said = on_off(ctx, value == "on")
        return [ctx.text().t("Suggesting you to other members: {value}.", value=bold(said)).reply()]
    if ctx.args and ctx.args[0].lower() == "platform":
        return [await _platform(ctx)]
    if ctx.args:
        raise UsageError(ctx.tr("I can't change '{setting}' here.", setting=echo(ctx.args[0])))
    return [await _overview(ctx)]


async def _meeting_reminder(ctx: Context, value: str) -> Reply:
    """How long before each B2B meeting the member is reminded (one reminder, at most 2 h before)."""
    if parse_duration(value or "?", ctx.language) > MAX_MEETING_REMINDER:
        raise UsageError(ctx.tr("Meeting reminders can be at most 2 hours before."))
    await ctx.store.people.update(ctx.member, ctx.now, meeting_reminder=value)
    said = ctx.tr("{offsets} before", offsets=value)
    return ctx.text().t("Meeting reminders: {value}.", value=bold(said)).reply()


async def _platforms(ctx: Context) -> list[str]:
    """The platforms the member can be reached on, oldest first (the default for notifications)."""
    identities = await ctx.store.people.identities(ctx.member.id)
    return list(dict.fromkeys(identity.platform for identity in identities))


async def _platform(ctx: Context) -> Reply:
    """Where proactive messages go for a member on several platforms; only one they are on."""
    platforms = await _platforms(ctx)
    wanted = ctx.args[1].lower() if len(ctx.args) > 1 else ""
    if wanted not in platforms:
        raise UsageError(
            ctx.tr(
                "I can reach you on {platforms}: say settings platform {choices}. "
                "To add a platform, send link.",
                platforms=listing(platforms, ctx.language),
                choices=join_words(platforms, ctx.language, "or"),
            )
        )
    await ctx.store.people.update(ctx.member, ctx.now, preferred_platform=wanted)
    return (
        ctx.text().t("Notifications will come on {platform}.", platform=bold(platform_name(wanted))).reply()
    )


async def _overview(ctx: Context) -> Reply:
    member, language = ctx.member, ctx.language
    platforms = await _platforms(ctx)
    preferred = member.preferred_platform if member.preferred_platform in platforms else platforms[0]
    others = [platform for platform in platforms if platform != preferred]
    text = ctx.text().bold(ctx.tr("Your settings")).line().line()
    text.t("Event reminders: {value}", value=reminders_said(ctx, member.reminder_offsets)).line()
    text.t("Suggestions and alerts: {value}", value=on_off(ctx, not member.muted)).line()
    text.t("Suggested to other members: {value}", value=yes_no(language, member.suggestible)).line()
    text.t("Listed in the directory: {value}", value=yes_no(language, member.listed)).line()
    text.t(
        "Contact shared on accepted introductions: {value}", value=yes_no(language, member.share_contact)
    ).line()
    text.t("Time zone: {value}", value=member.timezone).line()
    text.t("Language: {value}", value=language_name(language, language)).line()
    text.t("Notifications on: {platform}", platform=platform_name(preferred))
    if others:
        text.add(" ").t(
            "(also linked: {platforms})", platforms=listing([platform_name(p) for p in others], language)
        )
    text.line().line()
    text.t(
        "Change with {reminders}, {alerts}, {suggestions}",
        reminders=command("settings reminders 24h,1h"),
        alerts=command("settings alerts off"),
        suggestions=command("settings suggestions off"),
    )
    if others:
        text.add(", ").command(f"settings platform {others[0]}")
    text.add(", ").command("lang")
    text.add(", ").t(
        "{listed} or {timezone}",
        listed=command("profile set listed no"),
        timezone=command("profile set timezone Europe/Lisbon"),
    )
    return text.reply()


async def _opportunity_id(ctx: Context) -> int:
    if not ctx.args:
        raise UsageError(ctx.tr("Which opportunity? Give its number."))
    number = positive_int(ctx.args[0].lstrip("#"), ctx.tr("opportunity number"), ctx.language)
    if await ctx.store.opportunities.get(number) is None:
        raise NotFound(ctx.tr("There is no opportunity #{number}.", number=number))
    return number


async def follow(ctx: Context) -> list[Reply]:
    """`follow NUMBER` follows an opportunity; `follow` alone lists the ones the member follows."""
    if not ctx.args:
        return [await _followed(ctx)]
    number = await _opportunity_id(ctx)
    new = await ctx.store.follows.follow(ctx.member.id, number, ctx.now)
    if new:
        message = N_(
            "You follow opportunity #{number}; I'll remind you 7 days and 1 day before its deadline."
        )
    else:
        message = N_(
            "You follow opportunity #{number} already; I'll remind you 7 days and 1 day before its deadline."
        )
    text = ctx.text().t(message, number=number)
    return [text.reply(buttons=((Button(ctx.tr("Unfollow"), f"/unfollow {number}"),),))]


async def _followed(ctx: Context) -> Reply:
    followed = await ctx.store.follows.followed(ctx.member.id)
    if not followed:
        return (
            ctx.text()
            .t("You follow no opportunity yet. See {command}.", command=command("opportunities"))
            .reply()
        )
    text, rows = ctx.text().bold(ctx.tr("Opportunities you follow")).line().line(), []
    for opportunity in followed:
        deadline = deadline_label(ctx, opportunity)
        details = details_button(ctx, f"/opportunity {opportunity.id}")
        with text.item(f"#{opportunity.id} {opportunity.title}", (("", deadline),), details):
            text.bold(f"#{opportunity.id} ").add(opportunity.title).line()
            if deadline:
                text.add("   ").line(deadline)
        rows.append(
            (
                Button(ctx.tr("Details #{number}", number=opportunity.id), details.payload),
                Button(ctx.tr("Unfollow #{number}", number=opportunity.id), f"/unfollow {opportunity.id}"),
            )
        )
    return text.reply(buttons=tuple(rows))


async def unfollow(ctx: Context) -> list[Reply]:
    number = await _opportunity_id(ctx)
    removed = await ctx.store.follows.unfollow(ctx.member.id, number)
    if removed:
        return [ctx.text().t("You no longer follow opportunity #{number}.", number=number).reply()]
    return [ctx.text().t("You were not following opportunity #{number}.", number=number).reply()]
