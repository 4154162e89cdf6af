"""What the Bot API accepts in a message, for the fake server: its HTML, lengths and button data.

The HTML is read the way Telegram reads it, stricter than a browser: only its few tags, every
tag closed in order, and every `<`, `>` and `&` that is not markup escaped. A message that breaks
these rules is refused with "can't parse entities", the failure the adapter's escaping prevents.
"""

from __future__ import annotations

import re
from typing import Any

ENTITY_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("span", "tg-spoiler"), "spoiler"),
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_MARKUP = re.compile(r"<(/?)([^\s>/]*)([^>]*)>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64


class Refused(ValueError):
    """Why Telegram answers 400 Bad Request, worded as it does."""


class HtmlError(Refused):
    """Markup Telegram cannot read; its answer starts with "can't parse entities"."""

    def __str__(self) -> str:
        return f"can't parse entities: {self.args[0]}"


def message_text(
    raw: str, parse_mode: str | None, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """The text and entities of a message (or a document's caption), as Telegram stores them."""
    if parse_mode not in (None, "HTML"):
        raise Refused(f"unsupported parse_mode {parse_mode!r} in this fake")
    text, entities = parse_html(raw) if parse_mode == "HTML" else (raw, [])
    if not caption and not text.strip():
        raise Refused("message text is empty")
    if utf16_size(text) > (CAPTION_LIMIT if caption else TEXT_LIMIT):
        raise Refused("message caption is too long" if caption else "message is too long")
    return text, entities


def check_keyboard(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if len(button.get("callback_data", "").encode()) > CALLBACK_DATA_LIMIT:
                raise Refused("BUTTON_DATA_INVALID")


def utf16_size(text: str) -> int:
    """Length as Telegram counts it (offsets and limits are in UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """The text and the message entities Telegram reads from `markup`."""
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    open_tags: list[tuple[str, int, str]] = []
    units, position = 0, 0
    for match in _MARKUP.finditer(markup):
        parts.append(markup[position : match.start()])
        units += utf16_size(parts[-1])
        position = match.end()
        at = f"at byte offset {len(markup[: match.start()].encode())}"
        closing, tag, attributes, entity = match.groups()
        if entity is not None:
            decoded = _decode(entity, at)
            parts.append(decoded)
            units += utf16_size(decoded)
        elif tag is None:
            raise HtmlError(f"Unexpected character {match.group(0)!r} {at}; escape it")
        elif not closing:
            name = tag.lower()
            if name not in ENTITY_TYPES:
                raise HtmlError(f'Unsupported start tag "{tag}" {at}')
            href = _HREF.search(attributes)
            if name == "a" and href is None:
                raise HtmlError(f'Tag "a" must have attribute "href" {at}')
            open_tags.append((name, units, (href.group(1) or href.group(2) or "") if href else ""))
        else:
            if not open_tags:
                raise HtmlError(f'Unexpected end tag "{tag}" {at}')
            name, start, url = open_tags.pop()
            if name != tag.lower():
                raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
            if units > start:
                found = {"type": ENTITY_TYPES[name], "offset": start, "length": units - start}
                entities.append(found | ({"url": url} if name == "a" else {}))
    if open_tags:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    parts.append(markup[position:])
    return "".join(parts), sorted(entities, key=lambda entity: entity["offset"])


def _decode(entity: str, at: str) -> str:
    if entity in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[entity]
    if not entity.startswith("#"):
        raise HtmlError(f'Unsupported HTML entity "&{entity};" {at}')
    code = int(entity[2:], 16) if entity[1] in "xX" else int(entity[1:])
    if not 0 < code <= 0x10FFFF:
        raise HtmlError(f"Invalid character reference {at}")
    return chr(code)


def check_commands(commands: list[dict[str, str]]) -> list[dict[str, str]]:
    """The command menu as setMyCommands accepts it."""
    for command in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
            raise Refused("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise Refused("BOT_COMMAND_DESCRIPTION_INVALID")
    return commands
