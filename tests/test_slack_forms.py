"""Slack forms end to end: a slash command opens a modal, a bad field comes back as Slack's inline
error with nothing saved, a good submission saves the row and the member is told in their DM."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.slack_render import BLOCK_CHARS, BLOCKS_PER_MESSAGE, block_chars, render_reply
from core.types import Button, Reply, Span
from store.models import EVENT_KINDS, OPPORTUNITY_KINDS, Event, Member, Opportunity
from tests.factories import add_event, add_member, add_opportunity, make_coordinator
from tests.fakes.slack_api import BLOCK_TEXT_LIMIT, SlackError, SlackSender, validate_message
from tests.test_slack_events import USER, World, count, section_text
from tests.test_slack_events import world as world

ME = f"T0TEST:{USER}"


async def open_form(world: World, line: str) -> dict[str, Any]:
    opened = len(world.api.modals)
    status, _ = await world.slack.slash(USER, line, world.api.response_url())
    assert status == 200
    await world.api.wait_for(lambda: len(world.api.modals) > opened)
    return world.api.modals[-1]


def fields(view: dict[str, Any]) -> dict[str, str]:
    """Each input's label and the value it starts from, by field."""
    return {
        b["block_id"]: b["element"].get("initial_value", "") for b in view["blocks"] if b["type"] == "input"
    }


async def dm_text(world: World, shown: int = 0) -> str:
    await world.api.wait_for(lambda: len(world.api.dm_messages(USER)) > shown)
    return "\n".join(section_text(m.blocks) for m in world.api.dm_messages(USER))


async def become_coordinator(world: World) -> None:
    await world.slack.dm(USER, "help")
    await world.api.wait_for(lambda: world.api.dm_messages(USER))
    await make_coordinator(world.db, ME)


async def test_event_add_opens_a_form_refuses_a_bad_start_beside_it_then_creates_the_event(
    world: World,
) -> None:
    await become_coordinator(world)
    shown = len(world.api.dm_messages(USER))
    view = await open_form(world, "event add")
    assert view["title"]["text"] == "New event"
    assert {"title", "start", "end", "place", "capacity"} <= set(fields(view))

    status, body = await world.slack.submit(
        USER, view, {"title": "B2B session Porto", "start": "next friday"}
    )

    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["start"]
    assert "Usage" not in answer["errors"]["start"]
    assert await count(world.db, select(func.count(Event.id))) == 0

    status, body = await world.slack.submit(
        USER, view, {"title": "B2B session Porto", "start": "2026-12-03 10:00", "capacity": "40"}
    )

    assert status == 200 and body == ""
    assert "Created" in await dm_text(world, shown)
    async with world.db.transaction() as session:
        event = await session.scalar(select(Event))
    assert event is not None
    assert (event.title, event.capacity) == ("B2B session Porto", 40)


async def test_an_end_before_the_start_is_refused_beside_the_end(world: World) -> None:
    await become_coordinator(world)
    view = await open_form(world, "event add")

    _, body = await world.slack.submit(
        USER, view, {"title": "Fair", "start": "2026-12-03 10:00", "end": "2026-12-03 09:00"}
    )

    assert json.loads(body)["errors"] == {"end": "The event must end after it starts."}


async def test_a_refusal_that_names_no_field_sits_beside_the_first(world: World) -> None:
    await become_coordinator(world)
    event_id = await add_event(world.db, world.clock.now, "Smart textiles fair", starts_in=timedelta(days=9))
    view = await open_form(world, f"event edit {event_id}")

    _, body = await world.slack.submit(USER, view, {})

    (field, error), *_ = json.loads(body)["errors"].items()
    assert field == "title" and error.startswith("What should change?")


async def test_event_edit_form_starts_from_the_event_and_saves_only_what_changed(world: World) -> None:
    await become_coordinator(world)
    event_id = await add_event(world.db, world.clock.now, "Smart textiles fair", starts_in=timedelta(days=9))
    shown = len(world.api.dm_messages(USER))
    view = await open_form(world, f"event edit {event_id}")
    assert fields(view)["title"] == "Smart textiles fair"

    _, body = await world.slack.submit(USER, view, {"capacity": "zero"})
    assert list(json.loads(body)["errors"]) == ["capacity"]

    _, body = await world.slack.submit(USER, view, {"place": "Fira de Terrassa"})

    assert body == ""
    assert "Saved" in await dm_text(world, shown)
    async with world.db.transaction() as session:
        event = await session.get(Event, event_id)
    assert event is not None
    assert (event.title, event.place) == ("Smart textiles fair", "Fira de Terrassa")


async def answered_as_typed(world: World, line: str) -> str:
    """What `/cluster LINE` answers through its response_url, when it opens no form."""
    await world.slack.slash(USER, line, world.api.response_url())
    await world.api.wait_for(lambda: world.api.responses)
    assert world.api.modals == []
    return str(world.api.responses[0].body["text"])


async def test_a_member_who_may_not_add_events_gets_the_refusal_not_a_form(world: World) -> None:
    assert "coordinators only" in await answered_as_typed(world, "event add")


def element_of(view: dict[str, Any], field: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == field)


async def test_post_form_offers_the_kinds_as_a_menu_and_stores_the_one_picked(world: World) -> None:
    view = await open_form(world, "post")
    kind = element_of(view, "kind")
    assert kind["type"] == "static_select" and "initial_option" not in kind
    options = {option["value"]: option["text"]["text"] for option in kind["options"]}
    assert list(options) == list(OPPORTUNITY_KINDS) and options["partner_search"] == "Partner search"

    _, body = await world.slack.submit(
        USER, view, {"kind": "tender", "title": "Pilot", "deadline": "someday"}
    )
    assert list(json.loads(body)["errors"]) == ["deadline"]
    assert await count(world.db, select(func.count(Opportunity.id))) == 0

    _, body = await world.slack.submit(
        USER, view, {"kind": "partner_search", "title": "Pilot partner", "description": "Two lines\nof text"}
    )

    assert body == ""
    assert "Published" in await dm_text(world)
    async with world.db.transaction() as session:
        posted = await session.scalar(select(Opportunity))
    assert posted is not None
    assert (posted.kind, posted.title, posted.description) == (
        "partner_search",
        "Pilot partner",
        "Two lines\nof text",
    )


async def test_a_nul_typed_into_a_form_is_dropped_as_in_a_message(world: World) -> None:
    view = await open_form(world, "post")

    _, body = await world.slack.submit(USER, view, {"kind": "tender", "title": "Dyeing\x00 line"})

    assert body == ""
    await dm_text(world)
    async with world.db.transaction() as session:
        assert await session.scalar(select(Opportunity.title)) == "Dyeing line"


async def test_typed_post_with_fields_still_publishes_without_a_form(world: World) -> None:
    assert "Published" in await answered_as_typed(world, 'post kind=tender title="Dyeing line"')


async def test_profile_form_is_filled_in_and_a_too_long_field_changes_nothing(world: World) -> None:
    await world.slack.dm(USER, "profile set offers textile finishing")
    await dm_text(world)
    view = await open_form(world, "profile set")
    assert fields(view)["offers"] == "textile finishing"
    assert fields(view)["name"] == "Laia Puig"

    _, body = await world.slack.submit(USER, view, {"role": "CTO", "interests": "x" * 200})
    assert list(json.loads(body)["errors"]) == ["interests"]

    shown = len(world.api.dm_messages(USER))
    _, body = await world.slack.submit(USER, view, {"role": "CTO", "seeks": "recycled yarn"})

    assert body == ""
    assert "Saved your" in await dm_text(world, shown)
    async with world.db.transaction() as session:
        member = await session.scalar(select(Member).where(Member.name == "Laia Puig"))
    assert member is not None
    assert (member.role, member.seeks, member.offers) == ("CTO", "recycled yarn", "textile finishing")


async def test_announce_form_drafts_a_preview_and_an_unknown_audience_is_refused_inline(world: World) -> None:
    await become_coordinator(world)
    view = await open_form(world, "announce")

    _, body = await world.slack.submit(USER, view, {"to": "planet:Mars", "text": "Hello"})
    assert list(json.loads(body)["errors"]) == ["to"]

    shown = len(world.api.dm_messages(USER))
    _, body = await world.slack.submit(USER, view, {"to": "everyone", "text": "The Porto agenda is out."})

    assert body == ""
    assert "preview" in await dm_text(world, shown)


async def test_meet_form_names_an_unknown_member_beside_the_member_field(world: World) -> None:
    await add_member(world.db, world.clock.now, "Marta Ferrer")
    view = await open_form(world, "meet")

    _, body = await world.slack.submit(USER, view, {"member": "9999"})

    assert list(json.loads(body)["errors"]) == ["member"]


def home_parts(blocks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The App Home's blocks under each header."""
    parts: dict[str, list[dict[str, Any]]] = {"": []}
    current = ""
    for block in blocks:
        if block["type"] == "header":
            current = block["text"]["text"]
            parts[current] = []
        else:
            parts[current].append(block)
    return parts


def labels(blocks: list[dict[str, Any]]) -> list[str]:
    """The buttons' labels: those beside a list's items, then those in rows."""
    beside = [b["accessory"]["text"]["text"] for b in blocks if "accessory" in b]
    return beside + [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_app_home_shows_the_agenda_suggestions_and_followed_opportunities_with_buttons(
    world: World,
) -> None:
    fair = await add_event(world.db, world.clock.now, "Smart textiles fair", starts_in=timedelta(days=9))
    await add_event(world.db, world.clock.now, "Dyeing workshop", starts_in=timedelta(days=12))
    call = await add_opportunity(world.db, world.clock.now, "Digital textiles call")
    await add_opportunity(world.db, world.clock.now, "Unfollowed tender")
    await add_member(world.db, world.clock.now, "Joana Silva", offers="recycled polyester yarn")
    for line in (f"going {fair}", f"follow {call}", "profile set seeks recycled polyester"):
        shown = len(world.api.dm_messages(USER))
        await world.slack.dm(USER, line)
        await dm_text(world, shown)

    await world.slack.event({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"})

    await world.api.wait_for(lambda: USER in world.api.views)
    parts = home_parts(world.api.views[USER]["blocks"])
    assert labels(parts[""]) == ["Post an opportunity", "Request a meeting", "Edit my profile"]
    assert "No meetings in your agenda yet" in section_text(parts["Your meetings"])
    going = parts["Events you're going to"]
    assert "Smart textiles fair" in section_text(going) and "Dyeing workshop" not in section_text(going)
    assert labels(going) == ["Details", f"Not going #{fair}"]
    assert "Joana Silva" in section_text(parts["Suggested contacts"])
    followed = parts["Opportunities you follow"]
    assert "Digital textiles call" in section_text(followed) and "Unfollowed" not in section_text(followed)
    assert labels(followed) == ["Details", f"Unfollow #{call}"]


async def test_a_form_button_on_the_app_home_opens_its_form(world: World) -> None:
    await world.slack.event({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"})
    await world.api.wait_for(lambda: USER in world.api.views)
    home = world.api.views[USER]
    post = next(
        e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"] if e["value"] == "/post"
    )

    await world.slack.click(USER, post, container={"type": "view", "view_id": "V1"})

    await world.api.wait_for(lambda: world.api.modals)
    assert world.api.modals[-1]["title"]["text"] == "Post an opportunity"
    assert world.api.dm_messages(USER) == []


def test_a_long_answer_is_split_into_messages_slack_takes() -> None:
    lines = [
        f"#{number} " + "Recycled polyester yarn from post-consumer bottles " * 4 for number in range(400)
    ]
    buttons = tuple((Button(f"Details {number}", f"/event {number}"),) for number in range(60))
    reply = Reply(spans=(Span("\n".join(lines)),), buttons=buttons)

    messages = render_reply(reply)

    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= BLOCKS_PER_MESSAGE
        assert sum(map(block_chars, message.blocks)) <= BLOCK_CHARS
        validate_message({"text": message.text, "blocks": message.blocks})
    shown = "\n".join(b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section")
    assert all(f"#{number} " in shown for number in range(400))


def test_the_fake_refuses_blocks_over_slacks_cumulative_limit() -> None:
    """The limit the renderer is held to is Slack's, not one the fake made up to pass."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}
    validate_message({"text": "x", "blocks": [section] * 4})
    one_more = {"type": "section", "text": {"type": "mrkdwn", "text": "y"}}

    with pytest.raises(SlackError, match="msg_blocks_too_long"):
        validate_message({"text": "x", "blocks": [section] * 4 + [one_more]})
    assert BLOCK_TEXT_LIMIT == 4 * 3000


async def test_a_form_in_catalan_and_an_expired_trigger_answers_as_typed(world: World) -> None:
    world.api.add_user(USER, "Laia Puig", tz="Europe/Madrid", locale="ca-ES")
    view = await open_form(world, "post")
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Publica una oportunitat",
        "Publica",
        "Tanca",
    )

    expired = SlackSender(world.slack.url)  # its trigger ids were never handed out by this Slack
    await expired.slash(USER, "post", world.api.response_url())

    await world.api.wait_for(lambda: world.api.responses)
    assert "oportunitat" in world.api.responses[0].body["text"]
    assert len(world.api.modals) == 1


async def test_saving_the_profile_form_redraws_the_app_home_with_the_new_suggestions(world: World) -> None:
    await add_member(world.db, world.clock.now, "Joana Silva", offers="recycled polyester yarn")
    await world.slack.event({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"})
    await world.api.wait_for(lambda: USER in world.api.views)
    assert "Joana Silva" not in section_text(
        home_parts(world.api.views[USER]["blocks"])["Suggested contacts"]
    )
    published = len(world.api.calls_to("views.publish"))
    view = await open_form(world, "profile set")

    _, body = await world.slack.submit(USER, view, {"seeks": "recycled polyester"})

    assert body == ""
    await world.api.wait_for(lambda: len(world.api.calls_to("views.publish")) > published)
    assert "Joana Silva" in section_text(home_parts(world.api.views[USER]["blocks"])["Suggested contacts"])


async def test_a_form_that_changes_nothing_at_home_leaves_it_as_it_is(world: World) -> None:
    await become_coordinator(world)
    shown = len(world.api.dm_messages(USER))
    view = await open_form(world, "announce")

    _, body = await world.slack.submit(USER, view, {"to": "everyone", "text": "The Porto agenda is out."})

    assert body == ""
    await dm_text(world, shown)
    assert world.api.calls_to("views.publish") == []


async def test_event_edit_form_starts_from_the_kind_picked_and_stores_a_new_one(world: World) -> None:
    await become_coordinator(world)
    event_id = await add_event(world.db, world.clock.now, "Smart textiles fair", starts_in=timedelta(days=9))
    view = await open_form(world, f"event edit {event_id}")
    kind = element_of(view, "kind")
    assert kind["type"] == "static_select" and kind["initial_option"]["value"] == "meeting"
    assert [option["value"] for option in kind["options"]] == list(EVENT_KINDS)

    _, body = await world.slack.submit(USER, view, {"kind": "trade_fair"})

    assert body == ""
    async with world.db.transaction() as session:
        event = await session.get(Event, event_id)
    assert event is not None and event.kind == "trade_fair"


async def test_profile_languages_are_picked_from_a_menu_of_several_and_stored(world: World) -> None:
    await world.slack.dm(USER, "profile set languages Catalan, Quechua")
    await dm_text(world)
    view = await open_form(world, "profile set")
    languages = element_of(view, "languages")
    assert languages["type"] == "multi_static_select"
    assert [option["value"] for option in languages["initial_options"]] == ["ca", "qu"]
    # A language outside the usual menu that the profile holds is offered too, so it is not lost.
    assert {"ca", "pt", "qu"} <= {option["value"] for option in languages["options"]}

    _, body = await world.slack.submit(USER, view, {"languages": "ca, pt, qu"})

    assert body == ""
    async with world.db.transaction() as session:
        member = await session.scalar(select(Member).where(Member.name == "Laia Puig"))
    assert member is not None and member.languages == ["ca", "pt", "qu"]
