"""The one way to tell members something: in each one's language, once per cause.

Handlers, the scheduler's jobs, the CLI and imports all hold the same `Notifier`, built once from
the settings, so a proactive message never forgets CLUSTERBOT_LANGUAGE. The outbox row is written
in the caller's transaction; the delivery worker picks each member's preferred platform and keeps
the rate limits and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from core.i18n import DEFAULT_LANGUAGE, choose_language
from core.types import Reply
from store.repository import Store


@dataclass(frozen=True, slots=True)
class Notifier:
    # The language of members who chose none (CLUSTERBOT_LANGUAGE).
    default_language: str = DEFAULT_LANGUAGE

    def language(self, stored: str | None) -> str:
        """The language a member reads proactive messages in, from their stored choice."""
        return choose_language(stored, None, self.default_language)

    async def tell(
        self,
        store: Store,
        member_ids: list[int],
        cause: str,
        build: Callable[[str], Reply],
        now: datetime,
        *,
        languages: Mapping[int, str | None] | None = None,
    ) -> None:
        """Queue `build(language)` for each member, built once per language; a (member, cause)
        already queued is left as it is. `languages` (stored choices) spares the lookup when the
        caller has them already."""
        if languages is None:
            await store.outbox.enqueue_translated(
                member_ids, cause, lambda stored: build(self.language(stored)).to_dict(), now
            )
            return
        by_language: dict[str, list[int]] = {}
        for member_id in member_ids:
            by_language.setdefault(self.language(languages.get(member_id)), []).append(member_id)
        for language, ids in by_language.items():
            await store.outbox.enqueue(ids, cause, build(language).to_dict(), now)


# For callers given no settings (tests, one-off tools): members who chose no language read English.
UNCONFIGURED = Notifier()
