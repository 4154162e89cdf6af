"""One object per transaction that gives handlers, adapters and jobs every query they may run.

Nothing outside store/ holds a session: `store_transaction` opens one and hands out the `Store`
around it (tests/test_architecture.py keeps it that way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from store.announcements import Announcements
from store.audit import Audit
from store.buttons import Buttons
from store.calendars import Calendars
from store.chat_places import Places
from store.checkbacks import Checkbacks
from store.confirmations import Confirmations
from store.conversations import Conversations
from store.db import Database
from store.directory import Directory, DirectoryIndex
from store.events import Events
from store.exporting import Exports
from store.follows import Follows
from store.importing import Importer, Row
from store.introductions import Introductions
from store.invitations import Invitations
from store.jobs import JobLeases
from store.linking import Linking
from store.meetings import Meetings
from store.opportunities import Opportunities
from store.opportunity_interests import OpportunityInterests
from store.outbox import Delivery, Outbox, SendBudgets
from store.outcomes import Outcomes
from store.people import People
from store.privacy import Privacy
from store.reminders import Reminders
from store.replays import SeenRequests
from store.reports import Reports
from store.resolver import Resolver
from store.retention import Retention
from store.roles import Roles
from store.schedules import Schedules
from store.slack_installs import SlackInstalls
from store.synergy import Synergy


class Store:
    def __init__(self, session: AsyncSession, directory: DirectoryIndex | None = None) -> None:
        self._session = session
        self.people = People(session)
        self.events = Events(session)
        self.opportunities = Opportunities(session)
        self.interests = OpportunityInterests(session)
        self.conversations = Conversations(session)
        self.outbox = Outbox(session)
        self.delivery = Delivery(session)
        self.send_budget = SendBudgets(session)
        self.buttons = Buttons(session)
        self.confirmations = Confirmations(session)
        self.follows = Follows(session)
        self.privacy = Privacy(session)
        self.calendars = Calendars(session)
        self.invitations = Invitations(session)
        self.introductions = Introductions(session)
        self.reports = Reports(session)
        self.announcements = Announcements(session)
        self.places = Places(session)
        self.linking = Linking(session)
        self.audit = Audit(session)
        self.roles = Roles(session)
        self.seen = SeenRequests(session)
        self.slack_installs = SlackInstalls(session)
        self.resolver = Resolver(session)
        self.meetings = Meetings(session)
        self.schedules = Schedules(session)
        self.checkbacks = Checkbacks(session)
        self.outcomes = Outcomes(session)
        self.directory = Directory(session, directory)
        self.jobs = JobLeases(session)
        self.retention = Retention(session)
        self.reminders = Reminders(session)
        self.synergy = Synergy(session)
        self.exports = Exports(session)

    async def import_rows(self, importer: Importer, rows: Sequence[tuple[int, Row]]) -> None:
        """One batch of an import file, in this transaction; `importer` keeps the tally across batches."""
        await importer.take(self._session, rows)


@asynccontextmanager
async def store_transaction(
    db: Database, directory: DirectoryIndex | None = None, *, writes: bool = True
) -> AsyncIterator[Store]:
    """The one way in for adapters, jobs and commands alike: a `Store` over one transaction.

    `directory` is the process's shared search index; without one, a search builds its own.
    `writes=False` gives a read transaction (see `Database.transaction`).
    """
    async with db.transaction(writes=writes) as session:
        yield Store(session, directory)
