"""Structural guard for the cost of a ring cycle (no timing): how many link reports the desk's writes
make. Each report is a message through Textual's queue and a repaint check on the desk's loop; the
delivery of a state change or a call record is no news to the desk (docs/performance.md, "Third round")."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.call import CallRecord
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LinkStatus, OutboxWrites
from tests.sync.test_outbox import eventually


async def test_only_a_work_orders_delivery_is_reported_by_itself() -> None:
    client = BackendClient("http://b.test", token=SecretStr("t"),
                           transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"id": 1})))
    writes = OutboxWrites(client)  # its journal in the test's own state folder (tests/conftest.py)
    reports: list[LinkStatus] = []
    writes.set_status_listener(reports.append)
    writes.outbox.start()
    # What a ring cycle writes: Ringing, the missed call's record, Not Ready.
    writes.set_state("agent01", AgentStateChange(state=AgentStateName.RINGING))
    writes.record_call(CallRecord(call_id="c1", direction="inbound", number="1001", agent="agent01",
                                  end_reason="cancelled"))
    writes.set_state("agent01", AgentStateChange(state=AgentStateName.NOT_READY, reason="missed_call"))
    await eventually(lambda: writes.outbox.status().queued == 0, what="the writes delivered")
    assert [report.delivered for report in reports] == [None] * len(reports)
    assert reports[-1] == LinkStatus(online=True, queued=0)
    assert len(reports) == 6  # each write: queued, then delivered (the status after it)
    order = TicketCreate(ticket_type=TicketType.REPAIR, customer_id=1, subject="No power")
    reference = writes.submit_ticket(order)
    await eventually(lambda: any(report.delivered for report in reports), what="the order's delivery")
    assert [report.delivered for report in reports if report.delivered] == [reference]
    await writes.outbox.close()
