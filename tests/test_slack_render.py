"""Neutral replies as Block Kit: escaping, styles, and Slack's limits (checked by the fake's validator)."""

from __future__ import annotations

import pytest

from bot.slack_render import (
    BLOCKS_PER_MESSAGE,
    SECTION_LIMIT,
    SlackMessage,
    attachment_fallback,
    chosen,
    escape,
    home_view,
    render_reply,
)
from core.types import Attachment, Button, Reply, Span, Text
from tests.fakes.slack_api import validate_blocks, validate_message


def only_text(reply: Reply) -> str:
    (message,) = render_reply(reply)
    return message.blocks[0]["text"]["text"]


def test_user_text_is_escaped_for_mrkdwn() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert only_text(Text().bold("<b> & co").reply()) == "*&lt;b&gt; &amp; co*"


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (Span("#12 ", "bold"), "*#12*  x"),
        (Span("Tags: ", "italic"), "_Tags:_  x"),
        (Span("a`b", "code"), "`a'b` x"),
        (Span("/find textile", "command"), "`/cluster find textile` x"),
        (Span("site", "link", "https://example.org/?a=1&b=2"), "<https://example.org/?a=1&amp;b=2|site> x"),
        (Span("click", "link", "javascript:alert(1)"), "click x"),
    ],
)
def test_each_style_renders_as_mrkdwn(span: Span, expected: str) -> None:
    assert only_text(Reply(spans=(span, Span(" x")))) == expected


def test_a_styled_span_over_several_lines_is_styled_line_by_line() -> None:
    assert only_text(Reply(spans=(Span("one\ntwo", "bold"),))) == "*one*\n*two*"


def test_a_long_answer_is_split_within_slack_limits_and_keeps_every_line() -> None:
    lines = [f"{n}. Member {n} <offers> & seeks " + "x" * 80 for n in range(2500)]
    text = Text()
    for line in lines:
        text.bold(f"#{line[:4]}").line(line)
    reply = text.reply(buttons=((Button("More results", "/find x page:2"),),))

    messages = render_reply(reply)

    assert len(messages) > 1
    for message in messages:
        validate_message({"text": message.text, "blocks": message.blocks})
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    rendered = "\n".join(sections)
    assert all(escape(line) in rendered for line in lines)
    assert messages[-1].blocks[-1]["type"] == "actions"


def test_a_single_huge_line_is_cut_to_fit_a_section() -> None:
    messages = render_reply(Reply(spans=(Span("&" * 10_000, "italic"),)))

    for message in messages:
        validate_message({"text": message.text, "blocks": message.blocks})


def test_buttons_fit_slack_limits_and_carry_their_payload() -> None:
    label = "A very long label that goes on and on beyond what Slack allows on one button face"
    row = tuple(Button(f"{label} {n}", f"/event {n}") for n in range(30))
    reply = Reply(buttons=(row,))

    (message,) = render_reply(reply)

    validate_blocks(message.blocks)
    buttons = [e for b in message.blocks for e in b["elements"]]
    assert [b["value"] for b in buttons] == [f"/event {n}" for n in range(30)]
    assert len({b["action_id"] for b in buttons}) == 30
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)
    assert message.text.startswith("A very long label")


def test_long_payloads_use_the_values_they_are_kept_under() -> None:
    payload = "/find " + "y" * 3000
    (message,) = render_reply(Reply(buttons=((Button("More", payload),),)), {payload: "cbkey:abc"})

    assert message.blocks[0]["elements"][0]["value"] == "cbkey:abc"


def test_the_home_view_stays_within_one_hundred_blocks() -> None:
    many = [Text().line(f"Event {n}").reply(buttons=((Button("Going", f"/going {n}"),),)) for n in range(80)]

    actions = Reply(
        buttons=((Button("Post an opportunity", "/post"), Button("Edit my profile", "/profile set")),)
    )

    view = home_view(
        actions, [("Upcoming events", many), ("Open opportunities", many), ("Suggested contacts", [])]
    )

    assert view["type"] == "home"
    assert view["blocks"][0]["elements"][0]["value"] == "/post"
    validate_blocks(view["blocks"], limit=100)


def test_a_chosen_button_is_replaced_by_a_note_of_the_choice() -> None:
    (message,) = render_reply(Text().add("Event").reply(buttons=((Button("Going", "/going 1"),),)))

    blocks = chosen(message.blocks, "Going <now>")

    assert [b["type"] for b in blocks] == ["section", "context"]
    assert blocks[-1]["elements"][0]["text"] == "✓ Going &lt;now&gt;"


def test_a_file_that_cannot_be_uploaded_is_shown_inline() -> None:
    calendar = Attachment("event-1.ics", b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", "text/calendar")

    fallback = attachment_fallback(Text().add("Calendar file.").reply(attachment=calendar), calendar)

    assert fallback.attachment is None
    assert "`BEGIN:VCALENDAR`\n`END:VCALENDAR`" in only_text(fallback)


def test_a_mention_renders_only_for_a_slack_user_id() -> None:
    reply = Reply(spans=(Span("@Laia", "mention", "U0LAIA"), Span(" "), Span("@x", "mention", "<!channel>")))
    assert only_text(reply) == "<@U0LAIA> @x"


def a_list(count: int, *, title: str = "Workshop", value: str = "Terrassa", fields: int = 2) -> Reply:
    """A list as the handlers write one: a heading, each item's lines and button, a More button."""
    text = Text().bold("Upcoming events").line().line()
    rows = []
    for n in range(1, count + 1):
        details = Button("Details", f"/event {n} for:7")
        labelled = tuple((f"Field {f}", f"{value} {n}") for f in range(fields))
        with text.item(f"#{n} {title} {n}", labelled, details):
            text.command(f"event {n}").add(" ").bold(f"{title} {n}").line().line(f"   {value} {n}")
        rows.append((Button(f"#{n} {title}", details.payload),))
    text.line().t("{count} more.", count=3)
    rows.append((Button("More", "/events page:2 for:7"),))
    return text.reply(buttons=tuple(rows))


def test_a_list_item_is_a_section_with_fields_and_its_own_button_beside_it() -> None:
    (message,) = render_reply(a_list(2))

    validate_message({"text": message.text, "blocks": message.blocks})
    heading, first, second, more, actions = message.blocks
    assert heading["text"]["text"] == "*Upcoming events*"
    assert first["text"]["text"] == "*#1 Workshop 1*"
    assert [f["text"] for f in first["fields"]] == ["*Field 0*\nTerrassa 1", "*Field 1*\nTerrassa 1"]
    assert first["accessory"]["text"]["text"] == "Details"
    assert first["accessory"]["value"] == "/event 1 for:7"
    assert second["accessory"]["value"] == "/event 2 for:7"
    assert more["text"]["text"] == "3 more."
    # The items' own buttons sit beside them; only More is left in a row.
    assert [e["text"]["text"] for e in actions["elements"]] == ["More"]
    assert "Terrassa 2" in message.text


def test_a_list_item_keeps_to_slack_limits_and_says_what_it_cut() -> None:
    (message,) = render_reply(a_list(1, title="<T> & " * 1000, value="v" * 5000, fields=12))

    validate_message({"text": message.text, "blocks": message.blocks})
    item = message.blocks[1]
    assert len(item["text"]["text"]) <= SECTION_LIMIT and item["text"]["text"].endswith("…*")
    assert len(item["fields"]) == 10
    assert all(len(f["text"]) <= 2000 and f["text"].endswith("…") for f in item["fields"])
    assert "&lt;T&gt; &amp;" in item["text"]["text"]


def test_a_long_list_is_split_across_messages_and_keeps_every_item() -> None:
    messages = render_reply(a_list(60))

    for message in messages:
        validate_message({"text": message.text, "blocks": message.blocks})
    items = [b for m in messages for b in m.blocks if "accessory" in b]
    assert len(messages) > 1 and [b["accessory"]["value"] for b in items] == [
        f"/event {n} for:7" for n in range(1, 61)
    ]


def test_a_closed_list_loses_the_buttons_beside_its_items_too() -> None:
    (message,) = render_reply(a_list(1))

    closed = chosen(message.blocks, "Going")

    assert not [b for b in closed if "accessory" in b or b["type"] == "actions"]


def test_a_list_waiting_in_the_outbox_keeps_its_items() -> None:
    reply = a_list(3)

    assert Reply.from_dict(reply.to_dict()) == reply


def requests(count: int, *, buttons: int = 2) -> Reply:
    """A list whose items carry several buttons each (a meeting request's Accept and Decline), the
    same buttons in a row per item for platforms without cards, and a More button."""
    text = Text().bold("Meeting requests").line()
    rows = []
    for n in range(1, count + 1):
        row = tuple(Button(f"Answer {b} {n}", f"/confirm token{n}x{b}") for b in range(buttons))
        with text.item(f"Guest {n}", (("When", f"Thu {n}:00"),), subtitle=" · asks to meet you", buttons=row):
            text.line(f"← Guest {n} asks to meet you: Thu {n}:00")
        rows.append(row)
    rows.append((Button("More", "/meetings page:2 for:7"),))
    return text.reply(buttons=tuple(rows))


def item_rows(messages: list[SlackMessage]) -> list[tuple[str, list[str]]]:
    """Each item's title line and the values of the buttons in the actions block right after it,
    in the same message."""
    shown = []
    for message in messages:
        for block, after in zip(message.blocks, [*message.blocks[1:], {"type": "end"}], strict=True):
            if str(block.get("block_id", "")).startswith("item_"):
                values = [e["value"] for e in after["elements"]] if after["type"] == "actions" else []
                shown.append((block["text"]["text"], values))
    return shown


def test_an_item_with_several_buttons_is_its_section_then_a_row_of_its_buttons() -> None:
    (message,) = render_reply(requests(2))

    validate_message({"text": message.text, "blocks": message.blocks})
    heading, first, first_row, second, second_row, more = message.blocks
    assert heading["text"]["text"] == "*Meeting requests*"
    assert first["text"]["text"] == "*Guest 1* · asks to meet you" and "accessory" not in first
    assert [f["text"] for f in first["fields"]] == ["*When*\nThu 1:00"]
    assert [e["text"]["text"] for e in first_row["elements"]] == ["Answer 0 1", "Answer 1 1"]
    assert [e["value"] for e in second_row["elements"]] == ["/confirm token2x0", "/confirm token2x1"]
    # The items' own buttons are under them; only More is left in a row of its own.
    assert [e["text"]["text"] for e in more["elements"]] == ["More"]
    assert second["text"]["text"] == "*Guest 2* · asks to meet you"


def test_a_long_list_of_items_with_buttons_splits_within_the_limit_and_keeps_each_with_its_buttons() -> None:
    messages = render_reply(requests(60, buttons=3))

    for message in messages:
        validate_message({"text": message.text, "blocks": message.blocks})
        assert len(message.blocks) <= BLOCKS_PER_MESSAGE
    assert len(messages) > 2
    assert item_rows(messages) == [
        (f"*Guest {n}* · asks to meet you", [f"/confirm token{n}x{b}" for b in range(3)])
        for n in range(1, 61)
    ]


def test_an_item_with_more_buttons_than_a_row_holds_gets_several_rows() -> None:
    (message,) = render_reply(requests(1, buttons=30))

    validate_message({"text": message.text, "blocks": message.blocks})
    assert [b["type"] for b in message.blocks] == ["section", "section", "actions", "actions", "actions"]
    assert [len(b["elements"]) for b in message.blocks[2:]] == [25, 5, 1]


def test_an_item_keeps_the_space_before_its_subtitle() -> None:
    text = Text()
    with text.item("Marta Vila", (), Button("Introduce me", "/introduce 4"), subtitle=" (Acme, Spain)"):
        text.line("Marta Vila (Acme, Spain)")

    (message,) = render_reply(text.reply())

    assert message.blocks[0]["text"]["text"] == "*Marta Vila* (Acme, Spain)"


def test_the_home_view_gives_every_list_item_its_own_block_id() -> None:
    """Every list's first item is item_0; Slack refuses a view whose block_ids repeat."""
    view = home_view(Reply(), [("Your meetings", [requests(2)]), ("Upcoming events", [a_list(2)])])

    validate_blocks(view["blocks"], limit=100)
    ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(ids) == 4 and all(i.startswith("item_") for i in ids)
    # The meetings keep their rows of buttons under them: heading, two items and rows, More.
    kinds = [b["type"] for b in view["blocks"]]
    meetings = ["section", "section", "actions", "section", "actions", "actions"]
    assert kinds[kinds.index("header") + 1 : kinds.index("divider")] == meetings


def test_a_list_of_items_with_buttons_waiting_in_the_outbox_keeps_them() -> None:
    reply = requests(3)

    assert Reply.from_dict(reply.to_dict()) == reply
    assert reply.items[0].buttons == reply.buttons[0]


def test_the_home_view_gives_a_long_agenda_the_room_the_short_parts_leave() -> None:
    """Ten meetings with their buttons take more than a fifth of the home tab's hundred blocks."""
    short = [Text().line("Nothing yet.").reply()]
    parts = [("Your meetings", [requests(10)]), *((f"Part {n}", short) for n in range(4))]

    view = home_view(Reply(buttons=((Button("Post an opportunity", "/post"),),)), parts)

    validate_blocks(view["blocks"], limit=100)
    values = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert all(f"/confirm token{n}x1" in values for n in range(1, 11))
    assert sum(b.get("text", {}).get("text") == "Nothing yet." for b in view["blocks"]) == 4
