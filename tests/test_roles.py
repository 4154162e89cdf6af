"""Roles: admins grant coordinator rights, scoped coordinators stay in their cluster, all is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from tests.conftest import Chat, Clock
from tests.factories import add_cluster, add_event, add_member, add_opportunity, make_coordinator
from tests.test_linking import code_in, join

TEXTIL = "Tèxtil Innova"
NORTE = "Packaging Norte"


@dataclass
class Network:
    admin: Chat
    marta: Chat
    member: Chat
    textil: int
    norte: int
    own_event: int
    other_event: int


@pytest.fixture
async def network(db: Database, clock: Clock) -> Network:
    """An admin (from CLUSTERBOT_ADMINS), Marta who coordinates Tèxtil Innova only, and a member."""
    assistant = Assistant(
        db, build_router(), build_flows(), options=Options(admins=frozenset({"console:boss"})), clock=clock
    )
    textil = await add_cluster(db, TEXTIL, "Catalonia", "Spain", ["textile"])
    norte = await add_cluster(db, NORTE, "Norte", "Portugal", ["packaging"])
    await add_member(db, clock.now, "Marta Ferrer", cluster_id=textil, handle="marta")
    await add_member(db, clock.now, "Rui Costa", cluster_id=norte, handle="rui")
    own = await add_event(
        db, clock.now, "Learning visit Terrassa", starts_in=timedelta(days=3), cluster_id=textil
    )
    other = await add_event(
        db, clock.now, "Packaging fair Porto", starts_in=timedelta(days=4), cluster_id=norte
    )
    network = Network(
        Chat(assistant, "boss"), Chat(assistant, "marta"), Chat(assistant, "rui"), textil, norte, own, other
    )
    granted = await network.admin.say(f'/coordinator add Marta Ferrer cluster:"{TEXTIL.lower()}"')
    assert f"Marta Ferrer (#1) is now a coordinator for {TEXTIL}." in granted
    return network


async def test_a_scoped_coordinator_edits_only_their_clusters_events(network: Network) -> None:
    refused = await network.marta.say(f"/event edit {network.other_event} place=Braga")
    assert f"You coordinate {TEXTIL} only, and event #{network.other_event} is outside it" in refused
    assert "outside it" in await network.marta.say(f"/event cancel {network.other_event}")
    assert "outside it" in await network.marta.say(
        f'/event add title="Packaging day" start="2026-12-10 10:00" cluster="{NORTE}"'
    )
    assert "outside it" in await network.marta.say(f'/event edit {network.own_event} cluster="{NORTE}"')

    assert "Saved" in await network.marta.say(f"/event edit {network.own_event} place=Terrassa")
    assert "Cancel #" in await network.marta.say(f"/event cancel {network.own_event}")
    assert "Cancelled" in await network.marta.tap("Cancel the event")
    created = await network.marta.say('/event add title="Smart textiles day" start="2026-12-10 10:00"')
    assert "Created #3 Smart textiles day" in created


async def test_a_scoped_coordinator_announces_only_to_their_cluster_or_its_events(network: Network) -> None:
    for segment in ("everyone", f'cluster:"{NORTE}"', "tag:recycling", f"event:{network.other_event}"):
        refused = await network.marta.say(f"/announce {segment} The agenda is out.")
        assert f'you can announce to cluster:"{TEXTIL}" or to event:NUMBER' in refused

    assert "(1 member)" in await network.marta.say(f'/announce cluster:"{TEXTIL}" The agenda is out.')
    assert "Queued announcement #1 for 1 member" in await network.marta.tap("Send to 1")
    assert "Announcement #2 — preview" in await network.marta.say(f"/announce event:{network.own_event} Hi")


async def test_a_scoped_coordinator_changes_other_clusters_opportunities_only_if_they_posted_them(
    network: Network, db: Database, clock: Clock
) -> None:
    other = await add_opportunity(db, clock.now, "Packaging call", cluster_id=network.norte)
    own = await add_opportunity(db, clock.now, "Textile call", cluster_id=network.textil)

    assert "outside it" in await network.marta.say(f"/opportunity close {other}")
    assert "Closed" in await network.marta.say(f"/opportunity close {own}")
    assert "Published #3" in await network.marta.say("/opportunity add kind=offer title=Dyeing")
    assert "Closed" in await network.marta.say("/opportunity close 3")


async def test_coordinators_for_all_clusters_and_admins_act_everywhere(
    network: Network, db: Database
) -> None:
    await make_coordinator(db, "rui")

    assert "Saved" in await network.member.say(f"/event edit {network.own_event} place=Sabadell")
    assert "— preview" in await network.member.say("/announce everyone Hello")
    assert "Saved" in await network.admin.say(f"/event edit {network.other_event} place=Braga")


async def test_admin_commands_are_refused_to_coordinators_and_members(network: Network) -> None:
    for chat in (network.marta, network.member):
        assert "'audit' is for admins only." in await chat.say("/audit")
        assert "'coordinator add' is for admins only." in await chat.say("/coordinator add rui")
        assert "'coordinator remove' is for admins only." in await chat.say("/coordinator remove marta")
    assert "is for coordinators only" in await network.member.say("/announce everyone Hello")


async def test_an_ambiguous_name_is_not_guessed(network: Network, db: Database, clock: Clock) -> None:
    await add_member(db, clock.now, "Marta Puig", cluster_id=network.norte)

    answer = await network.admin.say("/coordinator add Marta")

    assert "I found no member called 'Marta'. Did you mean one of these?" in answer
    assert (
        "[#1 Marta Ferrer → /coordinator add 1]" in answer
        and "[#4 Marta Puig → /coordinator add 4]" in answer
    )
    assert "is now a coordinator for all clusters" in await network.admin.say("/coordinator add #4")
    assert "I found no member called 'Nobody'" in await network.admin.say("/coordinator add Nobody")


async def test_removing_a_coordinator_takes_the_rights_away(network: Network) -> None:
    assert "Marta Ferrer (#1) is no longer a coordinator." in await network.admin.say(
        "/coordinator remove #1"
    )

    assert "is for coordinators only" in await network.marta.say(f"/event cancel {network.own_event}")
    assert "is not a coordinator" in await network.admin.say("/coordinator remove Marta Ferrer")


async def test_audit_lists_who_did_what_when_and_to_whom(network: Network, clock: Clock) -> None:
    await network.marta.say(f"/event edit {network.own_event} place=Terrassa")
    clock.advance(minutes=5)
    await network.marta.say(f'/announce cluster:"{TEXTIL}" The agenda is out.')
    await network.marta.tap("Send to 1")
    await network.marta.say(f"/event edit {network.other_event} place=Braga")  # refused: not logged

    log = await network.admin.say("/audit")

    lines = [line for line in log.splitlines() if " · " in line]
    assert len(lines) == 3
    assert (
        "Mon 23 Nov 2026, 10:05 CET · Marta Ferrer (#1) · announce: announcement #1 to 1 members" in lines[0]
    )
    assert lines[0].endswith(f"→ cluster:{TEXTIL}")
    assert "event edit: #1 Learning visit Terrassa: place; 0 attendees told → event:1" in lines[1]
    assert f"boss (#3) · coordinator add: Marta Ferrer (#1) → cluster:{TEXTIL}" in lines[2]
    assert len([line for line in (await network.admin.say("/audit 1")).splitlines() if " · " in line]) == 1
    assert f"#1 Marta Ferrer — {TEXTIL}" in await network.admin.say("/coordinator")


async def test_someone_removed_from_the_admins_setting_is_no_admin_at_their_next_message(
    network: Network, db: Database, clock: Clock
) -> None:
    assert "Audit log" in await network.admin.say("/audit")

    without_boss = Assistant(db, build_router(), build_flows(), options=Options(), clock=clock)
    former = Chat(without_boss, "boss")

    assert "'audit' is for admins only." in await former.say("/audit")
    assert "'coordinator add' is for admins only." in await former.say("/coordinator add rui")


async def test_linking_an_admin_account_gives_the_other_account_no_admin_rights(
    network: Network, db: Database, clock: Clock
) -> None:
    assistant = network.admin.assistant
    on_telegram = Chat(assistant, "boss-phone", platform="telegram")
    code = code_in(await network.admin.say("/link"))
    assert "Joined your" in await join(on_telegram, code)

    assert "'audit' is for admins only." in await on_telegram.say("/audit")
    assert "Audit log" in await network.admin.say("/audit"), "the listed account stays admin"


async def test_linking_does_not_carry_coordinator_rights_over_from_the_newer_account(
    network: Network, db: Database, clock: Clock
) -> None:
    clock.advance(minutes=1)
    member = network.member  # Rui, no coordinator, older than Marta's new Telegram account
    marta_phone = Chat(network.admin.assistant, "marta-phone", platform="telegram")
    await marta_phone.say("/help")
    await network.admin.say(f'/coordinator add marta-phone cluster:"{TEXTIL}"')
    assert "is now a coordinator" in network.admin.last[0].plain_text

    code = code_in(await member.say("/link"))
    joined = await join(marta_phone, code)

    assert "coordinator rights of your Telegram account were not carried over" in joined
    assert "is for coordinators only" in await member.say(f"/event cancel {network.own_event}")
    assert "is for coordinators only" in await marta_phone.say(f"/event cancel {network.own_event}")


async def test_a_scoped_coordinator_can_neither_discard_nor_read_a_draft_outside_their_cluster(
    network: Network, db: Database
) -> None:
    await network.admin.say("/announce everyone The network meets in Porto.")
    assert "Announcement #1 — preview" in network.admin.last[0].plain_text

    assert "outside it" in await network.marta.say("/announce discard 1")
    assert "outside it" in await network.marta.say("/announce status 1")
    assert "outside it" in await network.marta.say("/announce confirm 1")
    assert "draft" in await network.admin.say("/announce status 1")
    assert "Discarded" not in await network.admin.say("/audit")


async def test_discarding_a_draft_is_audited(network: Network) -> None:
    await network.marta.say(f'/announce cluster:"{TEXTIL}" The agenda is out.')
    assert "Discarded announcement #1" in await network.marta.tap("Discard")

    log = await network.admin.say("/audit")

    assert f"Marta Ferrer (#1) · announce discard: announcement #1 → cluster:{TEXTIL}" in log
