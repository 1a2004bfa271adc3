"""The SIP trace of a real call: the engine (this process) rung by an `agent-tui bot` peer."""

from __future__ import annotations

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, IncomingCall
from tests.phone.conftest import Bots
from tests.phone.support import EventLog


def test_the_trace_of_a_rejected_call(engine: PhoneEngine, events: EventLog, bots: Bots) -> None:
    bot = bots.start("--dial", f"sip:agent@{engine.info.address}", "--calls", "1",
                     "--header", "X-Queue=[bold]repairs[/bold]")
    ring = events.wait(IncomingCall)
    engine.reject(ring.call_id, 486)
    events.wait(CallEnded, call_id=ring.call_id)
    assert bot.until("ended")["code"] == 486

    trace = engine.sip_trace(ring.call_id)
    lines = [(m.direction, m.first_line.split(" ")[0:2]) for m in trace]
    assert lines[0] == ("RX", ["INVITE", f"sip:agent@{engine.info.address}"])
    assert ("TX", ["SIP/2.0", "180"]) in lines
    assert ("TX", ["SIP/2.0", "486"]) in lines
    invite = dict(trace[0].headers)
    assert invite["Call-ID"] == ring.sip_call_id
    assert invite["X-Queue"] == "[bold]repairs[/bold]"  # kept as text; the panel shows it as text
    assert engine.sip_trace("no-such-call") == []
