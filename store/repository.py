"""One object per transaction that gives handlers every query they may run."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.announcements import Announcements
from store.audit import Audit, Roles
from store.buttons import Buttons
from store.confirmations import Confirmations
from store.conversations import Conversations
from store.events import Events
from store.importing import Invitations
from store.linking import Linking
from store.opportunities import Follows, Opportunities
from store.outbox import Outbox
from store.people import People
from store.privacy import Calendars, Privacy
from store.replays import SeenRequests
from store.resolver import Resolver
from store.synergy import Introductions


class Store:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.people = People(session)
        self.events = Events(session)
        self.opportunities = Opportunities(session)
        self.conversations = Conversations(session)
        self.outbox = Outbox(session)
        self.buttons = Buttons(session)
        self.confirmations = Confirmations(session)
        self.follows = Follows(session)
        self.privacy = Privacy(session)
        self.calendars = Calendars(session)
        self.invitations = Invitations(session)
        self.announcements = Announcements(session)
        self.linking = Linking(session)
        self.audit = Audit(session)
        self.roles = Roles(session)
        self.seen = SeenRequests(session)
        self.resolver = Resolver(session)
        self.introductions = Introductions(session)
