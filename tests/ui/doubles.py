"""In-process doubles of the desk's services: fast, deterministic, and recording what the UI did."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.domain.agent import Agent, AgentState, AgentStateChange, AgentStateName
from agent_tui.domain.call import CallRecord
from agent_tui.domain.customer import (
    ContactRecord,
    Customer,
    CustomerCreate,
    LookupMatch,
    LookupResult,
)
from agent_tui.domain.notice import KbArticle, OutageNotice
from agent_tui.domain.screen import ScreenDefinition
from agent_tui.domain.session import Role, SessionInfo
from agent_tui.domain.supervision import AgentDayFigures, AgentFigures
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketCreate, TicketStatus, TicketType
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.phone.desk_phone import PhoneListener
from agent_tui.phone.events import CallEnded, CallState, IncomingCall
from agent_tui.sync.callbacks import CallbackTaken, PendingCallback
from agent_tui.sync.desk_link import LinkListener, LinkStatus
from agent_tui.sync.errors import BackendUnavailable

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def customer(cid: int = 7, name: str = "张三", account: str = "3300112233", phone: str = "13800138000",
             **extra: Any) -> Customer:
    """A seeded-looking customer."""
    return Customer(id=cid, account=account, name=name, phones=[phone], address="杭州市西湖区文三路 90 号",
                    area="西湖", meter="M-0042", balance_cents=1250, arrears_cents=extra.pop("arrears", 3000),
                    created_at=NOW, updated_at=NOW, **extra)


def full_match(c: Customer) -> LookupMatch:
    """A match with a last case, an open ticket in SLA breach, a notice and history."""
    last = ContactRecord(id=1, customer_id=c.id, at=NOW, agent="li", summary="Meter reads too high",
                         outcome="ticket opened", ticket_id=99)
    ticket = Ticket(id=99, number="GD20260301000099", ticket_type=TicketType.REPAIR,
                    status=TicketStatus.ISSUED, created_by="li", created_at=NOW, updated_at=NOW,
                    subject="No power",
                    deadlines=[SlaDeadline(segment="BC", start=TicketStatus.ISSUED, end=TicketStatus.RECEIVED,
                                           limit_minutes=4, breached=True)])
    notice = OutageNotice(id=3, area="西湖", title="Planned maintenance", starts_at=NOW)
    return LookupMatch(customer=c, last_case=last, open_tickets=[ticket], notices=[notice], history=[last])


class FakePhone:
    """Records commands; `ring`/`answered`/`ended` emit engine events through the listener."""

    def __init__(self) -> None:
        self.listener: PhoneListener | None = None
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self.started = False
        self.transfer_headers: dict[str, str] = {}
        self._next = 100

    def set_listener(self, listener: PhoneListener | None) -> None:
        self.listener = listener

    def emit(self, event: Any) -> None:
        assert self.listener is not None, "the app did not set a phone listener"
        self.listener(event)

    def ring(self, call_id: str = "c1", number: str = "13800138000", display: str = "",
             headers: Mapping[str, str] | None = None) -> IncomingCall:
        event = IncomingCall(call_id=call_id, number=number, display=display, headers=dict(headers or {}),
                             remote_uri=f"sip:{number}@127.0.0.1", at=datetime.now(UTC))
        self.emit(event)
        return event

    def _record(self, name: str, *args: Any) -> None:
        self.commands.append((name, args))

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self._record("stop")

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        self._next += 1
        self._record("make_call", number)
        return f"out{self._next}"

    def answer(self, call_id: str) -> None:
        self._record("answer", call_id)
        self.emit(CallState(call_id=call_id, state="confirmed", code=200))

    def reject(self, call_id: str) -> None:
        self._record("reject", call_id)
        self.emit(CallEnded(call_id=call_id, reason="Busy Here", code=486, duration_s=0))

    def hangup(self, call_id: str) -> None:
        self._record("hangup", call_id)
        self.emit(CallEnded(call_id=call_id, reason="Normal call clearing", code=200, duration_s=1))

    def hold(self, call_id: str) -> None:
        self._record("hold", call_id)
        self.emit(CallState(call_id=call_id, state="held"))

    def resume(self, call_id: str) -> None:
        self._record("resume", call_id)
        self.emit(CallState(call_id=call_id, state="resumed"))

    def mute(self, call_id: str, muted: bool) -> None:
        self._record("mute", call_id, muted)

    def send_dtmf(self, call_id: str, digits: str) -> None:
        self._record("send_dtmf", call_id, digits)

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        self._record("blind_transfer", call_id, target)
        self.transfer_headers = dict(headers or {})

    def consult(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> str:
        self._record("consult", call_id, target)
        return "consult1"

    def complete_transfer(self, call_id: str, consult_call_id: str) -> None:
        self._record("complete_transfer", call_id, consult_call_id)

    def conference(self, call_ids: Sequence[str]) -> None:
        self._record("conference", tuple(call_ids))


class FakeBackend:
    """Answers lookups from a table; can be made slow or dead."""

    def __init__(self, matches: Mapping[str, list[LookupMatch]] | None = None) -> None:
        self.matches: dict[str, list[LookupMatch]] = dict(matches or {})
        self.by_id: dict[int, Customer] = {}
        self.dead = False
        self.delay: float = 0.0
        self.lookups: list[tuple[str | None, str | None]] = []
        self.created: list[CustomerCreate] = []
        self.logins: list[str] = []
        self.callbacks = [PendingCallback(number="13900001111", at=NOW, customer_name="李四", queue="repair")]
        self.claims: list[str] = []
        self.figures_today = AgentFigures()
        """What `get_agent_figures` answers for today."""
        self.taken: dict[str, str] = {}
        """Callback id → the other agent holding it: claiming it fails."""
        for found in self.matches.values():
            for m in found:
                self.by_id[m.customer.id] = m.customer

    async def _gate(self) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.dead:
            raise BackendUnavailable("connection refused")

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        self.logins.append(username)
        await self._gate()
        if password.get_secret_value() != "secret":
            from agent_tui.domain.base import Problem
            from agent_tui.sync.errors import AuthenticationRequired

            raise AuthenticationRequired(401, Problem(title="Unauthorized", status=401))
        return SessionInfo(token=SecretStr("t"), role=Role.AGENT, username=username, expires_at=NOW)

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        self.lookups.append((phone, account))
        await self._gate()
        key = phone if phone is not None else f"acct:{account}"
        return LookupResult(matches=self.matches.get(key or "", []))

    async def get_customer(self, customer_id: int) -> Customer:
        await self._gate()
        return self.by_id[customer_id]

    async def create_customer(
        self, customer: CustomerCreate, *, idempotency_key: str | None = None
    ) -> Customer:
        await self._gate()
        self.created.append(customer)
        return Customer(id=500 + len(self.created), created_at=NOW, updated_at=NOW, **customer.model_dump())

    async def list_reasons(self) -> list[str]:
        await self._gate()
        return ["break", "meal", "meeting", "training", "other"]

    async def get_agent_figures(self, username: str) -> AgentDayFigures:
        await self._gate()
        return AgentDayFigures(username=username, at=NOW, day_start=NOW, today=self.figures_today)

    async def list_agents(self) -> list[Agent]:
        await self._gate()
        state = AgentState(state=AgentStateName.READY, since=NOW)
        return [Agent(username="wang", display_name="王五", extension="2002", team="repair", state=state)]

    async def kb_search(self, q: str, *, limit: int = 20) -> list[KbArticle]:
        await self._gate()
        return [KbArticle(id=1, title="电价标准 Tariffs", body="居民电价 0.538 元/千瓦时", category="tariff")]

    async def list_callbacks(self) -> list[PendingCallback]:
        await self._gate()
        return list(self.callbacks)

    async def claim_callback(self, callback_id: str) -> None:
        await self._gate()
        self.claims.append(callback_id)
        if callback_id in self.taken:
            raise CallbackTaken(callback_id, self.taken[callback_id])


class FakeWrites:
    """The outbox double: keeps what was queued."""

    def __init__(self) -> None:
        self.tickets: list[TicketCreate] = []
        self.calls: list[CallRecord] = []
        self.states: list[AgentStateChange] = []
        self.recordings: list[tuple[str, Path, bool]] = []
        self.closed_callbacks: list[tuple[str, bool]] = []
        self.listener: LinkListener | None = None

    def submit_ticket(self, ticket: TicketCreate) -> str:
        self.tickets.append(ticket)
        return f"t{len(self.tickets)}"

    def record_call(self, record: CallRecord) -> str:
        self.calls.append(record)
        return f"c{len(self.calls)}"

    def set_state(self, username: str, change: AgentStateChange) -> str:
        self.states.append(change)
        return f"s{len(self.states)}"

    def upload_recording(self, call_id: str, path: Path, *, training: bool = False) -> str:
        self.recordings.append((call_id, path, training))
        return f"r{len(self.recordings)}"

    def close_callback(self, callback_id: str, *, reached: bool = True, note: str = "") -> str:
        self.closed_callbacks.append((callback_id, reached))
        return f"cb{len(self.closed_callbacks)}"

    def set_status_listener(self, listener: LinkListener | None) -> None:
        self.listener = listener

    def report(self, status: LinkStatus) -> None:
        assert self.listener is not None
        self.listener(status)


class LocalScreens:
    """Work-order screens from the checkout's `screens/` folder."""

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        result = load_screens(bundled_screens_dir())
        return result.screens, result.errors


Predicate = Callable[[], bool]
