"""agent-tui bot against real peers: SIPp through Kamailio (IVR headers, DTMF, hold) and baresip both ways."""

from __future__ import annotations

import pytest

from tests.support.audio_checks import dominant_frequency, readable_wav, rms_level
from tests.support.sip_peers import BaresipFactory, BotFactory, Kamailio, Sipp, Transport
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_ivr_call_through_kamailio_pops_with_headers(
    kamailio: Kamailio, sipp: Sipp, bot_factory: BotFactory, transport: Transport
) -> None:
    bot = bot_factory(user="agent1", registrar=kamailio, transport=transport)
    keys = {"customer_id": "C-77", "account": "ACC-9", "queue": "billing", "display": "Li Lei"}
    result = sipp.uac(kamailio.address, service="agent1", transport=transport, keys=keys, duration_ms=300)
    assert result.ok, result.explain()
    incoming = bot.next_event("incoming", 5)
    assert incoming["display"] == "Li Lei"
    assert incoming["number"] == "13800138000"
    assert incoming["headers"]["X-Customer-Id"] == "C-77"
    assert incoming["headers"]["X-Account"] == "ACC-9"
    assert incoming["headers"]["X-Queue"] == "billing"
    bot.next_event("answered", 5)
    ended = bot.next_event("ended", 5)
    assert ended["reason"] == "remote hangup"
    assert bot.stop() == 0
    assert bot.events("stopped")[-1]["clean"] is True
    assert bot.stderr_text() == ""


def test_dtmf_by_sip_info_reaches_the_bot(sipp: Sipp, bot_factory: BotFactory) -> None:
    bot = bot_factory()
    keys = {"digit1": "4", "digit2": "2", "digit3": "#"}
    result = sipp.uac(bot.address, scenario="uac_dtmf_info.xml", keys=keys, duration_ms=200)
    assert result.ok, result.explain()
    digits = [bot.next_event("dtmf", 5)["digit"] for _ in range(3)]
    assert digits == ["4", "2", "#"]
    assert {event["method"] for event in bot.events("dtmf")} == {"info"}


def test_remote_hold_and_resume_keep_the_call(sipp: Sipp, bot_factory: BotFactory) -> None:
    bot = bot_factory()
    result = sipp.uac(bot.address, scenario="uac_hold.xml", duration_ms=300)
    assert result.ok, result.explain()
    assert result.responses().count(200) == 4  # INVITE, hold, resume, BYE
    ended = bot.next_event("ended", 5)
    assert ended["reason"] == "remote hangup"
    assert ended["duration"] >= 0.9  # three pauses of 300 ms: it was not cut short by the hold


def test_bot_rejects_with_the_code_it_is_given(sipp: Sipp, bot_factory: BotFactory) -> None:
    bot = bot_factory("--reject", "486")
    result = sipp.uac(bot.address, recv_timeout_ms=3000)
    assert not result.ok
    assert 486 in result.responses()
    assert bot.next_event("incoming", 5)["number"] == "13800138000"


def test_baresip_calls_the_bot_through_kamailio_and_the_bot_hears_its_tone(
    kamailio: Kamailio, baresip_factory: BaresipFactory, bot_factory: BotFactory
) -> None:
    bot = bot_factory("--hangup-after", "2", user="agent2", registrar=kamailio)
    phone = baresip_factory("frank", registrar=kamailio, tone_hz=1000)
    phone.dial(kamailio.uri("agent2"))
    incoming = bot.next_event("incoming", 5)
    assert incoming["number"] == "frank"
    phone.wait_event("CALL_ESTABLISHED", 5)
    bot.next_event("ended", 10)
    recording = bot.next_event("recording", 5)["path"]
    phone.wait_event("CALL_CLOSED", 5)
    # Seen once: the `recording` event came before the WAV header was written (reported to the engine).
    wait_for(lambda: readable_wav(recording), 3, message="the bot's WAV finished")
    assert rms_level(recording) > 0.02
    assert dominant_frequency(recording) == pytest.approx(1000, rel=0.06)


def test_bot_calls_baresip_and_baresip_hears_the_bots_tone(
    baresip_factory: BaresipFactory, bot_factory: BotFactory
) -> None:
    phone = baresip_factory("grace", tone_hz=1000)
    bot = bot_factory("--dial", phone.uri, "--tone", "440", "--hangup-after", "2", "--calls", "1")
    bot.next_event("answered", 5)
    wait_for(lambda: phone.recorded_seconds("dec") >= 1.0, 10, message="baresip hears a second of audio")
    bot.next_event("ended", 10)
    phone.wait_event("CALL_CLOSED", 5)
    phone.quit()
    heard = phone.recordings()["dec"]
    assert dominant_frequency(heard) == pytest.approx(440, rel=0.08)
    # And the bot's own recording holds baresip's 1000 Hz.
    recording = bot.next_event("recording", 5)["path"]
    wait_for(lambda: readable_wav(recording), 3, message="the bot's WAV finished")
    assert dominant_frequency(recording) == pytest.approx(1000, rel=0.06)
