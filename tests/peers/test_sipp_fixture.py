"""The SIPp fixture itself: digest REGISTER through Kamailio, UAC to UAS direct and through Kamailio."""

from __future__ import annotations

import pytest

from tests.support.sip_peers import Kamailio, Sipp, Transport, free_port

pytestmark = pytest.mark.peers


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_sipp_registers_with_digest_auth(kamailio: Kamailio, sipp: Sipp, transport: str) -> None:
    result = sipp.register(
        f"{kamailio.host}:{kamailio.port}",
        "alice",
        kamailio.password("alice"),
        contact_port=free_port(),
        transport="udp" if transport == "udp" else "tcp",
    )
    assert result.ok, result.explain()
    assert result.responses() == [401, 200]
    assert "REQ REGISTER" in kamailio.log_text()


def test_sipp_register_with_wrong_password_fails(kamailio: Kamailio, sipp: Sipp) -> None:
    result = sipp.register(
        f"{kamailio.host}:{kamailio.port}", "alice", "not-the-password", contact_port=free_port()
    )
    assert not result.ok
    assert result.responses()[:2] == [401, 401]


def test_sipp_uac_calls_sipp_uas_directly(sipp: Sipp) -> None:
    callee = sipp.uas()
    result = sipp.uac(callee.address)
    assert result.ok, result.explain()
    assert result.responses() == [180, 200, 200]
    callee_result = callee.wait(10)
    assert callee_result.ok, callee_result.explain()
    assert callee_result.requests_received() == ["INVITE", "ACK", "BYE"]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_sipp_uac_reaches_registered_uas_through_kamailio(
    kamailio: Kamailio, sipp: Sipp, transport: str
) -> None:
    tr: Transport = "udp" if transport == "udp" else "tcp"
    callee = sipp.uas(transport=tr)
    registered = sipp.register(
        f"{kamailio.host}:{kamailio.port}",
        "bob",
        kamailio.password("bob"),
        contact_port=callee.port,
        transport=tr,
    )
    assert registered.ok, registered.explain()
    result = sipp.uac(f"{kamailio.host}:{kamailio.port}", service="bob", transport=tr)
    assert result.ok, result.explain()
    assert result.responses()[-2:] == [200, 200]
    assert result.rtt_ms, "the INVITE->200 response time was measured"
    callee_result = callee.wait(10)
    assert callee_result.ok, callee_result.explain()
    assert "X-Customer-Id: C-1001" in callee_result.received_text()


def test_sipp_uac_to_unregistered_user_gets_404(kamailio: Kamailio, sipp: Sipp) -> None:
    result = sipp.uac(f"{kamailio.host}:{kamailio.port}", service="nobody", recv_timeout_ms=3000)
    assert not result.ok
    assert 404 in result.responses()
