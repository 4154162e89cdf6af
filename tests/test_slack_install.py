"""Several Slack workspaces: installed through bolt's real OAuth flow against the fake Slack, each
workspace's members served with its own bot token, in replies and in the outbox; a workspace that
removes the app stops getting messages, and nobody else notices."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
import yaml
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from bot.cli import _invite
from bot.http import HttpServer
from bot.logs import CHATTY_LIBRARIES, configure_logging
from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.slack_oauth import SCOPES
from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Identity, Member, OutboxMessage, SlackInstallation, SlackOAuthState
from store.repository import Store
from tests.conftest import Chat, Clock
from tests.factories import make_coordinator, queued_messages
from tests.fakes.slack_api import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    TEAM_ID,
    TOKEN,
    FakeSlackApi,
    SlackSender,
)
from tests.test_import import run_import
from tests.test_outbox import worker

TEXCAT, CITEVE = "T0TEXCAT", "T0CITEVE"
NURIA, RUI, LAIA, INES = "U0NURIA", "U0RUI", "U0LAIA", "U0INES"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class World:
    api: FakeSlackApi
    slack: SlackSender
    http: HttpServer
    adapter: SlackAdapter
    db: Database
    clock: Clock


async def world_with(
    db: Database, assistant: Assistant, clock: Clock, *, bot_token: str, oauth: bool = True
) -> AsyncIterator[World]:
    async with FakeSlackApi() as api:
        api.add_user(NURIA, "Núria Soler", locale="en-GB", team=TEXCAT)
        api.add_user(RUI, "Rui Costa", locale="en-GB", team=CITEVE)
        api.add_user(LAIA, "Laia Puig", locale="en-GB")
        settings = Settings(
            slack_bot_token=bot_token,
            slack_signing_secret=SIGNING_SECRET,
            slack_client_id=CLIENT_ID if oauth else "",
            slack_client_secret=CLIENT_SECRET if oauth else "",
            slack_app_token="",
            slack_api_base_url=api.base_url,
        )
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        adapter = SlackAdapter(settings, assistant, db, http)
        await http.start()
        await adapter.start()
        yield World(api, SlackSender(f"{http.url}/slack/events"), http, adapter, db, clock)
        await adapter.stop()
        await http.stop()


@pytest.fixture
async def world(db: Database, assistant: Assistant, clock: Clock) -> AsyncIterator[World]:
    """Installable only through OAuth: no SLACK_BOT_TOKEN."""
    async for found in world_with(db, assistant, clock, bot_token=""):
        yield found


@pytest.fixture
async def world_with_default(db: Database, assistant: Assistant, clock: Clock) -> AsyncIterator[World]:
    """SLACK_BOT_TOKEN for the test workspace, and installable in others."""
    async for found in world_with(db, assistant, clock, bot_token=TOKEN):
        yield found


@pytest.fixture
async def single_workspace(db: Database, assistant: Assistant, clock: Clock) -> AsyncIterator[World]:
    """SLACK_BOT_TOKEN and no OAuth credentials: the setup before several workspaces."""
    async for found in world_with(db, assistant, clock, bot_token=TOKEN, oauth=False):
        yield found


async def open_install_page(world: World) -> tuple[str, str]:
    """GET /slack/install as a browser: the state bolt set in its cookie, and the page."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser,
        browser.get(f"{world.http.url}/slack/install") as page,
    ):
        assert page.status == 200
        cookie = SimpleCookie()
        for header in page.headers.getall("Set-Cookie"):
            cookie.load(header)
        return cookie["slack-app-oauth-state"].value, await page.text()


async def come_back(world: World, code: str, state: str, cookie: str | None) -> tuple[int, str]:
    """Slack sends the installer's browser to /slack/oauth_redirect with the code and the state."""
    headers = {"Cookie": f"slack-app-oauth-state={cookie}"} if cookie is not None else {}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser,
        browser.get(
            f"{world.http.url}/slack/oauth_redirect", params={"code": code, "state": state}, headers=headers
        ) as answer,
    ):
        return answer.status, await answer.text()


async def install(world: World, team: str, name: str) -> str:
    """The whole flow for one workspace; returns the bot token Slack gave it."""
    code = world.api.add_workspace(team, name)
    state, _ = await open_install_page(world)
    status, _ = await come_back(world, code, state, state)
    assert status == 200
    async with world.db.transaction() as session:
        installation = await session.scalar(
            select(SlackInstallation).where(SlackInstallation.team_id == team)
        )
    assert installation is not None and installation.revoked_at is None
    return installation.bot_token


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """bolt answers Slack first and works after: wait for the work's effect in the database."""
    async with asyncio.timeout(5):
        while not await condition():  # noqa: ASYNC110 - the store, not an event
            await asyncio.sleep(0.01)


async def identities(db: Database) -> dict[str, bool]:
    """Every Slack identity and whether it is unreachable."""
    async with db.transaction() as session:
        found = await session.execute(
            select(Identity.user_id, Identity.unreachable).where(Identity.platform == "slack")
        )
        return {user_id: bool(unreachable) for user_id, unreachable in found.all()}


async def identities_say(world: World, user_id: str, *, unreachable: bool) -> bool:
    return (await identities(world.db)).get(user_id) is unreachable


async def say_hello(world: World, user: str, team: str) -> None:
    """The person writes to the bot in their workspace and gets the answer in their DM."""
    before = len(world.api.dm_messages(user))
    await world.slack.dm(user, "help", team=team)
    await world.api.wait_for(lambda: len(world.api.dm_messages(user)) > before)


async def announce(world: World, coordinator: Chat, text: str) -> None:
    """The coordinator (in the console) announces to everyone; the outbox worker drains it."""
    await coordinator.say(f"/announce everyone {text}")
    [send] = [payload for label, payload in coordinator.buttons if label.startswith("Send to")]
    assert "Queued announcement" in await coordinator.press(send)
    await worker(world.db, world.clock, world.adapter).drain_once()  # type: ignore[arg-type]


def received(world: World, user: str, text: str) -> list[str]:
    """The tokens each message with `text` reached `user`'s DM with."""
    return [
        token for channel, token, sent in world.api.posted_with() if channel == f"D{user}" and text in sent
    ]


async def test_two_workspaces_install_through_the_oauth_flow_and_each_answers_with_its_own_token(
    world: World,
) -> None:
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")
    citeve_token = await install(world, CITEVE, "CITEVE")

    assert texcat_token != citeve_token
    assert len(world.api.calls_to("oauth.v2.access")) == 2
    await say_hello(world, NURIA, TEXCAT)
    await say_hello(world, RUI, CITEVE)

    assert {channel: token for channel, token, _ in world.api.posted_with()} == {
        f"D{NURIA}": texcat_token,
        f"D{RUI}": citeve_token,
    }
    assert await identities(world.db) == {f"{TEXCAT}:{NURIA}": False, f"{CITEVE}:{RUI}": False}


async def test_the_install_page_asks_for_the_manifests_scopes_with_a_state_of_its_own(world: World) -> None:
    state, page = await open_install_page(world)

    link = next(part for part in page.split('"') if part.startswith("https://slack.com/oauth/v2/authorize"))
    asked = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert asked["client_id"] == [CLIENT_ID] and asked["state"] == [state]
    assert asked["scope"] == [",".join(SCOPES)]
    async with world.db.transaction() as session:
        assert await session.scalar(select(SlackOAuthState.state)) == state


async def test_a_state_works_once_and_only_in_the_browser_that_was_given_it(world: World) -> None:
    code = world.api.add_workspace(TEXCAT, "TEXCAT cluster")
    state, _ = await open_install_page(world)

    assert (await come_back(world, code, state, cookie=None))[0] == 400  # another browser
    assert (await come_back(world, code, "forged", cookie="forged"))[0] == 401  # a state never issued
    assert world.api.calls_to("oauth.v2.access") == []
    assert (await come_back(world, code, state, cookie=state))[0] == 200
    assert (await come_back(world, code, state, cookie=state))[0] == 401  # the same state again

    async with world.db.transaction() as session:
        assert len((await session.scalars(select(SlackInstallation))).all()) == 1


async def test_a_state_older_than_ten_minutes_installs_nothing(world: World) -> None:
    code = world.api.add_workspace(TEXCAT, "TEXCAT cluster")
    state, _ = await open_install_page(world)
    world.clock.advance(minutes=11)

    assert (await come_back(world, code, state, cookie=state))[0] == 401
    assert world.api.calls_to("oauth.v2.access") == []


async def test_an_org_wide_install_is_refused_with_nothing_stored(world: World) -> None:
    code = world.api.add_workspace(TEXCAT, "TEXCAT group", org_wide=True)
    state, _ = await open_install_page(world)

    status, _ = await come_back(world, code, state, cookie=state)

    assert status == 500  # bolt's failure page (storage_error)
    async with world.db.transaction() as session:
        assert (await session.scalars(select(SlackInstallation))).all() == []


async def test_mydata_of_a_member_of_an_installed_workspace_holds_no_token(world: World) -> None:
    token = await install(world, TEXCAT, "TEXCAT cluster")
    await say_hello(world, NURIA, TEXCAT)

    async with world.db.transaction() as session:
        member = await session.scalar(
            select(Member).join(Identity).where(Identity.user_id == f"{TEXCAT}:{NURIA}")
        )
        assert member is not None
        exported = await Store(session).privacy.export(member)

    assert f"{TEXCAT}:{NURIA}" in repr(exported) and token not in repr(exported)


async def test_one_announcement_reaches_both_workspaces_each_with_its_own_token_until_one_uninstalls(
    world: World, chat_as: Callable[[str], Chat]
) -> None:
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")
    citeve_token = await install(world, CITEVE, "CITEVE")
    await say_hello(world, NURIA, TEXCAT)
    await say_hello(world, RUI, CITEVE)
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(world.db, "coord")

    await announce(world, coordinator, "The partnership meets in Porto on 12 March.")

    assert received(world, NURIA, "Porto on 12 March") == [texcat_token]
    assert received(world, RUI, "Porto on 12 March") == [citeve_token]

    # CITEVE removes the app: Slack revokes its token and tells us.
    posted_before = len(world.api.posted_with())
    world.api.uninstall(CITEVE)
    status, _ = await world.slack.event({"type": "app_uninstalled"}, team=CITEVE)
    assert status == 200
    await until(lambda: identities_say(world, f"{CITEVE}:{RUI}", unreachable=True))
    await announce(world, coordinator, "Agenda for Porto attached.")

    assert received(world, NURIA, "Agenda for Porto") == [texcat_token]
    assert received(world, RUI, "Agenda for Porto") == []
    assert citeve_token not in {token for _, token, _ in world.api.posted_with()[posted_before:]}
    async with world.db.transaction() as session:
        outcomes = [
            tuple(row) for row in await session.execute(select(OutboxMessage.cause, OutboxMessage.status))
        ]
        assert ("announce:2", "unreachable") in outcomes and ("announce:2", "sent") in outcomes
        assert not {status for _, status in outcomes} & {"pending", "failed", "sending"}
        rui = await session.scalar(select(Member).join(Identity).where(Identity.user_id == f"{CITEVE}:{RUI}"))
        assert rui is not None and rui.name == "Rui Costa"  # his data stays
        assert (
            await session.scalar(
                select(SlackInstallation.bot_token).where(SlackInstallation.team_id == CITEVE)
            )
        ) == ""

    # CITEVE installs again: Rui is reachable, with the new token.
    new_token = await install(world, CITEVE, "CITEVE")
    assert (await identities(world.db))[f"{CITEVE}:{RUI}"] is False
    await announce(world, coordinator, "Porto: the venue has changed.")
    assert received(world, RUI, "the venue has changed") == [new_token]


async def test_a_token_slack_calls_revoked_stops_that_workspace_even_before_the_event_comes(
    world: World, chat_as: Callable[[str], Chat]
) -> None:
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")
    await install(world, CITEVE, "CITEVE")
    await say_hello(world, NURIA, TEXCAT)
    await say_hello(world, RUI, CITEVE)
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(world.db, "coord")
    world.api.uninstall(CITEVE)  # and the app_uninstalled event is late

    await announce(world, coordinator, "The partnership meets in Porto on 12 March.")

    assert received(world, NURIA, "Porto on 12 March") == [texcat_token]
    async with world.db.transaction() as session:
        rui = await session.scalar(
            select(OutboxMessage.status)
            .join(Identity, Identity.member_id == OutboxMessage.member_id)
            .where(Identity.user_id == f"{CITEVE}:{RUI}")
        )
        assert rui == "unreachable"
        assert (
            await session.scalar(
                select(SlackInstallation.revoked_at).where(SlackInstallation.team_id == CITEVE)
            )
            is not None
        )
    assert (await identities(world.db))[f"{CITEVE}:{RUI}"] is True


async def test_a_revoked_bot_token_is_an_uninstall_and_a_revoked_user_token_is_not(world: World) -> None:
    await install(world, TEXCAT, "TEXCAT cluster")
    await say_hello(world, NURIA, TEXCAT)

    await world.slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN"]}}, team=TEXCAT)
    await world.slack.event({"type": "tokens_revoked", "tokens": {"bot": [f"U0BOT{TEXCAT}"]}}, team=TEXCAT)

    await until(lambda: identities_say(world, f"{TEXCAT}:{NURIA}", unreachable=True))
    async with world.db.transaction() as session:
        assert await session.scalar(select(SlackInstallation.revoked_at)) is not None


async def test_slack_bot_token_keeps_serving_its_own_workspace_beside_the_installed_ones(
    world_with_default: World,
) -> None:
    world = world_with_default
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")

    await say_hello(world, LAIA, TEAM_ID)
    await say_hello(world, NURIA, TEXCAT)

    assert {channel: token for channel, token, _ in world.api.posted_with()} == {
        f"D{LAIA}": TOKEN,
        f"D{NURIA}": texcat_token,
    }
    async with world.db.transaction() as session:
        installed = (await session.scalars(select(SlackInstallation.team_id))).all()
    assert installed == [TEXCAT]  # SLACK_BOT_TOKEN is configuration, never copied into the database


async def test_one_workspace_on_slack_bot_token_is_not_installable_and_still_hears_app_uninstalled(
    single_workspace: World,
) -> None:
    world = single_workspace
    await say_hello(world, LAIA, TEAM_ID)
    async with aiohttp.ClientSession() as browser, browser.get(f"{world.http.url}/slack/install") as page:
        assert page.status == 404

    await world.slack.event({"type": "app_uninstalled"}, team=TEAM_ID)

    await until(lambda: identities_say(world, f"{TEAM_ID}:{LAIA}", unreachable=True))


async def test_a_slack_connect_guest_is_one_person_of_the_workspace_that_serves_them(world: World) -> None:
    """Rui (CITEVE) in a TEXCAT channel shared with CITEVE: his command and his button press both
    reach TEXCAT's installation and make one identity, TEXCAT:RUI, answered with TEXCAT's token."""
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")
    response_url = world.api.response_url()
    await world.slack.slash(RUI, "help", response_url, channel="C0SHARED", team=TEXCAT)
    await world.api.wait_for(lambda: world.api.responses)

    button = {"type": "button", "action_id": "cb_0", "text": {"type": "plain_text", "text": "Help"}}
    await world.slack.click(
        RUI,
        {**button, "value": "/help"},
        container={"type": "message", "is_ephemeral": True, "channel_id": "C0SHARED"},
        channel={"id": "C0SHARED"},
        response_url=response_url,
        team=TEXCAT,
        user_team=CITEVE,
    )
    await world.api.wait_for(lambda: len(world.api.responses) == 2)

    assert await identities(world.db) == {f"{TEXCAT}:{RUI}": False}
    assert set(world.api.tokens_used("users.info")) <= {texcat_token}


async def import_and_invite(world: World, tmp_path: Path) -> str:
    """`clusterbot import members --invite-slack` of Inês and of Pau, who is in no workspace: the
    invitation token of Inês."""
    path = tmp_path / "members.csv"
    path.write_text(
        "name,email\nInês Costa,ines@avetex.example\nPau Vila,pau@nowhere.example\n", encoding="utf-8"
    )
    outcome = await run_import(world.db, "members", path, world.clock.now)
    await _invite(world.adapter.settings, world.db, path, outcome.invitations, slack=True)
    return outcome.invitations[0].token


def lookups(world: World) -> list[str]:
    """The tokens of every users.lookupByEmail call, answered or refused, in order."""
    return [call.token for call in world.api.calls if call.method == "users.lookupByEmail"]


async def texcat_then_citeve_with_ines(world: World) -> tuple[str, str]:
    """TEXCAT installs, then CITEVE, where Inês works: their tokens."""
    texcat_token = await install(world, TEXCAT, "TEXCAT cluster")
    world.clock.advance(minutes=1)
    citeve_token = await install(world, CITEVE, "CITEVE")
    world.api.add_user(INES, "Inês Costa", email="Ines@Avetex.example", team=CITEVE)
    return texcat_token, citeve_token


async def test_an_import_invites_a_member_of_the_second_installed_workspace_with_its_own_token(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texcat_token, citeve_token = await texcat_then_citeve_with_ines(world)

    token = await import_and_invite(world, tmp_path)

    out = capsys.readouterr().out
    assert "queued an invitation DM for 1 members" in out and "1 e-mail addresses are in no" in out
    assert lookups(world) == [texcat_token, citeve_token, texcat_token, citeve_token]
    [row] = await queued_messages(world.db)
    assert row.cause == f"invite:{token}" and row.buttons == [("Connect my profile", f"/start {token}")]
    world.clock.now = datetime.now(UTC)  # `clusterbot run` after the CLI, which queued at this time
    await worker(world.db, world.clock, world.adapter).drain_once()  # type: ignore[arg-type]
    assert received(world, INES, "Inês Costa") == [citeve_token]
    async with world.db.transaction() as session:
        assert await session.scalar(select(OutboxMessage.status)) == "sent"
        assert await session.scalar(select(Identity.user_id)) == f"{CITEVE}:{INES}"


async def test_a_workspace_refusing_the_look_up_is_named_and_the_others_are_still_searched(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texcat_token, citeve_token = await texcat_then_citeve_with_ines(world)
    world.api.refuse_in(TEXCAT, "users.lookupByEmail", "missing_scope")

    token = await import_and_invite(world, tmp_path)

    printed = capsys.readouterr()
    assert "queued an invitation DM for 1 members" in printed.out
    assert printed.err.splitlines() == [
        f"Slack workspace {TEXCAT} (TEXCAT cluster) could not be searched: missing_scope."
    ]
    assert lookups(world) == [texcat_token, citeve_token, citeve_token]  # asked once, not per member
    assert [row.cause for row in await queued_messages(world.db)] == [f"invite:{token}"]


async def test_an_import_looks_in_slack_bot_tokens_workspace_first_then_in_the_installed_ones(
    world_with_default: World, tmp_path: Path
) -> None:
    world = world_with_default
    citeve_token = await install(world, CITEVE, "CITEVE")
    world.api.add_user(INES, "Inês Costa", email="ines@avetex.example", team=CITEVE)

    token = await import_and_invite(world, tmp_path)

    assert lookups(world) == [TOKEN, citeve_token, TOKEN, citeve_token]
    assert [row.cause for row in await queued_messages(world.db)] == [f"invite:{token}"]


async def test_without_a_token_or_an_install_the_import_says_slack_is_not_configured(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await import_and_invite(world, tmp_path)

    assert "Slack is not configured" in capsys.readouterr().out
    assert lookups(world) == [] and await queued_messages(world.db) == []


async def test_no_token_reaches_the_logs_even_at_debug(world: World) -> None:
    """The logging `clusterbot run` installs: slack_sdk logs oauth.v2.access's answer at DEBUG,
    token and all, so it is held at WARNING, and anything shaped like a token is masked."""
    levels = {name: logging.getLogger(name).level for name in ("", *CHATTY_LIBRARIES)}
    buffer = io.StringIO()
    settings = world.adapter.settings.model_copy(update={"log_level": "DEBUG"})
    handler = configure_logging(settings, stream=buffer)
    try:
        token = await install(world, TEXCAT, "TEXCAT cluster")
        await say_hello(world, NURIA, TEXCAT)
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)

    assert f"Slack workspace {TEXCAT} installed ClusterBot" in buffer.getvalue()
    assert token not in buffer.getvalue() and CLIENT_SECRET not in buffer.getvalue()


def test_the_manifest_asks_for_what_the_install_asks_for_and_has_the_oauth_redirect() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))

    assert manifest["oauth_config"]["scopes"]["bot"] == list(SCOPES)
    assert "im:read" not in SCOPES
    assert manifest["oauth_config"]["redirect_urls"] == ["https://YOUR-HOST/slack/oauth_redirect"]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
