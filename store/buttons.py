"""Button payloads too long for a platform's button data, kept under a short random key."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ButtonPayload


class Buttons:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(self, payload: str, now: datetime) -> str:
        key = secrets.token_urlsafe(12)
        self.session.add(ButtonPayload(key=key, payload=payload, created_at=now))
        await self.session.flush()
        return key

    async def lookup(self, key: str) -> str | None:
        row = await self.session.get(ButtonPayload, key)
        return row.payload if row else None
