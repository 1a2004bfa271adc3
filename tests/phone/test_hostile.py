"""Hostile SIP from SIPp: the engine sanitizes what it reports and never crashes or hangs."""

from __future__ import annotations

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, IncomingCall
from tests.phone.support import EventLog
from tests.support.sip_peers import DEFAULT_UAC_KEYS, Sipp

HOSTILE_KEYS = {
    **DEFAULT_UAC_KEYS,
    "contact_header": "Contact",
    "content_type": "application/sdp",
    "sdp": "\r\n".join(["v=0", "o=sipp 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio 40000 RTP/AVP 8", "a=rtpmap:8 PCMA/8000", ""]),
}
"""Keys of uac_hostile.xml for a well-formed call (tests change one of them)."""
HOSTILE = "\x1b[31mEvil\x1b[0m [bold]Boss[/bold]\x07\x1b]0;pwned\x07 \u202eevil\udcff\udcfe"


def _ring_and_answer(engine: PhoneEngine, events: EventLog, sipp: Sipp, display: str) -> IncomingCall:
    run = sipp.start_uac(engine.info.address, keys={"display": display}, duration_ms=100)
    ring = events.wait(IncomingCall)
    engine.answer(ring.call_id)
    events.wait(CallEnded, call_id=ring.call_id)
    result = run.wait(20)
    assert result.ok, result.explain()
    return ring


def test_escape_sequences_markup_and_invalid_utf8_are_cleaned(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    ring = _ring_and_answer(engine, events, sipp, HOSTILE)
    assert "\x1b" not in ring.display
    assert "\x07" not in ring.display
    assert "\u202e" not in ring.display
    assert all(ch.isprintable() for ch in ring.display)
    assert "[bold]Boss[/bold]" in ring.display  # markup stays literal text: the UI never renders it
    assert "Evil" in ring.display
    assert "pwned" not in ring.display
    assert "\ufffd" in ring.display  # the invalid bytes, visibly replaced
    assert ring.headers["X-Customer-Id"]  # the IVR headers still came through


def test_huge_display_name_is_bounded_or_refused_and_the_engine_goes_on(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    run = sipp.start_uac(engine.info.address, keys={"display": "A" * 8192}, duration_ms=100,
                         recv_timeout_ms=3000, global_timeout_s=8)
    result = run.wait(20)
    rings = events.of(IncomingCall)
    if rings:  # accepted: the name is cut to a bounded length
        assert len(rings[0].display) <= 64
    else:  # measured: pjsip drops a datagram over its 4000-byte limit; the caller times out
        assert not result.ok
    long_ring = _ring_and_answer(engine, events, sipp, "B" * 3000)  # fits pjsip's 4000-byte packets
    assert long_ring.display == "B" * 63 + "…"
    ring = _ring_and_answer(engine, events, sipp, "Li Lei")
    assert ring.display == "Li Lei"


def test_a_repeated_from_or_call_id_is_refused_with_400_and_never_rings(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    for extra in ('From: "Second" <sip:other@127.0.0.1>;tag=zz', "Call-ID: second-call-id@127.0.0.1"):
        run = sipp.start_uac(engine.info.address, "uac_hostile.xml", keys={**HOSTILE_KEYS, "extra": extra},
                             recv_timeout_ms=5000, global_timeout_s=10)
        result = run.wait(20)
        assert result.ok, result.explain()  # SIPp ACKed the refusal
        assert [code for code in result.responses() if code >= 200] == [400]
    assert events.of(IncomingCall) == []
    assert events.of(CallEnded) == []  # never announced, so no end either
    ring = _ring_and_answer(engine, events, sipp, "Li Lei")  # and the engine goes on
    assert ring.display == "Li Lei"


def test_an_invite_over_4000_bytes_is_dropped_over_tcp_too(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    # PJSIP_MAX_PKT_LEN (4000) is compiled in and bounds TCP's receive buffer as well: measured,
    # pjsip logs "Rx buffer overflow (PJSIP_ERXOVERFLOW)" and drops the INVITE unanswered.
    tcp = f"{engine.info.address.rsplit(':', 1)[0]}:{engine.info.tcp_port}"
    run = sipp.start_uac(tcp, keys={"display": "A" * 8192}, transport="tcp", duration_ms=100,
                         recv_timeout_ms=2000, global_timeout_s=6)
    result = run.wait(20)
    assert not result.ok  # no answer at all
    assert events.of(IncomingCall) == []
    ring = _ring_and_answer(engine, events, sipp, "Li Lei")  # the engine goes on
    assert ring.display == "Li Lei"
