"""SIPp against the engine: REFER both ways and RFC 2833 DTMF both ways.

- The engine transfers (blind) a call to SIPp, which checks the REFER, answers 202 and reports the
  target's answer with a NOTIFY (sipfrag 200): the engine reports `Transferred(ok)` and hangs up.
- SIPp transfers the engine (REFER with the case headers in Refer-To): the engine follows it with a
  new INVITE to the target (a second SIPp) carrying X-Customer-Id / X-Ticket-Id.
- SIPp plays RFC 2833 event packets (the pcaps SIPp ships) into a call: the engine reports the digits,
  directly and through Kamailio (the engine registered there with digest auth).
- The engine sends RFC 2833 digits; SIPp echoes the RTP back (`-rtp_echo`): the engine hears its own
  events, so they left it as well-formed telephone-event packets of the negotiated type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    DtmfReceived,
    EngineStopped,
    IncomingCall,
    Registration,
    Transferred,
    TransferRequested,
)
from agent_tui.phone.options import AccountOptions, EngineOptions
from tests.phone.support import EventLog
from tests.support.sip_peers import LOOPBACK, Kamailio, Sipp, free_port
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

PCAP_DIR = Path("/usr/share/sip-tester")
"""Where Debian's sip-tester puts the RTP event pcaps (dtmf_2833_<digit>.pcap)."""


def _message(received: str, method: str) -> str:
    """The first received SIP request of `method` in SIPp's received-message text."""
    found = re.search(rf"^{method} .*?(?=^-{{4}}|\Z)", received, re.M | re.S)
    assert found, f"no {method} in:\n{received[-3000:]}"
    return found.group(0)


def test_the_engine_blind_transfers_sipp_with_the_case_headers(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    far = sipp.uas("uas_refer_notify.xml")
    call_id = engine.make_call(f"sip:svc@{far.address}")
    events.wait(CallState, call_id=call_id, state="confirmed")
    target = f"sip:2001@{LOOPBACK}:{free_port()}"
    engine.blind_transfer(call_id, target, {"X-Customer-Id": "C-77", "X-Ticket-Id": "T-9"})
    done = events.wait(Transferred, call_id=call_id)
    assert (done.ok, done.code) == (True, 200)
    assert done.target == target
    assert events.wait(CallEnded, call_id=call_id).reason == "transferred"
    result = far.wait(15)
    assert result.ok, result.explain()
    assert result.requests_received() == ["INVITE", "ACK", "REFER", "BYE"]
    refer = _message(result.received_text(), "REFER")
    refer_to = re.search(r"^Refer-To:\s*(.*)$", refer, re.M | re.I)
    assert refer_to, refer
    assert refer_to.group(1).startswith(f"<{target}?")
    assert "X-Customer-Id=C-77" in refer_to.group(1)
    assert "X-Ticket-Id=T-9" in refer_to.group(1)
    assert re.search(r"^X-Customer-Id:\s*C-77\s*$", refer, re.M)
    assert re.search(r"^X-Ticket-Id:\s*T-9\s*$", refer, re.M)


def test_the_engine_follows_a_refer_from_sipp_with_the_case_headers(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    target = sipp.uas("uas_one_codec.xml")
    host, port = engine.info.address.rsplit(":", 1)
    keys = {"refer_user": "2001", "refer_host": target.address, "ticket_id": "T-42", "customer_id": "C-5"}
    transferor = sipp.start_uac(f"{host}:{port}", scenario="uac_refer.xml", keys=keys, duration_ms=200)
    ring = events.wait(IncomingCall)
    engine.answer(ring.call_id)
    asked = events.wait(TransferRequested, call_id=ring.call_id)
    assert asked.target == f"sip:2001@{target.address}"
    assert asked.headers == {"X-Customer-Id": "C-5", "X-Ticket-Id": "T-42"}
    new_call = events.wait(CallState, where=lambda e: e.state == "confirmed" and e.call_id != ring.call_id)
    result = transferor.wait(20)
    assert result.ok, result.explain()
    assert result.responses()[-1] == 200  # the BYE that ends the transferred call
    notify_bodies = re.findall(r"^SIP/2\.0 (\d{3})", result.received_text(), re.M)
    assert "200" in notify_bodies, result.received_text()[-3000:]  # the final sipfrag
    assert events.wait(CallEnded, call_id=ring.call_id).reason == "transferred"
    engine.hangup(new_call.call_id)
    events.wait(CallEnded, call_id=new_call.call_id)
    reached = target.wait(15)
    assert reached.ok, reached.explain()
    invite = _message(reached.received_text(), "INVITE")
    assert re.search(r"^X-Customer-Id:\s*C-5\s*$", invite, re.M), invite
    assert re.search(r"^X-Ticket-Id:\s*T-42\s*$", invite, re.M), invite


def _digits_from_sipp(engine: PhoneEngine, events: EventLog, sipp: Sipp, target: str, service: str) -> None:
    """SIPp calls `target` (host:port) with uac_dtmf_2833.xml; the engine answers and must hear 1 # 5."""
    for digit in ("1", "pound", "5"):  # what uac_dtmf_2833.xml plays, in this order
        pcap = PCAP_DIR / f"dtmf_2833_{digit}.pcap"
        assert pcap.is_file(), f"{pcap} missing: sip-tester ships the RTP event pcaps there"
    caller = sipp.start_uac(target, scenario="uac_dtmf_2833.xml", service=service, duration_ms=300)
    ring = events.wait(IncomingCall, timeout=15)
    engine.answer(ring.call_id)
    result = caller.wait(20)
    assert result.ok, result.explain()
    assert events.wait(CallEnded, call_id=ring.call_id).reason == "remote hangup"
    got = [e for e in events.of(DtmfReceived) if e.call_id == ring.call_id]
    assert [e.digit for e in got] == ["1", "#", "5"]
    assert {e.method for e in got} == {"rfc2833"}


def test_rfc2833_digits_from_sipp_reach_the_engine(engine: PhoneEngine, events: EventLog, sipp: Sipp) -> None:
    _digits_from_sipp(engine, events, sipp, engine.info.address, "agent")


def test_rfc2833_digits_from_sipp_reach_the_engine_through_kamailio(
    kamailio: Kamailio, sipp: Sipp, tmp_path: Path
) -> None:
    account = AccountOptions(
        user="1001",
        domain=kamailio.host,
        registrars=(kamailio.uri(),),
        password=SecretStr(kamailio.password("1001")),
        health_interval_s=0,
    )
    events = EventLog()
    phone = PhoneEngine(EngineOptions(accounts=(account,), log_file=tmp_path / "pjsip.log"), events)
    phone.start()
    try:
        events.wait(Registration, state="registered")
        _digits_from_sipp(phone, events, sipp, kamailio.address, "1001")
    finally:
        phone.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


def test_rfc2833_digits_from_the_engine_come_back_through_sipps_rtp_echo(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    host, port = engine.info.address.rsplit(":", 1)
    caller = sipp.start_uac(f"{host}:{port}", scenario="uac_basic.xml", duration_ms=4000, extra=["-rtp_echo"])
    ring = events.wait(IncomingCall)
    engine.answer(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="confirmed")
    engine.send_dtmf(ring.call_id, "73*")

    def echoed() -> list[DtmfReceived]:
        return [e for e in events.of(DtmfReceived) if e.call_id == ring.call_id]

    wait_for(lambda: len(echoed()) >= 3, 10, message="three digits echoed back")
    assert [e.digit for e in echoed()] == ["7", "3", "*"]
    assert {e.method for e in echoed()} == {"rfc2833"}
    result = caller.wait(20)
    assert result.ok, result.explain()
    assert events.wait(CallEnded, call_id=ring.call_id).reason == "remote hangup"
