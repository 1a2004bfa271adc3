"""The life of campaign contacts under random orders of claims, outcomes, releases and do-not-call changes
(hypothesis state machine on the real store and SQLite): the database always agrees with a plain model of
the rules: one holder per contact, a do-not-call number never offered, retries then a final outcome,
every recorded call counted once, and the campaign done exactly when every contact is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import CampaignCreate, CampaignState, ImportedContact, OutcomeIn
from agent_tui.domain.session import Role
from agent_tui.server import campaign_store, migrate
from agent_tui.server.auth import AuthUser
from agent_tui.server.campaign_models import CampaignCallRow, CampaignContactRow, CampaignRow, DoNotCallRow
from agent_tui.server.db import Database
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError

AGENTS = ("agent11", "agent12")
PHONES = ("13800000001", "13800000002", "13800000003")
MAX_RETRIES = 1


@dataclass
class Expected:
    """What the rules say about one contact."""

    phone: str
    status: str = "pending"
    attempts: int = 0
    holder: str | None = None


class ContactMachine(RuleBasedStateMachine):
    """One campaign of three contacts per example, on one database shared by the run."""

    db: Database

    @initialize()
    def campaign(self) -> None:
        body = CampaignCreate(name="m", screen="outage_notice", agents=list(AGENTS), hours=["00:00-24:00"],
                              retry_after_min=0, max_retries=MAX_RETRIES,
                              contacts=[ImportedContact(phone=p) for p in PHONES])
        with self.db.write() as session:
            session.execute(delete(DoNotCallRow))
            # Earlier examples' campaigns end: only this one's contacts may come back.
            session.execute(update(CampaignRow).values(state=CampaignState.DONE.value))
            row = campaign_store.insert(session, body, "sup01", CampaignState.RUNNING)
            self.campaign_id = row.id
            ids = session.execute(select(CampaignContactRow.id, CampaignContactRow.phone)
                                  .where(CampaignContactRow.campaign_id == row.id)).all()
        self.expected = {int(i): Expected(str(p)) for i, p in ids}
        self.blocked: set[str] = set()

    def _attempt(self, write: Callable[[Session], object]) -> int | None:
        """Run a write; the status of its refusal, None when it was carried out."""
        try:
            with self.db.write() as session:
                write(session)
        except ProblemError as error:
            return error.status
        return None

    def _user(self, agent: str) -> AuthUser:
        return AuthUser(id=0, username=agent, role=Role.AGENT, token_hash="")

    @rule(agent=st.sampled_from(AGENTS))
    def claim(self, agent: str) -> None:
        with self.db.write() as session:
            got = campaign_store.next_contact(session, agent, UTC)
        held = [i for i, c in self.expected.items() if c.holder == agent]
        free = [i for i, c in self.expected.items() if c.status == "pending" and c.phone not in self.blocked]
        if held:
            assert got is not None
            assert got.contact_id == held[0]
            return
        if not free:
            assert got is None
            return
        assert got is not None
        assert got.contact_id in free
        contact = self.expected[got.contact_id]
        contact.status, contact.holder = "claimed", agent

    @rule(agent=st.sampled_from(AGENTS), outcome=st.sampled_from(("informed", "no_answer")),
          which=st.integers(0, 2))
    def record(self, agent: str, outcome: str, which: int) -> None:
        contact_id = sorted(self.expected)[which]
        contact = self.expected[contact_id]
        said = OutcomeIn(outcome=outcome)
        refused = self._attempt(lambda session: campaign_store.record(
            session, campaign_store.contact(session, contact_id), said, self._user(agent)))
        if refused is not None:
            assert refused == 409
            assert contact.holder != agent
            return
        assert contact.holder == agent
        contact.attempts += 1
        contact.holder = None
        retry = outcome == "no_answer" and contact.attempts <= MAX_RETRIES
        contact.status = "pending" if retry else "done"

    @rule(agent=st.sampled_from(AGENTS), which=st.integers(0, 2))
    def release(self, agent: str, which: int) -> None:
        contact_id = sorted(self.expected)[which]
        contact = self.expected[contact_id]
        refused = self._attempt(lambda session: campaign_store.release(
            session, campaign_store.contact(session, contact_id), self._user(agent)))
        if refused is not None:
            assert refused == 409
            assert contact.status == "done" or (contact.status == "claimed" and contact.holder != agent)
            return
        assert contact.status == "pending" or contact.holder == agent
        contact.status, contact.holder = "pending", None

    @rule(phone=st.sampled_from(PHONES), on=st.booleans())
    def do_not_call(self, phone: str, on: bool) -> None:
        with self.db.write() as session:
            row = session.get(DoNotCallRow, phone_key(phone))
            if on and row is None:
                session.add(DoNotCallRow(phone_key=phone_key(phone), phone=phone, reason="", added_by="sup01",
                                         added_at=utc_now()))
            elif not on and row is not None:
                session.delete(row)
        (self.blocked.add if on else self.blocked.discard)(phone)

    @invariant()
    def agrees(self) -> None:
        if not hasattr(self, "campaign_id"):
            return
        with self.db.read() as session:
            mine = CampaignContactRow.campaign_id == self.campaign_id
            rows = {r.id: r for r in session.execute(select(CampaignContactRow).where(mine)).scalars()}
            calls = session.execute(select(func.count()).select_from(CampaignCallRow)
                                    .where(CampaignCallRow.campaign_id == self.campaign_id)).scalar_one()
            state = session.execute(select(CampaignRow.state)
                                    .where(CampaignRow.id == self.campaign_id)).scalar_one()
        for contact_id, want in self.expected.items():
            row = rows[contact_id]
            assert (row.status, row.attempts, row.claimed_by) == (want.status, want.attempts, want.holder)
            assert row.attempts <= MAX_RETRIES + 1
        assert calls == sum(c.attempts for c in self.expected.values())
        all_done = all(c.status == "done" for c in self.expected.values())
        assert (state == "done") == all_done


def test_contacts_follow_the_rules(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'machine.db'}")
    try:
        migrate.upgrade(db)
        ContactMachine.db = db
        runner = settings(max_examples=25, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])(ContactMachine)
        runner.TestCase().runTest()
    finally:
        db.dispose()
