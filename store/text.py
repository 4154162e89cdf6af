"""Text normalisation shared by search and matching: accents and case must not hide a match."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "at",
        "or",
        "from",
        "de",
        "del",
        "la",
        "el",
        "les",
        "los",
        "las",
        "et",
        "le",
        "du",
        "des",
        "da",
        "do",
        "dos",
        "e",
        "i",
        "y",
        "en",
        "per",
        "com",
    ]
)


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Tèxtils' and 'textils' are the same word to a searcher."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The meaningful words of a text, folded; stopwords and single letters dropped."""
    return [w for w in WORD.findall(fold(text)) if len(w) > 1 and w not in STOPWORDS]


def clean_tags(raw: str | list[str]) -> list[str]:
    """Tags as members type them ('Recycling, circular  economy') into a tidy unique list."""
    items = raw if isinstance(raw, list) else re.split(r"[,;#]", raw)
    seen: dict[str, None] = {}
    for item in items:
        tag = " ".join(item.split()).strip().lower()
        if tag:
            seen.setdefault(tag[:60])
    return list(seen)
