"""Neutral values exchanged between the adapters and the handlers.

They are frozen so that a reply can be rendered by several adapters (or retried from the outbox)
without anyone mutating it on the way.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from core.i18n import DEFAULT_LANGUAGE, PLACEHOLDER, translate, translate_plural

ChatKind = Literal["private", "group", "channel"]
# "command" holds a command line without its prefix ("find textile"): each adapter shows it the way
# its users type commands ("/find textile" in Telegram, "/cluster find textile" in Slack).
# "mention" names a Slack user (`url` holds their user id): Slack shows a live mention, others the text.
Style = Literal["plain", "bold", "italic", "code", "link", "command", "mention"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button press from a person, as every adapter describes it."""

    platform: str
    user_id: str
    chat_id: str
    text: str = ""
    payload: str | None = None
    chat_kind: ChatKind = "private"
    display_name: str = ""
    language_code: str | None = None
    timezone: str | None = None
    # The account's public handle (Telegram's @username, without the @); "" when the person has none,
    # None on platforms without public handles.
    username: str | None = None
    # A group's or channel's name, where the platform gives it ("" in private chats).
    chat_title: str = ""

    @property
    def command_text(self) -> str:
        """A button press carries the command it stands for; otherwise the typed text counts."""
        return self.payload if self.payload is not None else self.text

    @property
    def answered_in_private(self) -> bool:
        """Asked in a group or channel for something personal: the answer goes to a direct message."""
        words = self.command_text.strip().lstrip("/").split(maxsplit=1)
        personal = PERSONAL_COMMANDS | (PERSONAL_PRESSES if self.payload is not None else frozenset())
        return self.chat_kind != "private" and bool(words) and words[0].lower() in personal


# Commands whose answers are about the person asking: never answered in a group.
PERSONAL_COMMANDS = frozenset({"mydata", "calendar", "profile", "settings", "link", "agenda", "meetings"})
# Buttons on a post in a group (`event post`, `opportunity post`) that answer whoever presses
# them, in private.
PERSONAL_PRESSES = frozenset({"going", "notgoing", "follow", "interested"})


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style: user text stays data, adapters escape it for their markup."""

    text: str
    style: Style = "plain"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A button; pressing it is the same as typing `payload` (a command line such as `/going 12`)."""

    label: str
    payload: str


# Slack cuts button labels at 75 characters; a name leaves room for the words around it.
NAME_IN_BUTTON = 40


def short(name: str) -> str:
    """A name as a button shows it: Slack cuts button labels at 75 characters."""
    return name if len(name) <= NAME_IN_BUTTON else name[: NAME_IN_BUTTON - 1] + "…"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply (an .ics, a data export)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"

    def to_dict(self) -> dict[str, str]:
        """JSON-safe, so a proactive message (a meeting's .ics) can wait in the outbox with its file."""
        return {
            "filename": self.filename,
            "content": base64.b64encode(self.content).decode(),
            "mime_type": self.mime_type,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Attachment:
        return cls(data["filename"], base64.b64decode(data["content"]), data["mime_type"])


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a list, for platforms that lay a list out natively (Slack: a section with
    labelled fields and a button beside it, and a row of its other buttons under it).

    The entry stays written in `Reply.spans` (`spans[first:last]`) and its buttons in
    `Reply.buttons`, which is what platforms without such layouts show; a platform that shows the
    item instead leaves out those spans and every button whose payload is one of the item's own.
    `fields` are (label, value) pairs; a field with no label is shown as its value alone.
    `button` is the one beside the entry (Details); `buttons` are several that act on it (Accept,
    Decline), in a row of their own.
    """

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    button: Button | None = None
    first: int = 0
    last: int = 0
    # Plain words after the title on its line (a member's role and organisation after the name).
    subtitle: str = ""
    buttons: tuple[Button, ...] = ()

    @property
    def own_buttons(self) -> tuple[Button, ...]:
        """Every button the item shows itself, beside it and under it."""
        return (self.button, *self.buttons) if self.button is not None else self.buttons

    def to_dict(self) -> dict[str, Any]:
        button = [self.button.label, self.button.payload] if self.button else None
        fields = [list(pair) for pair in self.fields]
        spans = [self.first, self.last]
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "fields": fields,
            "button": button,
            "spans": spans,
        } | ({"buttons": [[b.label, b.payload] for b in self.buttons]} if self.buttons else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        first, last = data["spans"]
        button = Button(*data["button"]) if data.get("button") else None
        fields = tuple((str(label), str(value)) for label, value in data.get("fields", []))
        buttons = tuple(Button(label, payload) for label, payload in data.get("buttons", []))
        subtitle = str(data.get("subtitle", ""))
        return cls(str(data["title"]), fields, button, int(first), int(last), subtitle, buttons)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot.

    `replaces_previous` asks the adapter to edit the message the button was pressed on (used by
    pagination) instead of sending a new one; adapters that cannot edit just send it.
    Otherwise the card a button was pressed on loses its buttons and notes the choice, so that it
    cannot be pressed twice, unless `keeps_previous`: the press only looked something up or chose
    one of many (an item of a list, a wish about one participant), and the card stays live.
    `public` marks an answer meant for the whole channel (Slack answers privately otherwise).
    `language` is the reader's, so that an adapter's own words around it (a file it could not
    attach) match the reply.
    `images` are pictures shown with the text (PNG charts): a photo on Telegram (the text as its
    caption when there is one picture and the text fits), an image block in Slack, a file saved
    by the console; an edit (`replaces_previous`) replaces the picture too where the platform can.
    `refresh` is a command line the adapter may run again, as the same person, to redraw this
    message in place while the answer still carries it (a running broadcast's status; bot/live.py).
    `items` are the entries of a list within `spans` and `buttons` (see `Item`).
    """

    spans: tuple[Span, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    items: tuple[Item, ...] = ()
    attachment: Attachment | None = None
    images: tuple[Attachment, ...] = ()
    refresh: str | None = None
    replaces_previous: bool = False
    keeps_previous: bool = False
    public: bool = False
    language: str = DEFAULT_LANGUAGE

    @property
    def plain_text(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def closes_previous(self) -> bool:
        """Whether, as the answer to a press, it asks to close the card the button was on."""
        return not (self.replaces_previous or self.keeps_previous)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form, so an outbox row can hold a reply and give it back unchanged."""
        return (
            {
                "spans": [[s.text, s.style, s.url] for s in self.spans],
                "buttons": [[[b.label, b.payload] for b in row] for row in self.buttons],
                "public": self.public,
                "language": self.language,
            }
            | ({"attachment": self.attachment.to_dict()} if self.attachment else {})
            | ({"images": [image.to_dict() for image in self.images]} if self.images else {})
            | ({"items": [item.to_dict() for item in self.items]} if self.items else {})
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            spans=tuple(Span(text, style, url) for text, style, url in data.get("spans", [])),
            buttons=tuple(
                tuple(Button(label, payload) for label, payload in row) for row in data.get("buttons", [])
            ),
            public=bool(data.get("public", False)),
            language=str(data.get("language", DEFAULT_LANGUAGE)),
            attachment=Attachment.from_dict(data["attachment"]) if data.get("attachment") else None,
            images=tuple(Attachment.from_dict(image) for image in data.get("images", [])),
            items=tuple(Item.from_dict(item) for item in data.get("items", [])),
        )


@dataclass(slots=True)
class Text:
    """A small builder for `Reply.spans`, so handlers never concatenate markup by hand.

    `t()` adds a message in the reader's `language`; its `{name}` fields are filled after
    translation with plain strings or styled spans (`bold("…")`), so user text stays data.
    """

    spans: list[Span] = field(default_factory=list)
    language: str = DEFAULT_LANGUAGE
    items: list[Item] = field(default_factory=list)

    def t(self, message: str, **values: str | int | Span) -> Text:
        return self._fill(translate(self.language, message), values)

    def tn(self, singular: str, plural: str, count: int, **values: str | int | Span) -> Text:
        """ngettext: the form for `count` in the reader's language; `{count}` is filled with it."""
        return self._fill(translate_plural(self.language, singular, plural, count), {"count": count} | values)

    def _fill(self, template: str, values: dict[str, str | int | Span]) -> Text:
        for index, piece in enumerate(PLACEHOLDER.split(template)):
            if index % 2 == 0:
                self.add(piece)
                continue
            value = values[piece]
            if isinstance(value, Span):
                self.add(value.text, value.style, value.url)
            else:
                self.add(str(value))
        return self

    def add(self, text: str, style: Style = "plain", url: str | None = None) -> Text:
        if text:
            self.spans.append(Span(text, style, url))
        return self

    def bold(self, text: str) -> Text:
        return self.add(text, "bold")

    def italic(self, text: str) -> Text:
        return self.add(text, "italic")

    def code(self, text: str) -> Text:
        return self.add(text, "code")

    def command(self, text: str) -> Text:
        return self.add(text, "command")

    def link(self, text: str, url: str) -> Text:
        return self.add(text, "link", url)

    def line(self, text: str = "") -> Text:
        return self.add(text + "\n")

    @contextmanager
    def item(
        self,
        title: str,
        fields: tuple[tuple[str, str], ...],
        button: Button | None = None,
        subtitle: str = "",
        buttons: tuple[Button, ...] = (),
    ) -> Iterator[Text]:
        """What is written inside the `with` is one entry of a list (see `Item`)."""
        first = len(self.spans)
        yield self
        self.items.append(Item(title, fields, button, first, len(self.spans), subtitle, buttons))

    def reply(self, **options: Any) -> Reply:
        spans = list(self.spans)
        if spans and spans[-1].style == "plain" and spans[-1].text.endswith("\n"):
            trimmed = spans[-1].text.rstrip("\n")
            spans[-1] = Span(trimmed) if trimmed else spans[-1]
            if not trimmed:
                spans.pop()
        items = tuple(replace(item, last=min(item.last, len(spans))) for item in self.items)
        return Reply(spans=tuple(spans), **({"language": self.language, "items": items} | options))


def text_reply(text: str, **options: Any) -> Reply:
    return Reply(spans=(Span(text),), **options)


def bold(text: str) -> Span:
    return Span(text, "bold")


def command(text: str) -> Span:
    return Span(text, "command")


def fill(language: str, message: str, **values: str | int) -> str:
    """A translated message with its `{name}` fields filled, as plain text (errors, labels).

    What `Text.t` would write, joined; without the spans: a command fills some forty labels."""
    pieces = _pieces(translate(language, message))
    return "".join(piece if index % 2 == 0 else str(values[piece]) for index, piece in enumerate(pieces))


@lru_cache(maxsize=2048)
def _pieces(template: str) -> tuple[str, ...]:
    """The template's text and field names, alternating; bounded: a caller may pass any text."""
    return tuple(PLACEHOLDER.split(template))


def fill_n(language: str, singular: str, plural: str, count: int, **values: str | int) -> str:
    """`fill` with ngettext: the form for `count`, which fills `{count}`."""
    return "".join(span.text for span in Text(language=language).tn(singular, plural, count, **values).spans)


# How much of what someone typed an answer repeats: enough to recognise it, never a wall of text.
ECHO_LIMIT = 60


def echo(typed: str) -> str:
    """Typed text quoted back in an answer (an error, a "no match"), on one line and cut short."""
    one_line = " ".join(typed.split())
    return one_line if len(one_line) <= ECHO_LIMIT else one_line[:ECHO_LIMIT] + "…"


def N_(message: str) -> str:
    """Marks a constant message for translation; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a constant plural message (one and several) for translation where it is shown."""
    return (singular, plural)
