"""Neutral replies as Telegram messages: HTML text cut to Telegram's length limit, and keyboards.

Every piece of text is escaped here, so user-provided words (a profile, an event title) can never
open a tag. Each message is also rendered as plain text, for the rare case Telegram still refuses
the HTML: the adapter then resends that instead of losing the message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.types import Button, Span

# Telegram counts message length in UTF-16 code units after parsing the markup; measuring the
# markup itself is stricter, so a chunk that fits here always fits there.
MESSAGE_LIMIT = 4096
# A photo's caption, counted the same way.
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
# Marks callback data that is a key into the store's button payloads, not the payload itself.
KEY_PREFIX = "k:"
LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")
TAPPABLE = re.compile(r"/([A-Za-z]+)_(\d+)")

KeepPayload = Callable[[str], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One Telegram message worth of text, in HTML and as its plain-text fallback."""

    html: str
    plain: str


@dataclass(frozen=True, slots=True)
class _Unit:
    """A line, or a part of a line too long for one message; `new_line` says it starts a line."""

    html: str
    plain: str
    new_line: bool


def size(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def span_html(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.style == "bold":
        return f"<b>{text}</b>"
    if span.style == "italic":
        return f"<i>{text}</i>"
    if span.style == "code":
        return f"<code>{text}</code>"
    if span.style == "link" and span.url and span.url.startswith(LINK_SCHEMES):
        return f'<a href="{html.escape(span.url)}">{text}</a>'
    return text


def span_plain(span: Span) -> str:
    if span.style == "link" and span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    return span.text


def render_text(spans: tuple[Span, ...], limit: int = MESSAGE_LIMIT) -> list[Chunk]:
    """The spans as messages of at most `limit`, cut between lines (inside a line only if it is
    itself too long), so that every message is well-formed HTML on its own."""
    chunks: list[Chunk] = []
    html_parts: list[str] = []
    plain_parts: list[str] = []
    used = 0
    for unit in _units(spans, limit):
        separator = "\n" if unit.new_line and html_parts else ""
        if html_parts and used + len(separator) + size(unit.html) > limit:
            chunks.append(Chunk("".join(html_parts), "".join(plain_parts)))
            html_parts, plain_parts, used, separator = [], [], 0, ""
        html_parts.append(separator + unit.html)
        plain_parts.append(separator + unit.plain)
        used += len(separator) + size(unit.html)
    chunks.append(Chunk("".join(html_parts), "".join(plain_parts)))
    # Telegram refuses empty messages (and trims whitespace), so blank chunks are dropped.
    return [chunk for chunk in chunks if chunk.plain.strip()]


def _units(spans: tuple[Span, ...], limit: int) -> list[_Unit]:
    lines: list[list[Span]] = [[]]
    for span in spans:
        if span.style == "command":
            span = command_span(span.text)
        first, *others = span.text.split("\n")
        lines[-1].append(Span(first, span.style, span.url))
        lines.extend([Span(text, span.style, span.url)] for text in others)
    units: list[_Unit] = []
    for line in lines:
        pieces = [piece for span in line if span.text for piece in _cut(span, limit)]
        new_line = True
        html_parts: list[str] = []
        plain_parts: list[str] = []
        used = 0
        for piece in pieces:
            piece_html = span_html(piece)
            if html_parts and used + size(piece_html) > limit:
                units.append(_Unit("".join(html_parts), "".join(plain_parts), new_line))
                html_parts, plain_parts, used, new_line = [], [], 0, False
            html_parts.append(piece_html)
            plain_parts.append(span_plain(piece))
            used += size(piece_html)
        units.append(_Unit("".join(html_parts), "".join(plain_parts), new_line))
    return units


def command_span(line: str) -> Span:
    """A command as Telegram shows it. Tapping a command sends only its first word, so `event 12`
    becomes the tappable `/event_12` (the adapter reads it back as `/event 12`), and a command with
    other words (`find recycled fibres`, `event NUMBER`) becomes code, which a tap copies whole."""
    words = line.split()
    if len(words) == 2 and words[0].isalpha() and words[1].isdigit():
        return Span(f"/{words[0]}_{words[1]}")
    return Span("/" + line, "plain" if len(words) <= 1 else "code")


def tapped_command(command: str) -> str:
    """`/event_12`, as a tap on `command_span`'s form sends it, back as the command line `/event 12`."""
    found = TAPPABLE.fullmatch(command)
    return f"/{found.group(1)} {found.group(2)}" if found else command


def _cut(span: Span, limit: int) -> list[Span]:
    """A span whose markup exceeds `limit`, as several spans that each fit (cut at a space if any)."""
    room = limit - size(span_html(Span("", span.style, span.url)))
    parts: list[Span] = []
    text = span.text
    while size(span_html(Span(text, span.style, span.url))) > limit:
        used, cut, last_space = 0, 0, 0
        for index, char in enumerate(text):
            used += size(html.escape(char, quote=False))
            if used > room:
                cut = index
                break
            if char.isspace():
                last_space = index + 1
        cut = last_space or cut
        parts.append(Span(text[:cut], span.style, span.url))
        text = text[cut:]
    parts.append(Span(text, span.style, span.url))
    return parts


async def keyboard(rows: tuple[tuple[Button, ...], ...], keep: KeepPayload) -> InlineKeyboardMarkup | None:
    """An inline keyboard; payloads over Telegram's 64 bytes are kept in the store under a key."""
    if not rows:
        return None
    markup: list[list[InlineKeyboardButton]] = []
    for row in rows:
        markup.append(
            [InlineKeyboardButton(b.label, callback_data=await callback_data(b.payload, keep)) for b in row]
        )
    return InlineKeyboardMarkup(markup)


async def callback_data(payload: str, keep: KeepPayload) -> str:
    fits = len(payload.encode()) <= CALLBACK_DATA_LIMIT
    # A payload that looks like a key is kept too, so that reading it back is never ambiguous.
    if fits and not payload.startswith(KEY_PREFIX):
        return payload
    return KEY_PREFIX + await keep(payload)
