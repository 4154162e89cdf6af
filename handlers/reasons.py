"""Why a contact or an opportunity is suggested, said in the reader's language.

The matcher finds the reasons once, for everyone; they are read later (an alert, next Monday's
digest) by members who read different languages. So a reason is kept as its parts, encoded as a
small JSON object in `introductions.reason`, and put into words only when shown. A reason stored
as plain text (before reasons had parts, or typed by a coordinator) is shown as it is.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from core.i18n import join_words
from core.types import fill


@dataclass(frozen=True, slots=True)
class Reason:
    kind: Literal["member", "opportunity"]
    # A member: who they are ("Marta — Fil Vert, France"), what they offer, what the reader seeks,
    # and, when it goes both ways, what they seek that the reader offers.
    who: str = ""
    offers: str = ""
    seeks: str = ""
    they_seek: str = ""
    # An opportunity: its title and the words it shares with the reader's interests.
    title: str = ""
    words: tuple[str, ...] = field(default=())

    def encode(self) -> str:
        parts = {key: value for key, value in asdict(self).items() if value}
        return json.dumps(parts | {"words": list(self.words)} if self.words else parts, ensure_ascii=False)

    def text(self, language: str) -> str:
        if self.kind == "opportunity":
            return fill(
                language,
                "{title} — fits your interests: {words}",
                title=self.title,
                words=join_words(list(self.words), language),
            )
        if self.they_seek:
            return fill(
                language,
                "{who} — offers {offers}; you seek {seeks}; and they seek {they_seek}, which you offer",
                who=self.who,
                offers=self.offers,
                seeks=self.seeks,
                they_seek=self.they_seek,
            )
        return fill(
            language,
            "{who} — offers {offers}; you seek {seeks}",
            who=self.who,
            offers=self.offers,
            seeks=self.seeks,
        )


def decoded(stored: str) -> Reason | None:
    """The reason `Reason.encode` wrote, or None for plain text."""
    if not stored.startswith("{"):
        return None
    try:
        parts = json.loads(stored)
        return Reason(**(parts | {"words": tuple(parts.get("words", ()))}))
    except (ValueError, TypeError):
        return None


def reason_text(stored: str, language: str) -> str:
    """A stored reason in the reader's language; plain text stays as it was written."""
    reason = decoded(stored)
    return reason.text(language) if reason is not None else stored
