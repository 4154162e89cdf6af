"""Long lists a page at a time, with a More button that shows the next page, to the end.

The page travels in the button itself (`/events page:2 for:7`), so a press works after a restart
with nothing kept in memory or in the database; `for:` names the member the list was shown to, so
that in a group only that person's press turns the page or acts on an item (anyone else is told to
ask for their own; the router checks it, see `handlers.engine.router.shown_to`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from core.types import Button, Text, short
from handlers.engine.context import Context

PAGE_SIZE = 10
Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Page:
    """Which page of a list a command shows, and the words typed besides `page:` and `for:`."""

    number: int
    words: list[str]
    size: int = PAGE_SIZE

    def of(self, items: Sequence[Item]) -> Sequence[Item]:
        return items[(self.number - 1) * self.size : self.number * self.size]

    def has_more(self, total: int) -> bool:
        return total > self.number * self.size

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first item in the whole list."""
        return (self.number - 1) * self.size + 1


def page_of(args: Sequence[str], size: int = PAGE_SIZE) -> Page:
    """Read `page:N` from a command's words (the router has taken `for:MEMBER` off already)."""
    number, words = 1, []
    for arg in args:
        key, sep, value = arg.partition(":")
        if sep and key.lower() == "page" and value.isdigit():
            number = max(1, int(value))
        else:
            words.append(arg)
    return Page(number, words, size)


def for_reader(ctx: Context, line: str) -> str:
    """A button's payload that acts only for the member it is shown to."""
    return f"{line} for:{ctx.member.id}"


def more_button(ctx: Context, line: str, page: Page) -> Button:
    """The button that shows the page after `page` of the list `line` (a command line) makes."""
    return Button(ctx.tr("More"), for_reader(ctx, f"/{line} page:{page.number + 1}"))


def add_more(
    ctx: Context, text: Text, rows: list[tuple[Button, ...]], page: Page, line: str, total: int
) -> None:
    """Under a page of `total` items: how many the next pages hold, and the More button."""
    if page.has_more(total):
        text.line().t("{count} more.", count=total - page.number * page.size).line()
        rows.append((more_button(ctx, line, page),))


def turns_page(ctx: Context, page: Page) -> bool:
    """A More press replaces the list it was pressed on; a typed `page:2` is a new message."""
    return ctx.msg.payload is not None and page.number > 1


def page_words(page: Page) -> list[str]:
    """The words of a command with its page number back in, for commands that read `page:` themselves."""
    return [*page.words, f"page:{page.number}"]


def item_button(ctx: Context, number: int, name: str, line: str) -> Button:
    """The button that opens one item of a list: its number and (the start of) its name."""
    return Button(f"#{number} {short(name)}", for_reader(ctx, line))


def details_button(ctx: Context, line: str) -> Button:
    """The same press as `item_button`, labelled for a platform that shows it beside the item."""
    return Button(ctx.tr("Details"), for_reader(ctx, line))
