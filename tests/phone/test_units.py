"""Pure parts of the phone: sanitizer, SIP text parsing, MOS estimate, monitoring tokens."""

from __future__ import annotations

from agent_tui.phone.monitor_token import make_token, verify_token
from agent_tui.phone.quality import mos_estimate
from agent_tui.phone.sanitize import (
    caller_headers,
    clean_text,
    parse_headers,
    split_name_addr,
    uri_headers,
    uri_user,
)


def test_clean_text_strips_escapes_controls_and_bounds_length() -> None:
    assert clean_text("\x1b[1;31mRed\x1b[0m\tName\r\n") == "Red Name"
    assert clean_text("a\u202eb\u200bc") == "abc"
    assert clean_text("[bold]x[/bold]") == "[bold]x[/bold]"
    assert clean_text(b"caf\xc3\xa9 \xff") == "café \ufffd"
    assert clean_text("bad\udcffbytes") == "bad\ufffdbytes"
    assert clean_text("x" * 10_000, 10) == "x" * 9 + "…"
    assert clean_text(None) == ""
    assert clean_text("王芳") == "王芳"


def test_name_addr_and_uri_parts() -> None:
    assert split_name_addr('"Ann \\"A\\"" <sip:100@h>;tag=1') == ('Ann "A"', "sip:100@h")
    assert split_name_addr("Bob <sip:200@h>") == ("Bob", "sip:200@h")
    assert split_name_addr("sip:300@h;tag=x") == ("", "sip:300@h")
    assert uri_user("sip:1001@pbx:5060;transport=tcp") == "1001"
    assert uri_user("tel:+4930123;phone-context=x") == "+4930123"
    bare, headers = uri_headers("<sip:b@h?X-Customer-Id=C%2D1&Replaces=abc>")
    assert bare == "sip:b@h"
    assert headers == {"X-Customer-Id": "C-1", "Replaces": "abc"}


def test_headers_first_wins_folded_and_only_interesting_ones_reported() -> None:
    raw = parse_headers(
        "INVITE sip:a@b SIP/2.0\r\nf: \"X\" <sip:1@h>\r\nX-Customer-Id: 1\r\nx-customer-id: 2\r\n"
        "Subject: long\r\n  folded\r\nVia: SIP/2.0/UDP h\r\n\r\nbody: not a header\r\n"
    )
    assert raw["from"] == '"X" <sip:1@h>'
    picked = caller_headers(raw)
    assert picked == {"X-Customer-Id": "1", "Subject": "long folded"}


def test_mos_estimate_ranks_conditions() -> None:
    perfect = mos_estimate("PCMA", 20, 1, 0)
    assert 4.3 <= perfect <= 4.5
    assert mos_estimate("PCMA", 20, 1, 5) < perfect
    assert mos_estimate("PCMA", 600, 40, 0) < mos_estimate("PCMA", 100, 5, 0)
    assert mos_estimate("PCMU", 100, 10, 30) < 3.0


def test_monitor_token_signature_expiry_and_mode() -> None:
    token = make_token("k", "whisper", expires_at=1000, supervisor="sup1")
    assert verify_token("k", token, "whisper", now=999)
    assert verify_token("k", token, "listen", now=999)  # a milder mode is allowed
    assert not verify_token("k", token, "barge", now=999)
    assert not verify_token("k", token, "whisper", now=1000)  # expired
    assert not verify_token("other", token, "whisper", now=999)
    assert not verify_token("k", token[:-2] + "AA", "whisper", now=999)
    assert not verify_token("k", "garbage", "listen", now=0)
