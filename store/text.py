"""Text normalisation shared by search and matching: accents and case must not hide a match."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

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


# A typed word is (nearly) a word of a text from this similarity on: "recyclng" ~ "recycling" is 94.
NEAR_WORD = 80


def share_found(query_words: list[str], text: str, cutoff: int = NEAR_WORD) -> float:
    """The share (0..1) of the query's words that are (nearly) words of `text`."""
    vocabulary = words(text)
    if not query_words or not vocabulary:
        return 0.0
    found = sum(
        process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff) is not None
        for word in query_words
    )
    return found / len(query_words)


# The longest tag kept; longer ones are cut where no one can be asked (imports).
TAG_LENGTH = 60


def tag_items(raw: str | list[str]) -> list[str]:
    """Tags as members type them ('Recycling, circular  economy') into a tidy unique list, uncut."""
    items = raw if isinstance(raw, list) else re.split(r"[,;#]", raw)
    seen: dict[str, None] = {}
    for item in items:
        tag = " ".join(item.split()).strip().lower()
        if tag:
            seen.setdefault(tag)
    return list(seen)


def clean_tags(raw: str | list[str]) -> list[str]:
    """`tag_items`, each cut to TAG_LENGTH (kept unique)."""
    return list(dict.fromkeys(tag[:TAG_LENGTH] for tag in tag_items(raw)))


def is_web_url(value: str) -> bool:
    """An http(s) address with a host and no space or control character: the only links we store.

    `javascript:` and friends would run in a reader's client, and a CR or LF would break every
    calendar file and line-based format the link is written into.
    """
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
