"""The SIP trace model: pjsua log entries parsed, keyed by Call-ID, bounded, credentials masked."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.phone.sip_trace import MASK, SipTrace, parse_entry

AT = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


def invite(call_id: str = "abc@host", display: str = "Ann", extra: str = "") -> str:
    """A pjsua log entry as the writer receives it (decor prefix, CRLF message, end marker)."""
    message = (
        "INVITE sip:100@10.0.0.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1\r\n"
        f"From: \"{display}\" <sip:200@10.0.0.2>;tag=1\r\n"
        "To: <sip:100@10.0.0.1>\r\n"
        f"Call-ID: {call_id}\r\n"
        "CSeq: 1 INVITE\r\n"
        f"{extra}"
        "Content-Length: 4\r\n\r\nv=0\r\n"
    )
    return (f"14:00:00.000  pjsua_core.c  .RX {len(message)} bytes Request msg INVITE/cseq=1 "
            f"(rdata0x7f) from UDP 10.0.0.2:5060:\n{message}\n--end msg--")


def response(call_id: str, code: int = 200, method: str = "INVITE") -> str:
    message = f"SIP/2.0 {code} OK\r\nCall-ID: {call_id}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    return (f"14:00:00.100  pjsua_core.c  .TX 90 bytes Response msg {code}/{method}/cseq=1 (tdta0x1) "
            f"to UDP 10.0.0.2:5060:\n{message}\n--end msg--")


def test_a_received_request_is_parsed() -> None:
    parsed = parse_entry(invite(), AT)
    assert parsed is not None
    call_id, message = parsed
    assert call_id == "abc@host"
    assert message.direction == "RX"
    assert message.peer == "UDP 10.0.0.2:5060"
    assert message.first_line == "INVITE sip:100@10.0.0.1 SIP/2.0"
    assert ("CSeq", "1 INVITE") in message.headers
    assert message.body_bytes == 3


def test_a_sent_response_and_compact_call_id() -> None:
    entry = response("x1").replace("Call-ID:", "i:")
    parsed = parse_entry(entry, AT)
    assert parsed is not None
    assert parsed[0] == "x1"
    assert parsed[1].direction == "TX"
    assert parsed[1].first_line == "SIP/2.0 200 OK"


def test_other_log_lines_and_registrations_are_not_kept() -> None:
    assert parse_entry("14:00:00.000  pjsua_acc.c  Registration sent", AT) is None
    register = invite().replace("Request msg INVITE", "Request msg REGISTER")
    assert parse_entry(register, AT) is None
    assert parse_entry(response("r1", 200, "OPTIONS"), AT) is None


def test_credentials_are_masked() -> None:
    entry = invite(extra='Authorization: Digest username="100", response="deadbeef"\r\n'
                         'Proxy-Authorization: Digest response="cafe"\r\n')
    parsed = parse_entry(entry, AT)
    assert parsed is not None
    shown = dict(parsed[1].headers)
    assert shown["Authorization"] == MASK
    assert shown["Proxy-Authorization"] == MASK
    assert "deadbeef" not in repr(parsed[1])
    assert "cafe" not in repr(parsed[1])


def test_hostile_text_is_plain_text() -> None:
    parsed = parse_entry(invite(display="[bold red]Boss\x1b[2J\x1b]0;owned\x07\u202e"), AT)
    assert parsed is not None
    from_value = dict(parsed[1].headers)["From"]
    assert "\x1b" not in from_value
    assert "\u202e" not in from_value
    assert "\x07" not in from_value
    assert "[bold red]Boss" in from_value  # markup stays literal text (the panel never renders markup)


def test_messages_are_keyed_to_the_phones_call() -> None:
    trace = SipTrace()
    trace.feed(invite("c1"), AT)  # the INVITE is logged before the engine knows the call
    trace.feed(invite("c2"), AT)
    trace.bind("call-1", "c1")
    trace.feed(response("c1"), AT)
    assert [m.direction for m in trace.messages("call-1")] == ["RX", "TX"]
    assert trace.messages("unknown") == []


def test_bounds_per_call_and_on_call_ids() -> None:
    trace = SipTrace(max_call_ids=2, max_messages=3)
    trace.bind("a", "c1")
    for code in range(180, 185):
        trace.feed(response("c1", code), AT)
    assert [m.first_line.split()[1] for m in trace.messages("a")] == ["182", "183", "184"]
    trace.feed(invite("c2"), AT)
    trace.feed(invite("c3"), AT)  # c1 is the least recently active: dropped
    assert trace.messages("a") == []


def test_forget_drops_the_trace() -> None:
    trace = SipTrace()
    trace.bind("a", "c1")
    trace.feed(invite("c1"), AT)
    trace.forget("a")
    assert trace.messages("a") == []
    trace.bind("a", "c1")
    assert trace.messages("a") == []
