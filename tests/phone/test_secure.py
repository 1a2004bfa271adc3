"""Registration over TLS (Kamailio's tls module, a self-signed certificate) and SRTP with SDES."""

from __future__ import annotations

import glob
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, IncomingCall, RecordingReady, Registration
from agent_tui.phone.options import AccountOptions, EngineOptions
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, free_port

pytestmark = pytest.mark.peers


class TlsKamailio(Kamailio):
    """The test Kamailio with a TLS listener too (tls module, self-signed certificate)."""

    def __init__(self, binary: str, workdir: Path, cert: Path, key: Path) -> None:
        super().__init__(binary, workdir)
        self.tls_port = free_port()
        self.cert = cert
        self.key = key

    def write_config(self) -> Path:
        path = super().write_config()
        tls_cfg = self.workdir / "tls.cfg"
        tls_cfg.write_text(
            "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
            f"private_key = {self.key}\ncertificate = {self.cert}\n\n"
            "[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
        )
        text = path.read_text()
        text = text.replace(
            "disable_tcp=no\n", f"disable_tcp=no\nenable_tls=yes\nlisten=tls:{self.host}:{self.tls_port}\n"
        )
        text = text.replace(
            'loadmodule "kex.so"\n',
            f'loadmodule "tls.so"\nmodparam("tls", "config", "{tls_cfg}")\nloadmodule "kex.so"\n',
        )
        path.write_text(text)
        return path

    def tls_uri(self) -> str:
        """The registrar's URI over TLS."""
        return f"sip:{self.host}:{self.tls_port};transport=tls"


@pytest.fixture
def tls_kamailio(tmp_path: Path) -> Iterator[TlsKamailio]:
    binary = require_binary("kamailio", "kamailio")
    if not glob.glob("/usr/lib/*/kamailio/modules/tls.so") + glob.glob("/usr/lib/kamailio/modules/tls.so"):
        if os.environ.get("AGENT_TUI_REQUIRE_PEERS") == "1":
            pytest.fail("Kamailio's tls module is missing (Debian: kamailio-tls-modules)")
        pytest.skip("Kamailio's tls module is missing (Debian: kamailio-tls-modules)")
    openssl = require_binary("openssl", "openssl")
    workdir = tmp_path / "kamailio-tls"
    workdir.mkdir()
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    server = TlsKamailio(binary, workdir, cert, key)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.leftover_pids()


def test_register_over_tls_and_take_a_call(tls_kamailio: TlsKamailio, tmp_path: Path, bots: Bots) -> None:
    account = AccountOptions(
        user="1001",
        domain=tls_kamailio.host,
        registrars=(tls_kamailio.tls_uri(),),
        transport="tls",
        password=SecretStr(tls_kamailio.password("1001")),
        expires_s=60,
        health_interval_s=1.0,
    )
    events = EventLog()
    engine = PhoneEngine(
        EngineOptions(
            accounts=(account,), log_file=tmp_path / "pjsip.log", log_level=5, tls_verify_server=False
        ),
        events,
    )
    engine.start()
    try:
        reg = events.wait(Registration, state="registered", timeout=15)
        assert ";transport=tls" in reg.registrar
        assert engine.info.tls_port is not None
        bot = bots.start(
            "--account",
            f"1002@{tls_kamailio.host}",
            "--registrar",
            tls_kamailio.uri(),
            "--dial",
            "1001",
            env={"AGENT_TUI_SIP_PASSWORD": tls_kamailio.password("1002")},
        )
        ring = events.wait(IncomingCall, timeout=15)  # relayed to us over the TLS connection
        engine.answer(ring.call_id)
        events.wait(CallState, call_id=ring.call_id, state="confirmed")
        bot.until("answered")
        engine.hangup(ring.call_id)
        events.wait(CallEnded, call_id=ring.call_id)
    finally:
        engine.stop()
    log = (tmp_path / "pjsip.log").read_text(errors="replace")
    assert "SIP/2.0/TLS" in log


def test_srtp_sdes_call_between_two_engines(kamailio: Kamailio, tmp_path: Path, bots: Bots) -> None:
    account = AccountOptions(
        user="1001",
        domain=kamailio.host,
        registrars=(kamailio.uri(),),
        srtp="mandatory",
        password=SecretStr(kamailio.password("1001")),
        expires_s=60,
        health_interval_s=0,
    )
    events = EventLog()
    engine = PhoneEngine(
        EngineOptions(
            accounts=(account,),
            log_file=tmp_path / "pjsip.log",
            log_level=5,
            recording_dir=tmp_path / "rec",
            stats_interval_s=1.0,
        ),
        events,
    )
    config = tmp_path / "bot.toml"
    config.write_text(
        '[sip]\nmode = "registrar"\nlisten = "127.0.0.1:0"\n\n[[sip.accounts]]\nuser = "1002"\n'
        f'domain = "{kamailio.host}"\nregistrars = ["{kamailio.uri()}"]\nsrtp = "mandatory"\n'
        "health_interval_s = 0\n"
    )
    engine.start()
    try:
        events.wait(Registration, state="registered")
        bot = bots.start(
            "--config",
            str(config),
            "--dial",
            "1001",
            "--tone",
            "440",
            "--stats-interval",
            "1",
            env={"AGENT_TUI_SIP_PASSWORD": kamailio.password("1002")},
        )
        ring = events.wait(IncomingCall, timeout=15)
        engine.answer(ring.call_id)
        events.wait(CallState, call_id=ring.call_id, state="confirmed")
        bot.until("stats")
        bot.until("stats")
        engine.hangup(ring.call_id)
        events.wait(CallEnded, call_id=ring.call_id)
        recording = Path(events.wait(RecordingReady, call_id=ring.call_id).path)
    finally:
        engine.stop()
    assert 400 <= dominant_frequency(recording) <= 480  # decrypted audio from the other engine
    log = (tmp_path / "pjsip.log").read_text(errors="replace")
    assert "RTP/SAVP" in log
    assert "a=crypto:" in log
