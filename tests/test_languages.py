"""Members read ClusterBot in their own language: their `lang` choice, else their app's, else English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from bot.telegram import TelegramAdapter
from bot.wiring import build_notifier
from core.types import Incoming
from handlers.engine.assistant import Assistant
from scheduler.jobs import queue_event_reminders
from scheduler.service import Scheduler
from store.db import Database
from tests.conftest import Clock
from tests.factories import add_event, add_member, queued_messages
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit


async def test_a_member_who_chose_catalan_gets_help_events_and_errors_in_catalan(
    db: Database, clock: Clock, chat_as
) -> None:
    await add_event(db, clock.now, "Visita a Terrassa", starts_in=timedelta(days=3), kind="learning_visit")
    laia = chat_as("laia")

    assert "A partir d'ara t'escric en català." in await laia.say("/lang ca")
    help_text = await laia.say("/help")
    assert "Què puc fer" in help_text
    assert "/find TEXT [in:LLOC] — troba membres pel que fan, on són o qui són" in help_text
    events = await laia.say("/events")
    assert "Esdeveniments propers" in events
    assert "dj. 26 de nov. 2026, 10:00 CET–12:00" in events and "visita d'aprenentatge" in events
    refused = await laia.say("/notgoing")
    assert refused == "Quin esdeveniment? Indica'n el número.\nÚs: /notgoing NÚMERO\nExemple: /notgoing 3"
    assert await laia.say("/going") == (
        "No vas a cap esdeveniment proper. Mira què hi ha amb /events.\n[Esdeveniments propers → /events]"
    )


async def test_lang_shows_the_current_language_with_buttons_for_the_others(chat_as) -> None:
    joan = chat_as("joan")

    assert "I write to you in English." in await joan.say("/lang")
    assert ("Català", "/lang ca") in joan.buttons and ("English", "/lang en") not in joan.buttons
    assert "Choose one of: en, ca, es, fr, pt." in await joan.say("/lang xx")


async def test_a_telegram_user_whose_app_is_in_french_gets_french(assistant: Assistant) -> None:
    def from_marie(text: str) -> Incoming:
        return Incoming("telegram", "2001", "2001", text=text, display_name="Marie", language_code="fr")

    [welcome] = await assistant.respond(from_marie("/start"))
    assert "Bienvenue sur ClusterBot !" in welcome.plain_text
    assert "Comment vous appelez-vous ?" in welcome.plain_text
    [stopped] = await assistant.respond(from_marie("cancel"))
    assert stopped.plain_text == "Arrêté. Rien n'a été enregistré de cette conversation."
    [english] = await assistant.respond(from_marie("/lang en"))
    assert english.plain_text == "From now on I write to you in English."
    [events] = await assistant.respond(from_marie("/events"))
    assert events.plain_text.startswith("No upcoming events."), "her own choice wins over her app"


async def test_a_reminder_is_written_in_the_recipients_language(db: Database, clock: Clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "Sessão B2B Porto", starts_in=timedelta(days=3))
    await chat_as("ana").say(f"/going {event_id}")
    pia = chat_as("pia")
    await pia.say("/lang pt")
    await pia.say(f"/going {event_id}")

    clock.advance(days=2)
    assert await queue_event_reminders(db, clock.now) == 2
    messages = sorted(await queued_messages(db), key=lambda m: m.member_id)
    texts = [m.text for m in messages]
    buttons = [[label for label, _ in m.buttons] for m in messages]
    assert texts[0].startswith("⏰ Reminder: Sessão B2B Porto — Thu 26 Nov 2026, 10:00 CET")
    assert texts[1].startswith("⏰ Lembrete: Sessão B2B Porto — quinta 26 nov. 2026, 10:00 CET")
    assert buttons == [["Details", "Can't go"], ["Detalhes", "Não posso ir"]]


async def test_the_scheduler_speaks_clusterbot_language_to_members_who_chose_none(
    db: Database, clock: Clock, chat_as
) -> None:
    """CLUSTERBOT_LANGUAGE=fr: reminders, synergy alerts and digests for members with no language
    of their own are in French, like their replies (the scheduler once wrote them in English)."""
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 09:00 in Lisbon: digest time
    clock.now = monday - timedelta(days=2)
    lisbon = {"timezone": "Europe/Lisbon"}
    joan = await add_member(db, clock.now, "Joan", seeks="a finishing house for dyeing trials", **lisbon)
    await add_member(db, clock.now, "Marta", offers="finishing and dyeing trials on our line", **lisbon)
    event_id = await add_event(db, clock.now, "Techtextil", starts_in=timedelta(days=2, minutes=30))
    await chat_as("ana").say(f"/going {event_id}")
    settings = Settings(default_language="fr")
    scheduler = Scheduler(db, {}, {}, notifier=build_notifier(settings), clock=lambda: clock.now)

    clock.now = monday
    for job in scheduler.periodic_jobs:
        assert await scheduler.run_leased(job.name, job.job, job.every)
    texts = [message.text for message in await queued_messages(db)]
    assert any(text.startswith("⏰ Rappel : Techtextil") for text in texts), texts
    assert any(text.startswith("🤝 Quelqu'un avec qui collaborer") for text in texts), texts
    assert any(text.startswith("🗞 Votre semaine dans le réseau (2026-W48)") for text in texts), texts
    joans = await queued_messages(db, joan)
    assert ("Présentez-moi", joans[0].buttons[0][1]) == joans[0].buttons[0]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(per_chat=RateLimit(1, 0.02), overall=RateLimit(30, 0.02)) as fake:
        yield fake


async def test_the_telegram_menu_is_published_in_every_language(
    telegram: FakeTelegram, assistant: Assistant, db: Database
) -> None:
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url)
    adapter = TelegramAdapter(settings, assistant, db)
    adapter.poll_timeout = 0.5
    await adapter.start()
    await adapter.stop()

    menus = {call.get("language_code"): call["commands"] for call in telegram.called("setMyCommands")}
    assert set(menus) == {None, "ca", "es", "fr", "pt"}
    summaries = {code: {c["command"]: c["description"] for c in menu} for code, menu in menus.items()}
    assert summaries[None]["find"] == "find members by what they do, where, or who they are"
    assert summaries["fr"]["find"] == "trouver des membres par ce qu'ils font, où ils sont ou qui ils sont"
    assert summaries["pt"]["lang"].startswith("o idioma em que lhe escrevo")
    assert all(menu.keys() == summaries[None].keys() for menu in summaries.values()), "the words stay English"
