"""The baresip fixture itself: answers SIPp, calls another baresip through Kamailio, tones recorded."""

from __future__ import annotations

import pytest

from tests.support.audio_checks import dominant_frequency, rms_level
from tests.support.sip_peers import BaresipFactory, Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers


def test_baresip_answers_a_sipp_call_and_records_its_tone(
    sipp: Sipp, baresip_factory: BaresipFactory
) -> None:
    phone = baresip_factory("carol", tone_hz=1000)
    result = sipp.uac(f"{phone.host}:{phone.sip_port}", service="carol", duration_ms=1500)
    assert result.ok, result.explain()
    phone.wait_event("CALL_CLOSED", 5)
    phone.quit()
    sent = phone.recordings()["enc"]
    assert dominant_frequency(sent) == pytest.approx(1000, rel=0.05)
    assert rms_level(sent) > 0.05


def test_baresip_to_baresip_through_kamailio_carries_both_tones(
    kamailio: Kamailio, baresip_factory: BaresipFactory
) -> None:
    callee = baresip_factory("dave", registrar=kamailio, tone_hz=1000)
    caller = baresip_factory("erin", registrar=kamailio, tone_hz=440)
    caller.dial(kamailio.uri("dave"))
    caller.wait_event("CALL_ESTABLISHED", 5)
    callee.wait_event("CALL_ESTABLISHED", 5)
    # Let audio flow until each side has recorded a second of the other's tone.
    wait_for(
        lambda: min(caller.recorded_seconds("dec"), callee.recorded_seconds("dec")) >= 1.0,
        10,
        message="a second of audio recorded on both sides",
    )
    caller.hangup()
    callee.wait_event("CALL_CLOSED", 5)
    caller.quit()
    callee.quit()
    heard_by_callee = callee.recordings()["dec"]
    heard_by_caller = caller.recordings()["dec"]
    assert dominant_frequency(heard_by_callee) == pytest.approx(440, rel=0.08)
    assert dominant_frequency(heard_by_caller) == pytest.approx(1000, rel=0.05)
