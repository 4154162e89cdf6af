"""Neutral replies as Telegram HTML: escaped, within the length limit, never cut inside a tag."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram_render import (
    MESSAGE_LIMIT,
    callback_data,
    command_span,
    keyboard,
    render_text,
    size,
    tapped_command,
)
from core.types import Button, Span, Style, Text, bold
from tests.fakes.telegram_rules import parse_html

HOSTILE = "<b>R&D</b> </a> &amp; 🧵 עברית"


class KeptPayloads:
    """Stands in for the store's Buttons.keep."""

    def __init__(self) -> None:
        self.payloads: list[str] = []

    async def __call__(self, payload: str) -> str:
        self.payloads.append(payload)
        return f"key{len(self.payloads)}"


def compact(text: str) -> str:
    return "".join(text.split())


def test_user_text_is_escaped_in_every_style() -> None:
    spans = Text().bold(HOSTILE).add(" ").italic(HOSTILE).add(" ").code(HOSTILE).add(" ").add(HOSTILE)
    [chunk] = render_text(tuple(spans.spans))

    text, entities = parse_html(chunk.html)

    assert text == chunk.plain == " ".join([HOSTILE] * 4)
    assert [entity["type"] for entity in entities] == ["bold", "italic", "code"]


def test_commands_get_a_slash_and_links_an_escaped_href() -> None:
    spans = Text().command("find textile").add(" or ").link("the <call>", 'https://example.eu/?a=1&b="2"')
    [chunk] = render_text(tuple(spans.spans))

    assert chunk.html == (
        '<code>/find textile</code> or <a href="https://example.eu/?a=1&amp;b=&quot;2&quot;">'
        "the &lt;call&gt;</a>"
    )
    assert chunk.plain == '/find textile or the <call> (https://example.eu/?a=1&b="2")'


def test_a_link_with_a_scheme_telegram_refuses_is_shown_as_text() -> None:
    [chunk] = render_text((Span("click", "link", "javascript:alert(1)"),))

    assert chunk.html == "click"


def test_long_replies_are_split_between_lines() -> None:
    lines = [f"<member {number}> makes & finishes 🧵 technical textiles" for number in range(200)]
    text = Text()
    for line in lines:
        text.bold("• ").line(line)

    chunks = render_text(tuple(text.reply().spans))

    assert len(chunks) > 1
    assert all(size(chunk.html) <= MESSAGE_LIMIT for chunk in chunks)
    assert [line for chunk in chunks for line in parse_html(chunk.html)[0].splitlines()] == [
        f"• {line}" for line in lines
    ]


def test_a_line_longer_than_a_message_is_cut_at_spaces_with_tags_closed() -> None:
    words = " ".join(["recycled&polyester"] * 300)
    chunks = render_text((Span("Offers: "), Span(words, "italic")))

    assert len(chunks) == 2
    for chunk in chunks:
        assert size(chunk.html) <= MESSAGE_LIMIT
        assert chunk.html.count("<i>") == chunk.html.count("</i>") == 1
        assert parse_html(chunk.html)[0].rstrip().endswith("recycled&polyester")  # whole words
    assert compact("".join(chunk.plain for chunk in chunks)) == compact("Offers: " + words)


def test_blank_replies_send_no_message() -> None:
    assert render_text(()) == []
    assert render_text((Span("\n\n  \n"),)) == []


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=120), st.sampled_from(["plain", "bold", "italic", "code", "command"])
        ),
        max_size=12,
    )
)
def test_every_chunk_is_valid_html_within_the_limit_and_nothing_is_lost(
    pieces: list[tuple[str, Style]],
) -> None:
    spans = tuple(Span(text, style) for text, style in pieces)

    chunks = render_text(spans, limit=60)

    for chunk in chunks:
        assert size(chunk.html) <= 60
        assert parse_html(chunk.html)[0] == chunk.plain
    expected = "".join(command_span(text).text if style == "command" else text for text, style in pieces)
    assert compact("".join(chunk.plain for chunk in chunks)) == compact(expected)


async def test_short_payloads_ride_in_the_button_and_long_ones_in_the_store() -> None:
    keep = KeptPayloads()
    long_payload = "/find " + "тканини " * 8  # Cyrillic: two bytes a letter, over 64 bytes

    markup = await keyboard(((Button("Going", "/going 3"), Button("More", long_payload)),), keep)

    assert markup is not None
    [[going, more]] = markup.inline_keyboard
    assert (going.callback_data, more.callback_data) == ("/going 3", "k:key1")
    assert keep.payloads == [long_payload]


async def test_a_payload_that_looks_like_a_key_is_kept_too() -> None:
    keep = KeptPayloads()

    assert await callback_data("k:abc", keep) == "k:key1"
    assert await keyboard((), keep) is None


def test_a_command_with_a_number_is_tappable_and_one_with_words_is_copied_whole() -> None:
    """Tapping `/event 12` in Telegram sends a bare `/event`: the number goes into the command."""
    spans = Text().command("event 12").add(" · ").command("event NUMBER").add(" · ").command("help")
    [chunk] = render_text(tuple(spans.spans))

    assert chunk.html == "/event_12 · <code>/event NUMBER</code> · /help"
    assert tapped_command("/event_12") == "/event 12"
    assert tapped_command("/events") == "/events"


def test_a_list_reads_in_telegram_as_its_lines_and_a_button_per_item() -> None:
    text = Text().bold("Upcoming events").line().line()
    with text.item("#12 Fair", (("When", "Fri 4 Dec"),), Button("Details", "/event 12")):
        text.command("event 12").add(" ").bold("Fair").line().line("   Fri 4 Dec")
    reply = text.reply(buttons=((Button("#12 Fair", "/event 12"),),))

    (chunk,) = render_text(reply.spans)

    assert chunk.html == "<b>Upcoming events</b>\n\n/event_12 <b>Fair</b>\n   Fri 4 Dec"
    assert reply.buttons == ((Button("#12 Fair", "/event 12"),),)


async def test_a_list_whose_items_carry_several_buttons_reads_in_telegram_as_its_lines_and_rows() -> None:
    accept, decline = Button("Accept 10:20", "/confirm abc"), Button("Decline 10:20", "/confirm def")
    text = Text().bold("Requests").line()
    with text.item(
        "Joan", (("When", "Thu 10:20"),), subtitle=" · asks to meet you", buttons=(accept, decline)
    ):
        text.t("← {name} asks to meet you: {when}", name=bold("Joan"), when="Thu 10:20").line()
    reply = text.reply(buttons=((accept, decline),))

    (chunk,) = render_text(reply.spans)
    markup = await keyboard(reply.buttons, KeptPayloads())

    assert chunk.html == "<b>Requests</b>\n← <b>Joan</b> asks to meet you: Thu 10:20"
    assert markup is not None
    assert [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard] == [
        [("Accept 10:20", "/confirm abc"), ("Decline 10:20", "/confirm def")]
    ]
