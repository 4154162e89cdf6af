"""Neutral replies as Slack Block Kit messages, split to stay inside Slack's limits.

Slack rejects a message outright (`invalid_blocks`, `msg_too_long`) rather than truncating it, so
every limit is enforced here: one long answer becomes several sections, and several messages when
it outgrows a message, never parting a list's item from its buttons. User text is escaped for
mrkdwn (`&`, `<`, `>`) so that a profile cannot ping `<!channel>`, mention people or disguise a link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from core.types import Attachment, Button, Item, Reply, Span, fill

SECTION_LIMIT = 3000
FIELDS_PER_SECTION = 10
FIELD_LIMIT = 2000
# What one item of a list may hold at most, so that even the longest leaves room in a message.
ITEM_CHARS = 6000
# The block_id of a list's item: the prefix, then its place in `Reply.items`.
ITEM_BLOCK = "item_"
BLOCKS_PER_MESSAGE = 50
BLOCKS_PER_VIEW = 100
# Slack refuses a message whose blocks add up to more than about 12,000 characters of text
# (`msg_blocks_too_long`; the 40,000 of `text` is another limit). Counting the blocks' JSON, which
# holds all their text and then some, keeps every message under it with room to spare.
BLOCK_CHARS = 12_000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_ACTIONS = 25
SLASH_COMMAND = "/cluster"
ACTION_PREFIX = "cb_"
LINK_SCHEMES = ("https://", "http://", "mailto:")
# What a Slack user id looks like: a mention is rendered only for one, never for other text.
SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
# Room left in a section for the markers a styled atom adds around its text (`*…*`, `<url|…>`).
ATOM_LIMIT = 1000

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage, chat.update and `respond` take: blocks and the fallback `text`."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """The three characters mrkdwn gives meaning to; Slack documents no other escapes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, marker: str) -> str:
    """`*x*` only renders when the markers touch non-space characters, so whitespace goes outside."""
    core = text.strip()
    if not core:
        return text
    start = len(text) - len(text.lstrip())
    return f"{text[:start]}{marker}{core}{marker}{text[start + len(core) :]}"


def _styled(text: str, span: Span) -> str:
    if span.style == "bold":
        return _wrap(escape(text), "*")
    if span.style == "italic":
        return _wrap(escape(text), "_")
    if span.style == "code":
        return _wrap(escape(text.replace("`", "'")), "`")
    if span.style == "command":
        return _wrap(escape(f"{SLASH_COMMAND} {text.strip().removeprefix('/')}"), "`")
    if span.style == "mention" and span.url and SLACK_USER.fullmatch(span.url):
        return f"<@{span.url}>"
    if span.style == "link" and span.url and span.url.startswith(LINK_SCHEMES):
        url = escape(span.url.replace("|", "%7C"))
        label = escape(text.replace("|", "¦")).strip() or url
        return f"<{url}|{label}>"
    return escape(text)


def _chunks(text: str, limit: int) -> Iterator[str]:
    """Pieces of `text` whose escaped form fits in `limit`, cut at lines, then anywhere."""
    for line in text.splitlines(keepends=True):
        piece, size = "", 0
        for char in line:
            width = len(escape(char))
            if size + width > limit:
                yield piece
                piece, size = "", 0
            piece, size = piece + char, size + width
        if piece:
            yield piece


def _atoms(spans: Sequence[Span]) -> Iterator[str]:
    """Rendered pieces that are never cut further; each styled line is wrapped on its own."""
    for span in spans:
        for piece in _chunks(span.text, ATOM_LIMIT):
            newline = "\n" if piece.endswith("\n") else ""
            yield _styled(piece.removesuffix("\n"), span) + newline


def _section_texts(spans: Sequence[Span]) -> list[str]:
    """mrkdwn texts of at most SECTION_LIMIT characters, broken between lines where possible."""
    texts: list[str] = []
    current = ""
    line: list[str] = []

    def add(atoms: list[str]) -> None:
        nonlocal current
        whole = "".join(atoms)
        if len(current) + len(whole) <= SECTION_LIMIT:
            current += whole
            return
        for atom in atoms:
            if len(current) + len(atom) > SECTION_LIMIT:
                texts.append(current)
                current = ""
            current += atom

    for atom in _atoms(spans):
        line.append(atom)
        if atom.endswith("\n"):
            add(line)
            line = []
    add(line)
    texts.append(current)
    return [text.strip("\n") for text in texts if text.strip()]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _label(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= BUTTON_TEXT_LIMIT else text[: BUTTON_TEXT_LIMIT - 1] + "…"


def _button(button: Button, numbers: Iterator[int], values: Mapping[str, str]) -> Block:
    """`values` maps payloads too long for Slack to keys."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": _label(button.label), "emoji": True},
        "action_id": f"{ACTION_PREFIX}{next(numbers)}",
        "value": values.get(button.payload, button.payload)[:BUTTON_VALUE_LIMIT],
    }


def _actions(
    rows: Sequence[Sequence[Button]], numbers: Iterator[int], values: Mapping[str, str]
) -> list[Block]:
    """One actions block per row of buttons."""
    blocks = []
    for row in rows:
        for start in range(0, len(row), BUTTONS_PER_ACTIONS):
            elements = [
                _button(button, numbers, values) for button in row[start : start + BUTTONS_PER_ACTIONS]
            ]
            blocks.append({"type": "actions", "elements": elements})
    return blocks


def _fit(text: str, limit: int) -> str:
    """`text` escaped for mrkdwn, cut with an ellipsis (never inside an escape) to `limit`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept, size = [], 0
    for char in text:
        piece = escape(char)
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"


def _field(label: str, value: str, limit: int) -> Block:
    """A labelled value of an item: the label in bold on its own line, then the value."""
    label = " ".join(label.split())
    head = _wrap(_fit(label, limit // 4), "*") + "\n" if label else ""
    return {"type": "mrkdwn", "text": head + _fit(value.strip(), limit - len(head))}


def item_block(item: Item, index: int, numbers: Iterator[int], values: Mapping[str, str]) -> Block:
    """The reply's item `index`: its title, its fields (Slack shows them in two columns) and its
    button beside it, cut to Slack's limits for a section and to a share of a message (ITEM_CHARS)."""
    title = _wrap(_fit(" ".join(item.title.split()) or "…", ITEM_CHARS // 4), "*")
    # Words after the name keep the space before them (" (Acme, Spain)"), not the line breaks.
    subtitle = (" " if item.subtitle[:1].isspace() else "") + " ".join(item.subtitle.split())
    block = section(title + _fit(subtitle, ITEM_CHARS // 2 - len(title)))
    block["block_id"] = f"{ITEM_BLOCK}{index}"
    shown = [(label, value) for label, value in item.fields if value.strip()][:FIELDS_PER_SECTION]
    if shown:
        room = min(FIELD_LIMIT, (ITEM_CHARS - len(block["text"]["text"])) // len(shown))
        block["fields"] = [_field(label, value, room) for label, value in shown]
    if item.button is not None:
        block["accessory"] = _button(item.button, numbers, values)
    return block


def item_blocks(item: Item, index: int, numbers: Iterator[int], values: Mapping[str, str]) -> list[Block]:
    """The item's section, then its other buttons (`Item.buttons`) in actions blocks under it."""
    return [item_block(item, index, numbers, values), *_actions([item.buttons], numbers, values)]


def _sections(spans: Sequence[Span]) -> list[list[Block]]:
    return [[section(text)] for text in _section_texts(spans)]


def _list_groups(reply: Reply, numbers: Iterator[int], values: Mapping[str, str]) -> list[list[Block]]:
    """The text around the items as sections, each item as its own section and its buttons; the
    buttons the items carry are left out of the rows."""
    groups: list[list[Block]] = []
    written = 0
    for index, item in enumerate(reply.items):
        groups += _sections(reply.spans[written : item.first])
        groups.append(item_blocks(item, index, numbers, values))
        written = max(written, item.last)
    return groups + _sections(reply.spans[written:])


def _rows_left(reply: Reply) -> list[tuple[Button, ...]]:
    """The buttons that are not an item's own (shown beside or under the item instead)."""
    taken = {button.payload for item in reply.items for button in item.own_buttons}
    rows = [tuple(b for b in row if b.payload not in taken) for row in reply.buttons]
    return [row for row in rows if row]


def long_payloads(replies: Sequence[Reply]) -> list[str]:
    """Button payloads that do not fit in a Slack button value and must be kept server-side."""
    return [
        button.payload
        for reply in replies
        for button in [
            *(button for row in reply.buttons for button in row),
            *(button for item in reply.items for button in item.own_buttons),
        ]
        if len(button.payload) > BUTTON_VALUE_LIMIT
    ]


def reply_groups(
    reply: Reply, numbers: Iterator[int], values: Mapping[str, str], pictures: Sequence[Block] = ()
) -> list[list[Block]]:
    """The text's sections (a list's items each in its own, with its buttons), then the pictures,
    then the buttons: in groups of blocks that stay in one message (an item and its buttons)."""
    rows = _rows_left(reply) if reply.items else reply.buttons
    text = _list_groups(reply, numbers, values) if reply.items else _sections(reply.spans)
    return text + [[picture] for picture in pictures] + [[row] for row in _actions(rows, numbers, values)]


def reply_blocks(
    reply: Reply, numbers: Iterator[int], values: Mapping[str, str], pictures: Sequence[Block] = ()
) -> list[Block]:
    """`reply_groups`, one block after another."""
    return [block for group in reply_groups(reply, numbers, values, pictures) for block in group]


def image_block(file_id: str, alt_text: str) -> Block:
    """A picture uploaded to Slack (files.completeUploadExternal), shown in the message itself, so
    that updating the message (chat.update) replaces the picture too."""
    return {"type": "image", "slack_file": {"id": file_id}, "alt_text": alt_text[:2000]}


def render_reply(
    reply: Reply, values: Mapping[str, str] | None = None, pictures: Sequence[Block] = ()
) -> list[SlackMessage]:
    """One message, or several when the answer outgrows Slack's block or text limits; an item and
    its buttons go in the same message."""
    groups = reply_groups(reply, count(), values or {}, pictures)
    messages: list[SlackMessage] = []
    batch: list[Block] = []
    size = 0
    for group in _fitting(groups):
        weight = sum(map(block_chars, group))
        if batch and (len(batch) + len(group) > BLOCKS_PER_MESSAGE or size + weight > BLOCK_CHARS):
            messages.append(_message(batch))
            batch, size = [], 0
        batch += group
        size += weight
    if batch:
        messages.append(_message(batch))
    return messages


def _fitting(groups: Iterable[list[Block]]) -> Iterator[list[Block]]:
    """The groups, each kept whole when it fits in a message by itself, else block by block."""
    for group in groups:
        if len(group) <= BLOCKS_PER_MESSAGE and sum(map(block_chars, group)) <= BLOCK_CHARS:
            yield group
        else:
            yield from ([block] for block in group)


def block_chars(block: Block) -> int:
    """What a block weighs against BLOCK_CHARS: its JSON, as long as the characters it holds."""
    return len(json.dumps(block, ensure_ascii=False)) + 1


def _text_of(block: Block) -> str:
    if block["type"] != "section":
        return ""
    fields = [str(field["text"]) for field in block.get("fields", [])]
    return "\n".join([str(block.get("text", {}).get("text", "")), *fields])


def _message(blocks: list[Block]) -> SlackMessage:
    """The fallback text notifications and old clients show: the sections, or the button labels."""
    text = "\n".join(filter(None, map(_text_of, blocks)))
    if not text:
        labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
        labels += [b["alt_text"] for b in blocks if b["type"] == "image"]
        text = escape(" · ".join(labels))
    return SlackMessage(text, blocks)


def home_view(
    actions: Reply, parts: Sequence[tuple[str, Sequence[Reply]]], values: Mapping[str, str] | None = None
) -> Block:
    """The App Home tab: the action buttons, then a header per part and the part's replies, within
    the 100-block limit; a part that needs less than an even share leaves the rest to the others."""
    numbers = count()
    blocks: list[Block] = reply_blocks(actions, numbers, {})
    bodies = [
        [group for reply in replies for group in reply_groups(reply, numbers, values or {})]
        for _, replies in parts
    ]
    room = BLOCKS_PER_VIEW - len(blocks) - 2 * len(parts)  # each part's header and divider
    shares = _shares([sum(map(len, groups)) for groups in bodies], room)
    for (title, _), groups, share in zip(parts, bodies, shares, strict=True):
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title[:150]}})
        blocks.extend(_leading(groups, share))
        blocks.append({"type": "divider"})
    return {"type": "home", "blocks": _unique_block_ids(blocks[:BLOCKS_PER_VIEW])}


def _shares(needs: Sequence[int], room: int) -> list[int]:
    """Blocks for each part: an even share of `room`, and what the smaller parts leave to the rest."""
    shares = [0] * len(needs)
    for served, part in enumerate(sorted(range(len(needs)), key=lambda part: needs[part])):
        shares[part] = max(0, min(needs[part], room // (len(needs) - served)))
        room -= shares[part]
    return shares


def _unique_block_ids(blocks: list[Block]) -> list[Block]:
    """Slack refuses a view whose blocks share a block_id, and every list's first item is `item_0`:
    each block_id gets the block's place in the view after it."""
    return [
        block | {"block_id": f"{block['block_id']}.{place}"} if "block_id" in block else block
        for place, block in enumerate(blocks)
    ]


def _leading(groups: Sequence[list[Block]], share: int) -> list[Block]:
    """The whole groups that fit in `share` blocks, from the first (an item keeps its buttons)."""
    kept: list[Block] = []
    for group in groups:
        if len(kept) + len(group) > share:
            break
        kept += group
    return kept


def chosen(blocks: Sequence[Block], label: str) -> list[Block]:
    """The message a button was pressed on, its buttons replaced by a note of the choice made."""
    kept = [
        {key: value for key, value in block.items() if key != "accessory"}
        for block in blocks
        if block.get("type") != "actions"
    ]
    return [*kept, context(f"✓ {escape(label)}")]


def attachment_fallback(reply: Reply, attachment: Attachment) -> Reply:
    """When an upload fails the file's text goes inline, so the person still gets the content."""
    could_not = fill(
        reply.language, "(I could not attach {filename}; here is its content.)", filename=attachment.filename
    )
    note = Span(f"\n{could_not}\n", "italic")
    spans = [*reply.spans, note]
    if attachment.mime_type.startswith("text/"):
        spans.append(Span(attachment.content.decode("utf-8", "replace")[: SECTION_LIMIT * 3], "code"))
    return Reply(spans=tuple(spans), buttons=reply.buttons, public=reply.public, language=reply.language)
