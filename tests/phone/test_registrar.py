"""Registration, health and calls through a real Kamailio (digest auth), over UDP and TCP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, Health, IncomingCall, Registration
from agent_tui.phone.options import AccountOptions, EngineOptions, Transport
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio
from tests.support.waiting import WaitTimeout

pytestmark = pytest.mark.peers


def _options(kamailio: Kamailio, tmp_path: Path, transport: Transport, password: str) -> EngineOptions:
    account = AccountOptions(
        user="1001",
        domain=kamailio.host,
        registrars=(kamailio.uri(),),
        transport=transport,
        password=SecretStr(password),
        expires_s=60,
        health_interval_s=1.0,
        health_timeout_s=1.0,
    )
    return EngineOptions(
        accounts=(account,),
        log_file=tmp_path / "pjsip.log",
        log_level=5,
        first_retry_interval_s=1,
        retry_interval_s=2,
    )


@pytest.fixture
def registered(
    kamailio: Kamailio, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[PhoneEngine, EventLog]]:
    transport: Transport = getattr(request, "param", "udp")
    events = EventLog()
    engine = PhoneEngine(_options(kamailio, tmp_path, transport, kamailio.password("1001")), events)
    engine.start()
    try:
        yield engine, events
    finally:
        engine.stop()


@pytest.mark.parametrize("registered", ["udp", "tcp"], indirect=True)
def test_register_and_take_a_call_through_kamailio(
    registered: tuple[PhoneEngine, EventLog], kamailio: Kamailio, bots: Bots
) -> None:
    engine, events = registered
    events.wait(Registration, state="registering")
    reg = events.wait(Registration, state="registered")
    assert reg.code == 200
    assert reg.expires_s > 0
    health = events.wait(Health, ok=True)
    assert health.rtt_ms is not None
    transport = "tcp" if ";transport=tcp" in reg.registrar else "udp"
    bot = bots.start(
        "--account",
        f"1002@{kamailio.host}",
        "--registrar",
        kamailio.uri(),
        "--transport",
        transport,
        "--dial",
        "1001",
        "--header",
        "X-Customer-Id=C-9",
        "--dtmf",
        "5",
        env={"AGENT_TUI_SIP_PASSWORD": kamailio.password("1002")},
    )
    bot.until("registered")
    ring = events.wait(IncomingCall, timeout=15)
    assert ring.number == "1002"
    assert ring.headers["X-Customer-Id"] == "C-9"
    engine.answer(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="confirmed")
    bot.until("answered")
    engine.hangup(ring.call_id)
    assert events.wait(CallEnded, call_id=ring.call_id).reason == "local hangup"
    bot.until("ended")


def test_wrong_password_fails_clearly_without_retrying(kamailio: Kamailio, tmp_path: Path) -> None:
    events = EventLog()
    engine = PhoneEngine(_options(kamailio, tmp_path, "udp", "not-the-password"), events)
    engine.start()
    try:
        events.wait(Registration, state="registering")
        failed = events.wait(Registration, state="failed")
        assert failed.code in (401, 403, 407)
        assert "wrong user name or password" in failed.reason
        # No storm: over three health rounds, no new attempt is made.
        with pytest.raises(WaitTimeout):
            events.wait(Registration, timeout=3.0, where=lambda r: r.state != "failed")
    finally:
        engine.stop()
    registers = kamailio.log_text().count("REQ REGISTER")
    assert registers <= 2, registers  # the first attempt and its one authenticated retry


def test_dead_registrar_is_noticed_within_10_s_and_registration_comes_back(
    registered: tuple[PhoneEngine, EventLog], kamailio: Kamailio
) -> None:
    _engine, events = registered
    events.wait(Registration, state="registered")
    events.wait(Health, ok=True)
    kamailio.kill()
    killed_at = time.monotonic()
    down = events.wait(Health, ok=False, timeout=10)
    noticed_s = time.monotonic() - killed_at
    assert noticed_s < 10, noticed_s
    assert down.detail
    kamailio.start()
    events.wait(Health, ok=True, timeout=10)
    again = events.wait(Registration, state="registered", timeout=10)
    assert again.code == 200


@pytest.fixture
def backup_kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    """A second Kamailio on its own port (the backup registrar)."""
    workdir = tmp_path / "kamailio-backup"
    workdir.mkdir()
    server = Kamailio(require_binary("kamailio", "kamailio"), workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.leftover_pids()


def test_failover_to_the_backup_registrar_when_the_primary_dies(
    kamailio: Kamailio, backup_kamailio: Kamailio, tmp_path: Path, bots: Bots
) -> None:
    account = AccountOptions(
        user="1001",
        domain=kamailio.host,
        registrars=(kamailio.uri(), backup_kamailio.uri()),
        password=SecretStr(kamailio.password("1001")),
        expires_s=60,
        health_interval_s=1.0,
        health_timeout_s=1.0,
    )
    events = EventLog()
    engine = PhoneEngine(
        EngineOptions(
            accounts=(account,),
            log_file=tmp_path / "pjsip.log",
            log_level=5,
            first_retry_interval_s=1,
            retry_interval_s=2,
        ),
        events,
    )
    engine.start()
    try:
        first = events.wait(Registration, state="registered")
        assert first.registrar == kamailio.uri()
        kamailio.kill()
        failover = events.wait(
            Registration, state="registering", timeout=10, where=lambda r: r.reason.startswith("failover")
        )
        assert failover.registrar == backup_kamailio.uri()
        again = events.wait(Registration, state="registered", timeout=10)
        assert again.registrar == backup_kamailio.uri()
        bot = bots.start(
            "--account",
            f"1002@{backup_kamailio.host}",
            "--registrar",
            backup_kamailio.uri(),
            "--dial",
            "1001",
            env={"AGENT_TUI_SIP_PASSWORD": backup_kamailio.password("1002")},
        )
        ring = events.wait(IncomingCall, timeout=15)  # calls reach us through the backup
        assert ring.number == "1002"
        engine.reject(ring.call_id, 603)
        assert bot.until("ended")["code"] == 603
    finally:
        engine.stop()
