"""`settings`, `follow` and `unfollow`: what a member wants to hear about, and when."""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import NotFound, UsageError
from handlers.forms import positive_int
from handlers.linking import listing, platform_name
from handlers.timefmt import parse_duration
from handlers.types import Button, Reply, Text

MAX_REMINDERS = 4


def parse_offsets(text: str) -> list[str]:
    """'24h,1h' -> ['24h', '1h'] (checked, longest first); 'off' -> []."""
    if text.strip().lower() in ("off", "none", "no"):
        return []
    offsets = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not offsets or len(offsets) > MAX_REMINDERS:
        raise UsageError(f"Give one to {MAX_REMINDERS} times before the event, like 24h,1h — or off.")
    for offset in offsets:
        if parse_duration(offset).days > 14:
            raise UsageError("Reminders can be at most 14 days before an event.")
    return sorted(set(offsets), key=parse_duration, reverse=True)


async def settings(ctx: Context) -> list[Reply]:
    if ctx.args and ctx.args[0].lower() == "reminders":
        offsets = parse_offsets(" ".join(ctx.args[1:]))
        await ctx.store.people.update(ctx.member, ctx.now, reminder_offsets=offsets)
        said = ", ".join(offsets) + " before" if offsets else "off"
        return [Text().add("Event reminders: ").bold(said).add(".").reply()]
    if ctx.args and ctx.args[0].lower() in ("alerts", "mute"):
        value = (
            (ctx.args[1].lower() if len(ctx.args) > 1 else "off")
            if ctx.args[0].lower() == "alerts"
            else "off"
        )
        if value not in ("on", "off"):
            raise UsageError("Say settings alerts on, or settings alerts off.")
        await ctx.store.people.update(ctx.member, ctx.now, muted=value == "off")
        return [Text().add("Suggestions and alerts: ").bold(value).add(".").reply()]
    if ctx.args and ctx.args[0].lower() == "suggestions":
        value = ctx.args[1].lower() if len(ctx.args) > 1 else ""
        if value not in ("on", "off"):
            raise UsageError("Say settings suggestions on, or settings suggestions off.")
        await ctx.store.people.update(ctx.member, ctx.now, suggestible=value == "on")
        return [Text().add("Suggesting you to other members: ").bold(value).add(".").reply()]
    if ctx.args and ctx.args[0].lower() == "platform":
        return [await _platform(ctx)]
    if ctx.args:
        raise UsageError(f"I can't change '{ctx.args[0]}' here.")
    return [await _overview(ctx)]


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
            f"I can reach you on {listing(platforms)}: say settings platform {' or '.join(platforms)}. "
            "To add a platform, send link."
        )
    await ctx.store.people.update(ctx.member, ctx.now, preferred_platform=wanted)
    return Text().add("Notifications will come on ").bold(platform_name(wanted)).add(".").reply()


async def _overview(ctx: Context) -> Reply:
    member = ctx.member
    platforms = await _platforms(ctx)
    preferred = member.preferred_platform if member.preferred_platform in platforms else platforms[0]
    others = [platform for platform in platforms if platform != preferred]
    reminders = ", ".join(member.reminder_offsets) + " before" if member.reminder_offsets else "off"
    text = Text().bold("Your settings").line().line()
    text.add("Event reminders: ").line(reminders)
    text.add("Suggestions and alerts: ").line("off" if member.muted else "on")
    text.add("Suggested to other members: ").line("yes" if member.suggestible else "no")
    text.add("Listed in the directory: ").line("yes" if member.listed else "no")
    text.add("Contact shared on accepted introductions: ").line("yes" if member.share_contact else "no")
    text.add("Time zone: ").line(member.timezone)
    text.add("Notifications on: ").add(platform_name(preferred))
    text.line(f" (also linked: {listing([platform_name(p) for p in others])})" if others else "").line()
    text.add("Change with ").command("settings reminders 24h,1h").add(", ").command("settings alerts off")
    text.add(", ").command("settings suggestions off")
    if others:
        text.add(", ").command(f"settings platform {others[0]}")
    text.add(", ").command("profile set listed no").add(" or ").command("profile set timezone Europe/Lisbon")
    return text.reply()


async def _opportunity_id(ctx: Context) -> int:
    if not ctx.args:
        raise UsageError("Which opportunity? Give its number.")
    number = positive_int(ctx.args[0].lstrip("#"), "opportunity number")
    if await ctx.store.opportunities.get(number) is None:
        raise NotFound(f"There is no opportunity #{number}.")
    return number


async def follow(ctx: Context) -> list[Reply]:
    number = await _opportunity_id(ctx)
    new = await ctx.store.follows.follow(ctx.member.id, number, ctx.now)
    text = Text().add(f"You follow opportunity #{number}" + ("" if new else " already"))
    text.add("; I'll remind you 7 days and 1 day before its deadline.")
    return [text.reply(buttons=((Button("Unfollow", f"/unfollow {number}"),),))]


async def unfollow(ctx: Context) -> list[Reply]:
    number = await _opportunity_id(ctx)
    removed = await ctx.store.follows.unfollow(ctx.member.id, number)
    return [
        Text()
        .add(
            f"You no longer follow opportunity #{number}."
            if removed
            else f"You were not following opportunity #{number}."
        )
        .reply()
    ]
