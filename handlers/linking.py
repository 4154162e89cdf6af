"""`link`: one person on Telegram and Slack becomes one member, with a one-time code.

Refusals are returned, not raised: raising rolls the message's transaction back, and a wrong code
must still count towards the lockout.
"""

from __future__ import annotations

from core.errors import NotAllowed, UsageError
from core.i18n import join_words
from core.types import N_, Button, Nn_, Reply, bold, command, fill, fill_n
from handlers.engine.confirmations import confirmation
from handlers.engine.context import Context
from handlers.engine.timefmt import when
from store.linking import CODE_LENGTH, CODE_LIFETIME, LOCKOUT, MergeReport, Redemption, looks_like_code
from store.models import Member

CODE_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
LOCKOUT_MINUTES = int(LOCKOUT.total_seconds() // 60)

PLATFORM_NAMES = {"telegram": "Telegram", "slack": "Slack", "console": "console"}
FIELD_NAMES = {
    "organisation_id": N_("organisation"),
    "cluster_id": N_("cluster"),
    "calendar_token": N_("calendar feed"),
    "preferred_platform": N_("preferred platform"),
    "role": N_("role"),
    "bio": N_("bio"),
    "offers": N_("offers"),
    "seeks": N_("seeks"),
    "email": N_("email"),
    "language": N_("language"),
}
# What was merged, counted: (report field, one, several); never zero, as those are left out.
MERGED_COUNTS = (
    ("rsvps", Nn_("{count} RSVP", "{count} RSVPs")),
    ("follows", Nn_("{count} follow", "{count} follows")),
    ("introductions", Nn_("{count} introduction", "{count} introductions")),
    ("messages", Nn_("{count} waiting message", "{count} waiting messages")),
)


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def listing(items: list[str], language: str) -> str:
    """'a', 'a and b', 'a, b, and c' as the reader's language joins a list (Babel's list patterns)."""
    return join_words(items, language)


async def link(ctx: Context) -> list[Reply]:
    # Whoever sees a code can join their account to the code's owner: never show or take one in a group.
    if ctx.msg.chat_kind != "private":
        raise NotAllowed(
            ctx.tr("Send link to me in a private chat: a link code opens your account to whoever sees it.")
        )
    if not ctx.args:
        return [await _issue(ctx)]
    if not looks_like_code(ctx.rest):
        raise UsageError(
            ctx.tr("A link code is {length} letters and digits, like ABCD2345.", length=CODE_LENGTH)
        )
    redemption = await ctx.store.linking.redeem(ctx.member, ctx.rest, ctx.now)
    if redemption.outcome == "valid" and redemption.owner is not None and redemption.code_id is not None:
        return [await _ask(ctx, redemption.owner, redemption.code_id)]
    return [_refusal(ctx, redemption)]


async def _ask(ctx: Context, owner: Member, code_id: int) -> Reply:
    """Whoever holds the other account will see and change this one's profile too: asked first."""
    platforms = dict.fromkeys(identity.platform for identity in await ctx.store.people.identities(owner.id))
    text = ctx.text().t(
        "Join this account with the {platforms} account of {name}? You become one member: whoever "
        "uses either account sees and changes the same profile. Go on only if both accounts are yours.",
        platforms=listing([platform_name(p) for p in platforms], ctx.language),
        name=owner.name,
    )
    join = await confirmation(ctx, f"link join {code_id}", lifetime=CODE_LIFETIME)
    return text.reply(
        buttons=((Button(ctx.tr("Join the accounts"), join), Button(ctx.tr("Keep them apart"), "/help")),)
    )


async def link_join(ctx: Context) -> list[Reply]:
    """Runs only from the button `_ask` showed this member, with the code they typed."""
    redemption = await ctx.store.linking.claim(ctx.member, int(ctx.args[0]), ctx.now)
    if redemption.outcome == "joined" and redemption.owner is not None:
        return [await _join(ctx, redemption.owner)]
    return [_refusal(ctx, redemption)]


async def link_join_prompt(ctx: Context) -> list[Reply]:
    """Typed, `link join` joins nothing: the way in is a fresh code."""
    return [ctx.text().t("Send link on your other platform for a new code.").reply()]


async def _issue(ctx: Context) -> Reply:
    code = await ctx.store.linking.issue(ctx.member, ctx.now)
    text = ctx.text().t("Your link code: {code}", code=bold(code)).line()
    text.t("On your other platform send: {command}", command=command(f"link {code}")).line()
    text.t(
        "(Telegram: /link {code} to the bot · Slack: a direct message to the bot, or /cluster link {code})",
        code=code,
    ).line()
    text.t(
        "It works once, for {minutes} minutes. Your profile, RSVPs and follows will be joined.",
        minutes=CODE_MINUTES,
    )
    return text.reply()


def _refusal(ctx: Context, redemption: Redemption) -> Reply:
    again = ctx.tr("Send link on your other platform for a new code.")
    until = (
        when(redemption.locked_until, ctx.member.timezone, ctx.language) if redemption.locked_until else ""
    )
    text = ctx.text()
    if redemption.outcome == "locked":
        text.t(
            "Too many wrong codes: linking is locked for {minutes} minutes, until {until}. "
            "Then try again with a new code.",
            minutes=LOCKOUT_MINUTES,
            until=until,
        )
    elif redemption.outcome == "own":
        text.t(
            "That code comes from this same account, so there is nothing to join. "
            "Type it on your other platform."
        )
    elif redemption.outcome == "used":
        text.t("That code has been used already.").add(" " + again)
    elif redemption.outcome == "expired":
        text.t("That code has expired (codes last {minutes} minutes).", minutes=CODE_MINUTES).add(" " + again)
    elif redemption.tries_left == 1:
        text.t(
            "That code is not right. 1 try left before linking is locked for {minutes} minutes.",
            minutes=LOCKOUT_MINUTES,
        )
    else:
        text.t(
            "That code is not right. {tries} tries left before linking is locked for {minutes} minutes.",
            tries=redemption.tries_left,
            minutes=LOCKOUT_MINUTES,
        )
    return text.reply()


async def _join(ctx: Context, owner: Member) -> Reply:
    report = await ctx.store.linking.merge(owner, ctx.member, ctx.now)
    names = list(dict.fromkeys(platform_name(p) for p in (*report.kept_platforms, *report.joined_platforms)))
    if len(names) == 1:
        accounts = ctx.tr("your two {platform} accounts", platform=names[0])
    else:
        accounts = ctx.tr("your {platforms} accounts", platforms=listing(names, ctx.language))
    text = ctx.text().t(
        "Joined {accounts}: {merged}.", accounts=accounts, merged=_merged(report, ctx.language)
    )
    text.line()
    if report.kept_platforms:
        older = listing([platform_name(p) for p in report.kept_platforms], ctx.language)
        text.t(
            "Where both had something, the older record (from {platforms}) was kept.", platforms=older
        ).line()
    if report.rights_left:
        text.t(
            "The coordinator rights of your {platforms} account were not carried over: linking never "
            "adds rights. An admin can give them again with {command}.",
            platforms=listing([platform_name(p) for p in report.joined_platforms], ctx.language),
            command=command(f"coordinator add #{report.member.id}"),
        ).line()
    platforms = [identity.platform for identity in await ctx.store.people.identities(report.member.id)]
    preferred = report.member.preferred_platform or platforms[0]
    text.t("Notifications come once, on {platform}.", platform=platform_name(preferred))
    others = [p for p in dict.fromkeys(platforms) if p != preferred]
    if others:
        text.add(" ").t("Change with {command}.", command=command(f"settings platform {others[0]}"))
    return text.reply()


def _merged(report: MergeReport, language: str) -> str:
    parts = [
        fill_n(language, one, several, count)
        for field, (one, several) in MERGED_COUNTS
        if (count := getattr(report, field))
    ]
    if report.tags_added:
        parts.append(fill(language, "interests merged"))
    if report.filled:
        filled = [
            fill(language, FIELD_NAMES[name]) if name in FIELD_NAMES else name for name in report.filled
        ]
        parts.append(fill(language, "filled in {fields}", fields=listing(filled, language)))
    return ", ".join(parts) if parts else fill(language, "nothing else needed joining")
