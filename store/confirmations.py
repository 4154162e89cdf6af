"""Confirmation tokens: what makes a button that confirms something belong to one person.

A button payload is only a command line, so without a token whoever presses it (or types it)
acts. A confirmation button instead carries a random token kept here, bound to the member it was
shown to, to the command it confirms and to an expiry; it works once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Confirmation

LIFETIME = timedelta(minutes=15)

Verdict = Literal["confirmed", "someone_else", "expired", "unknown"]


@dataclass(frozen=True, slots=True)
class Press:
    """What a press of a confirmation button turned out to be; `command` only for its own member."""

    verdict: Verdict
    command: str = ""


class Confirmations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue(self, member_id: int, command: str, now: datetime, lifetime: timedelta = LIFETIME) -> str:
        """A token confirming `command` for `member_id`; their expired tokens are dropped meanwhile."""
        await self.session.execute(
            delete(Confirmation).where(Confirmation.member_id == member_id, Confirmation.expires_at < now)
        )
        token = secrets.token_urlsafe(12)
        self.session.add(
            Confirmation(
                token=token, member_id=member_id, command=command, created_at=now, expires_at=now + lifetime
            )
        )
        await self.session.flush()
        return token

    async def use(self, token: str, member_id: int, now: datetime) -> Press:
        """Accept a press by `member_id`, once; a press by anyone else changes nothing.

        The row is locked on PostgreSQL (SQLite serialises writers), so two presses at once
        confirm once.
        """
        row = await self.session.scalar(
            select(Confirmation).where(Confirmation.token == token[:32]).with_for_update()
        )
        if row is None:
            return Press("unknown")
        if row.member_id != member_id:
            return Press("someone_else")
        if row.used_at is not None or row.expires_at <= now:
            return Press("expired", row.command)
        row.used_at = now
        await self.session.flush()
        return Press("confirmed", row.command)
