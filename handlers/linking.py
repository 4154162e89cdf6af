"""`link`: one person on Telegram and Slack becomes one member, with a one-time code.

Refusals are returned, not raised: raising rolls the message's transaction back, and a wrong code
must still count towards the lockout.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.errors import NotAllowed, UsageError
from handlers.timefmt import when
from handlers.types import Reply, Text
from store.linking import CODE_LENGTH, CODE_LIFETIME, LOCKOUT, MergeReport, Redemption, looks_like_code
from store.models import Member

CODE_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
LOCKOUT_MINUTES = int(LOCKOUT.total_seconds() // 60)

PLATFORM_NAMES = {"telegram": "Telegram", "slack": "Slack", "console": "console"}
FIELD_NAMES = {
    "organisation_id": "organisation",
    "cluster_id": "cluster",
    "calendar_token": "calendar feed",
    "preferred_platform": "preferred platform",
}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


async def link(ctx: Context) -> list[Reply]:
    # Whoever sees a code can join their account to the code's owner: never show or take one in a group.
    if ctx.msg.chat_kind != "private":
        raise NotAllowed(
            "Send link to me in a private chat: a link code opens your account to whoever sees it."
        )
    if not ctx.args:
        return [await _issue(ctx)]
    if not looks_like_code(ctx.rest):
        raise UsageError(f"A link code is {CODE_LENGTH} letters and digits, like ABCD2345.")
    redemption = await ctx.store.linking.redeem(ctx.member, ctx.rest, ctx.now)
    if redemption.outcome == "joined" and redemption.owner is not None:
        return [await _join(ctx, redemption.owner)]
    return [_refusal(ctx, redemption)]


async def _issue(ctx: Context) -> Reply:
    code = await ctx.store.linking.issue(ctx.member, ctx.now)
    text = Text().add("Your link code: ").bold(code).line()
    text.add("On your other platform send: ").code(f"link {code}").line()
    text.line(
        f"(Telegram: /link {code} to the bot · Slack: a direct message to the bot, or /cluster link {code})"
    )
    text.add(f"It works once, for {CODE_MINUTES} minutes. Your profile, RSVPs and follows will be joined.")
    return text.reply()


def _refusal(ctx: Context, redemption: Redemption) -> Reply:
    again = "Send link on your other platform for a new code."
    tries = "1 try" if redemption.tries_left == 1 else f"{redemption.tries_left} tries"
    until = when(redemption.locked_until, ctx.member.timezone) if redemption.locked_until else ""
    message = {
        "locked": f"Too many wrong codes: linking is locked for {LOCKOUT_MINUTES} minutes, until {until}. "
        "Then try again with a new code.",
        "own": "That code comes from this same account, so there is nothing to join. "
        "Type it on your other platform.",
        "used": f"That code has been used already. {again}",
        "expired": f"That code has expired (codes last {CODE_MINUTES} minutes). {again}",
        "unknown": f"That code is not right. {tries} left before linking is locked for "
        f"{LOCKOUT_MINUTES} minutes.",
    }[redemption.outcome]
    return Text().add(message).reply()


async def _join(ctx: Context, owner: Member) -> Reply:
    report = await ctx.store.linking.merge(owner, ctx.member, ctx.now)
    names = list(dict.fromkeys(platform_name(p) for p in (*report.kept_platforms, *report.joined_platforms)))
    accounts = f"your two {names[0]} accounts" if len(names) == 1 else f"your {listing(names)} accounts"
    text = Text().add(f"Joined {accounts}: {_merged(report)}.").line()
    if report.kept_platforms:
        older = listing([platform_name(p) for p in report.kept_platforms])
        text.line(f"Where both had something, the older record (from {older}) was kept.")
    platforms = [identity.platform for identity in await ctx.store.people.identities(report.member.id)]
    preferred = report.member.preferred_platform or platforms[0]
    text.add(f"Notifications come once, on {platform_name(preferred)}.")
    others = [p for p in dict.fromkeys(platforms) if p != preferred]
    if others:
        text.add(" Change with ").command(f"settings platform {others[0]}").add(".")
    return text.reply()


def _merged(report: MergeReport) -> str:
    parts = [
        plural(count, word)
        for count, word in (
            (report.rsvps, "RSVP"),
            (report.follows, "follow"),
            (report.introductions, "introduction"),
            (report.messages, "waiting message"),
        )
        if count
    ]
    if report.tags_added:
        parts.append("interests merged")
    if report.filled:
        parts.append("filled in " + listing([FIELD_NAMES.get(name, name) for name in report.filled]))
    return ", ".join(parts) if parts else "nothing else needed joining"
