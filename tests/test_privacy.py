"""`mydata` gives members everything held about them; `forget` leaves no trace of them in the file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from store.models import AuditEntry, Base, Identity, Introduction, Member, Opportunity, OutboxMessage, Rsvp
from store.personal import PersonalData
from store.privacy import ALL_NOT_PERSONAL, ALL_PERSONAL, PERSONAL, Privacy, declared
from tests.conftest import Chat, Clock
from tests.factories import add_cluster, add_event, add_member, add_opportunity

NAME = "Zoraida Quintanilla"
HANDLE = "zquint77"
EMAIL = "zoraida.q@quintanilla.example"
BIO = "Zoraida dyes organic cotton in Sabadell since 1998"
ONBOARDING = [NAME, "Tintes Vallès", "Tèxtil Innova", "skip", "Zinc-free dyeing", "A weaver", "dyeing", "yes"]
ONBOARDING += [EMAIL, "yes"]


async def _introduction_id(db: Database) -> int:
    async with db.transaction() as session:
        introduction_id = await session.scalar(select(Introduction.id))
        assert introduction_id is not None
        return introduction_id


async def _member_of(db: Database, handle: str) -> Member | None:
    async with db.transaction() as session:
        return await session.scalar(
            select(Member).join(Identity, Identity.member_id == Member.id).where(Identity.user_id == handle)
        )


async def _build_a_life(db: Database, clock: Clock, chat: Chat, assistant: Assistant) -> int:
    """A member with a profile, an RSVP, a follow, an introduction, a post, an audit entry and a feed."""
    await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    ingrid = await add_member(db, clock.now, "Ingrid Nilsen", handle="ingrid", share_contact=True)
    event_id = await add_event(
        db, clock.now, "Learning visit Porto", starts_in=timedelta(days=10), capacity=1
    )
    opportunity_id = await add_opportunity(db, clock.now, "Interreg circular call")
    await chat.say("/start")
    for answer in ONBOARDING:
        await chat.say(answer)
    for line in (f"/profile set bio {BIO}", f"/profile set email {EMAIL}", "/profile set contact yes"):
        await chat.say(line)
    await chat.say(f"/going {event_id}")
    await Chat(assistant, "waiting").say(f"/going {event_id}")
    await chat.say(f"/follow {opportunity_id}")
    await chat.say(f"/introduce {ingrid}")
    await Chat(assistant, "ingrid").say(f"/intro accept {await _introduction_id(db)}")
    await chat.say('/post kind=partner_search title="Weaver for a natural-dye pilot" tags=dyeing')
    await chat.say("/calendar")
    member = await _member_of(db, HANDLE)
    assert member is not None and member.name == NAME
    async with db.transaction() as session:
        # One message to Ingrid went out already; the other still waits.
        first = select(OutboxMessage.id).where(OutboxMessage.member_id == ingrid).limit(1).scalar_subquery()
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == first).values(status="sent"))
        session.add(
            AuditEntry(
                actor_id=member.id,
                actor_name=NAME,
                action="announce",
                detail=f"{NAME} announced the Porto visit",
                segment="cluster:Tèxtil Innova",
                created_at=clock.now,
            )
        )
    return member.id


async def test_after_forget_the_member_occurs_nowhere_in_the_database_file(
    tmp_path: Path, sqlite_template: Path, clock: Clock
) -> None:
    path = tmp_path / "forget.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    assistant = Assistant(db, build_router(), build_flows(), options=Options(), clock=clock)
    chat = Chat(assistant, HANDLE)
    member_id = await _build_a_life(db, clock, chat, assistant)

    assert NAME.encode() in path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    assert "Erase your data?" in await chat.say("/forget")
    assert [label for label, _ in chat.buttons] == ["Erase my data", "Keep"]
    assert "your data is erased" in await chat.tap("Erase my data")

    async with db.transaction() as session:
        erased = await session.get(Member, member_id)
        assert erased is not None and erased.name == "former member" and not erased.listed
        posted = await session.scalar(select(Opportunity).where(Opportunity.posted_by == member_id))
        assert posted is not None and posted.title == "Weaver for a natural-dye pilot"
        erasure = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
        assert erasure is not None and erasure.actor_name == "former member"
        promoted = await session.scalar(
            select(Rsvp.status).join(Identity, Identity.member_id == Rsvp.member_id)
        )
        assert promoted == "going"  # the waitlisted member got the freed place
    await db.close()

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    content = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for personal in (NAME, "Zoraida", HANDLE, EMAIL, BIO, "Zinc-free dyeing"):
        assert personal.encode() not in content, personal


async def test_the_next_message_after_forget_is_from_a_new_person(db: Database, chat_as) -> None:
    chat = chat_as(HANDLE)
    await chat.say("/profile set name Zoraida")
    before = await _member_of(db, HANDLE)
    await chat.say("/forget")
    await chat.tap("Erase my data")
    assert "What is your name?" in await chat.say("/start")
    after = await _member_of(db, HANDLE)
    assert before is not None and after is not None
    assert after.id != before.id and not after.onboarded and after.name == HANDLE


async def test_mydata_holds_profile_accounts_answers_follows_introductions_and_messages(
    db: Database, clock: Clock, chat_as
) -> None:
    cluster = await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean"])
    await add_member(
        db,
        clock.now,
        "Ola Nordmann",
        cluster_id=cluster,
        organisation="Subsea AS",
        handle="ola",
        bio="Subsea",
    )
    target = await add_member(db, clock.now, "Ingrid Nilsen", handle="ingrid")
    event_id = await add_event(db, clock.now, "Offshore wind B2B", starts_in=timedelta(days=3))
    opportunity_id = await add_opportunity(db, clock.now, "Tender: mooring sensors")
    chat = chat_as("ola")
    await chat.say(f"/going {event_id}")
    await chat.say(f"/follow {opportunity_id}")
    await chat.say(f"/introduce {target}")
    await chat_as("ingrid").say(f"/intro accept {await _introduction_id(db)}")

    await chat.say("/mydata")
    attachment = chat.last[0].attachment
    assert attachment is not None and attachment.filename == "clusterbot-mydata.json"
    data = json.loads(attachment.content)
    profile = data["profile"]
    assert (profile["name"], profile["bio"], profile["organisation"]) == (
        "Ola Nordmann",
        "Subsea",
        "Subsea AS",
    )
    assert profile["cluster"] == "Ocean Tech Bergen"
    assert [(i["platform"], i["user_id"]) for i in data["identities"]] == [("console", "ola")]
    assert [(r["title"], r["status"]) for r in data["rsvps"]] == [("Offshore wind B2B", "going")]
    assert [f["title"] for f in data["follows"]] == ["Tender: mooring sensors"]
    introduction = data["introductions"][0]
    assert (introduction["role"], introduction["status"]) == ("requester", "accepted")
    assert introduction["other_member"]["name"] == "Ingrid Nilsen"
    assert [m["cause"] for m in data["messages"]] == [f"intro:{await _introduction_id(db)}:contact"]
    assert data["messages"][0]["status"] == "pending" and data["link_codes"] == 0


def test_every_table_with_a_member_key_says_what_privacy_does_with_it() -> None:
    """A new table that points at members must say how `mydata` exports it and `forget` erases it,
    or why there is nothing to: otherwise a feature could hold personal data that never leaves.
    It says so in store.privacy's registry or with its own `__personal__` in store/models.py."""
    pointing = {
        mapper.class_
        for mapper in Base.registry.mappers
        if any(fk.column.table.name == "members" for fk in mapper.local_table.foreign_keys)
    }
    assert pointing - set(ALL_PERSONAL) - set(ALL_NOT_PERSONAL) == set()
    assert set(ALL_PERSONAL) & set(ALL_NOT_PERSONAL) == set()
    assert all(reason.strip() for reason in ALL_NOT_PERSONAL.values())
    assert all(model.__personal__ is None for model in PERSONAL), "a table is declared twice"


async def test_a_declared_table_is_exported_and_erased_as_its_declaration_says(
    db: Database, clock: Clock
) -> None:
    """`PersonalData` on a model: rows where an owner column is the member are exported whole, then
    deleted or kept with their personal text blanked; other members' rows are left alone."""
    ola = await add_member(db, clock.now, "Ola Nordmann")
    ingrid = await add_member(db, clock.now, "Ingrid Nilsen")
    bo = await add_member(db, clock.now, "Bo Berg")
    async with db.transaction() as session:
        for requester, target, reason in (
            (ola, ingrid, "Both in subsea"),
            (bo, ola, "Moorings"),
            (bo, ingrid, "Dyes"),
        ):
            session.add(
                Introduction(requester_id=requester, target_id=target, reason=reason, created_at=clock.now)
            )
    anonymised = declared(
        Introduction, PersonalData("intros", ("requester_id", "target_id"), "anonymise", ("reason",))
    )
    deleted = declared(Introduction, PersonalData("intros", ("requester_id", "target_id")))
    assert anonymised.text and not deleted.text
    async with db.transaction() as session:
        privacy, member = Privacy(session), await session.get(Member, ola)
        assert member is not None and anonymised.export is not None and anonymised.erase is not None
        exported = await anonymised.export(privacy, member)
        assert [(i["requester_id"], i["target_id"], i["reason"]) for i in exported] == [
            (ola, ingrid, "Both in subsea"),
            (bo, ola, "Moorings"),
        ]
        assert exported[0]["created_at"] == clock.now.isoformat()
        json.dumps(exported)
        await anonymised.erase(privacy, member, clock.now)
    async with db.transaction() as session:
        reasons = (await session.scalars(select(Introduction.reason).order_by(Introduction.id))).all()
        assert reasons == ["", "", "Dyes"]
        member = await session.get(Member, ola)
        assert member is not None and deleted.erase is not None
        await deleted.erase(Privacy(session), member, clock.now)
    async with db.transaction() as session:
        left = (await session.execute(select(Introduction.requester_id, Introduction.target_id))).all()
        assert left == [(bo, ingrid)]
