"""Slack workspaces that installed ClusterBot through the OAuth flow, and the states of installs
under way. A workspace's members are reached with its own bot token; when the workspace removes
the app, its members' Slack identities become unreachable (their data stays) until it comes back.

Tokens are secrets: nothing here logs them, and no member's export includes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import dialect_insert
from store.models import Identity, SlackInstallation, SlackOAuthState

PLATFORM = "slack"


@dataclass(frozen=True, slots=True)
class Installed:
    """What an install brought: the workspace, its bot and the bot's token."""

    team_id: str
    bot_token: str
    bot_id: str = ""
    bot_user_id: str = ""
    enterprise_id: str = ""
    team_name: str = ""
    scopes: str = ""


class SlackInstalls:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, installed: Installed, now: datetime) -> None:
        """Keep the workspace's newest token; its members' identities are reachable again."""
        values = {
            "enterprise_id": installed.enterprise_id,
            "team_name": installed.team_name[:200],
            "bot_token": installed.bot_token,
            "bot_id": installed.bot_id,
            "bot_user_id": installed.bot_user_id,
            "scopes": installed.scopes[:1000],
            "installed_at": now,
            "revoked_at": None,
        }
        insert = dialect_insert(self.session)(SlackInstallation).values(team_id=installed.team_id, **values)
        await self.session.execute(insert.on_conflict_do_update(index_elements=["team_id"], set_=values))
        await self._reachable(installed.team_id, True)

    async def find(self, team_id: str) -> Installed | None:
        """The workspace's installation while it holds a token; None when never installed or removed."""
        row = await self.session.scalar(
            select(SlackInstallation).where(
                SlackInstallation.team_id == team_id, SlackInstallation.revoked_at.is_(None)
            )
        )
        if row is None or not row.bot_token:
            return None
        return _installed(row)

    async def installed(self) -> list[Installed]:
        """Every workspace holding a token (removed ones left out), oldest install first."""
        rows = await self.session.scalars(
            select(SlackInstallation)
            .where(SlackInstallation.revoked_at.is_(None), SlackInstallation.bot_token != "")
            .order_by(SlackInstallation.installed_at, SlackInstallation.team_id)
        )
        return [_installed(row) for row in rows]

    async def revoke(self, team_id: str, now: datetime) -> int:
        """The workspace removed the app or revoked its token: forget the token and stop reaching
        its members there. Their members, answers and everything else stay. Returns how many
        identities became unreachable."""
        if not team_id:
            return 0
        await self.session.execute(
            update(SlackInstallation)
            .where(SlackInstallation.team_id == team_id)
            .values(bot_token="", revoked_at=now)
        )
        return await self._reachable(team_id, False)

    async def _reachable(self, team_id: str, reachable: bool) -> int:
        """Identities hold `TEAM:USER` (bot.slack): the workspace is the part before the colon."""
        result = await self.session.execute(
            update(Identity)
            .where(
                Identity.platform == PLATFORM,
                Identity.user_id.startswith(f"{team_id}:", autoescape=True),
                Identity.unreachable.is_(reachable),
            )
            .values(unreachable=not reachable)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        """Remember a state for one browser's install; states past their time are dropped."""
        await self.session.execute(delete(SlackOAuthState).where(SlackOAuthState.expires_at <= now))
        self.session.add(SlackOAuthState(state=state[:100], expires_at=expires_at))
        await self.session.flush()

    async def consume_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued and not expired; every later call is False."""
        result = await self.session.execute(
            delete(SlackOAuthState).where(SlackOAuthState.state == state, SlackOAuthState.expires_at > now)
        )
        return bool(getattr(result, "rowcount", 0))


def _installed(row: SlackInstallation) -> Installed:
    return Installed(
        row.team_id,
        row.bot_token,
        row.bot_id,
        row.bot_user_id,
        row.enterprise_id,
        row.team_name,
        row.scopes,
    )
