"""The desk's link drops mid-call and comes back with a new address (issue 17): the call survives.

Two network namespaces joined by a veth link: the desk's (10.77.0.1 on v0) and a far side
(10.77.0.100 on v1) where Kamailio and the caller (an `agent-tui bot` sending 1000 Hz) run. The
desk's phone engine runs in this process, on a thread inside the desk's namespace, listening on the
wildcard address. Mid-call the desk's address is deleted (the link is gone), then a new one
(10.77.0.2) comes with its default route, as after a new DHCP lease or a Wi-Fi roam. Without
recovery, Kamailio's requests and the caller's RTP still go to 10.77.0.1, which no longer exists.

Proven: the engine reports the lost link, then notices the new address within its watch interval;
the peer receives a re-INVITE whose SDP names the new address and answers it 200; media keeps
flowing in (packets counted, and the caller's tone in the agent's earpiece after the recovery);
the desk's notes for the real steps are "Network lost…", "re-registering and restoring the
call…", "call restored"; the caller's BYE reaches the desk (it follows the re-INVITE's Contact);
the desk's last REGISTER names the new address, and a second call routed by Kamailio rings there.

Measured without the watch (`ip_change_watch_s = 0`): the media alone comes back (pjsua peers latch
onto the address RTP arrives from), but the caller's BYE and the second call go to the old address
and are lost: the registrar routes every later call to nowhere until the registration's refresh.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.desk.network_notice import network_notice
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, CallStats, IncomingCall, NetworkChange, Registration
from agent_tui.phone.options import AccountOptions, EngineOptions
from tests.faults.netns import Namespace, call_in_namespace, namespace_exists, network_namespace
from tests.phone.support import BotPeer, EventLog
from tests.support.audio_checks import TONE_HEARD, readable_wav, tone_presence
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, password_of
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

OLD, NEW, REGISTRAR = "10.77.0.1", "10.77.0.2", "10.77.0.100"
WATCH_S = 0.5
"""The engine's look at the addresses in this test (2 s by default)."""
TONE_HZ = 1000.0
CALLER_HANGS_UP_S = 5.0
"""The caller hangs up this long after the answer: well after the recovery (~0.5 s here)."""


def run_all(ns: Namespace, *commands: tuple[str, ...]) -> None:
    """Run `ip` commands in the desk's namespace, each of which must succeed."""
    for argv in commands:
        done = ns.run(*argv)
        assert done.returncode == 0, (argv, done.stderr)


def later_stats(events: EventLog, call_id: str, after: int) -> CallStats:
    """The first CallStats of `call_id` among the events from index `after` on."""
    return events.wait(CallStats, call_id=call_id, timeout=10,
                       where=lambda stats: events.events.index(stats) >= after)


@contextmanager
def peer_host(desk: Namespace, name: str) -> Iterator[str]:
    """A second namespace (the far side of the desk's link, where the registrar and caller live)."""
    checked = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    assert checked.returncode == 0, checked.stderr
    try:
        for argv in (("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", name),
                     ("ip", "link", "set", "v0", "up"),
                     ("ip", "addr", "add", f"{OLD}/24", "dev", "v0"),
                     ("ip", "route", "add", "default", "dev", "v0"),
                     ("ip", "-n", name, "link", "set", "lo", "up"),
                     ("ip", "-n", name, "link", "set", "v1", "up"),
                     ("ip", "-n", name, "addr", "add", f"{REGISTRAR}/24", "dev", "v1")):
            done = desk.run(*argv)
            assert done.returncode == 0, (argv, done.stderr)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10, check=False)
    assert not namespace_exists(name), f"network namespace {name} left behind"


def test_a_call_survives_the_desk_moving_to_a_new_address(tmp_path: Path) -> None:
    kamailio_binary = require_binary("kamailio", "kamailio")
    with network_namespace(f"at17nc{os.getpid()}") as ns, peer_host(ns, f"at17pe{os.getpid()}") as far:
        workdir = tmp_path / "kamailio"
        workdir.mkdir()
        kamailio = Kamailio(kamailio_binary, workdir, domain=REGISTRAR)
        kamailio.host = REGISTRAR
        call_in_namespace(far, kamailio.start)
        events = EventLog()
        earpiece = tmp_path / "earpiece.wav"
        pjsip_log = tmp_path / "pjsip.log"
        engine = PhoneEngine(EngineOptions(
            accounts=(AccountOptions(user="1001", domain=REGISTRAR, registrars=(kamailio.uri(),),
                                     password=SecretStr(password_of("1001")), expires_s=60),),
            listen=("0.0.0.0", 0),  # a wildcard listener is what can follow a new address
            earpiece_file=earpiece, log_file=pjsip_log, log_level=5,
            ip_change_watch_s=WATCH_S, stats_interval_s=1.0,
        ), events)
        bot: BotPeer | None = None
        try:
            engine.start()
            started_at = time.monotonic()
            events.wait(Registration, state="registered", timeout=15)
            caller = ["--listen", f"{REGISTRAR}:0", "--account", f"1002@{REGISTRAR}",
                      "--registrar", kamailio.uri(), "--dial", "1001", "--calls", "2",
                      "--hangup-after", str(CALLER_HANGS_UP_S),
                      "--tone", str(TONE_HZ), "--log", str(tmp_path / "bot-pjsip.log")]
            bot = call_in_namespace(far, lambda: BotPeer(
                caller, tmp_path, env={"AGENT_TUI_SIP_PASSWORD": password_of("1002")}))
            ring = events.wait(IncomingCall, timeout=20)
            engine.answer(ring.call_id)
            events.wait(CallState, call_id=ring.call_id, state="confirmed")
            bot.until("answered", timeout=10)

            # The link drops (the lease is gone: no address at all)...
            run_all(ns, ("ip", "addr", "del", f"{OLD}/24", "dev", "v0"))
            lost = events.wait(NetworkChange, state="lost", timeout=10)
            assert lost.addresses == ()
            assert lost.call_ids == (ring.call_id,)
            # ...and comes back with another address and its default route, as a new DHCP lease.
            run_all(ns, ("ip", "addr", "add", f"{NEW}/24", "dev", "v0"),
                    ("ip", "route", "replace", "default", "dev", "v0"))
            moved_at = time.monotonic()
            change = events.wait(NetworkChange, state="recovering", timeout=10)
            assert change.reason == "network back"
            assert change.addresses == (NEW,)
            assert change.call_ids == (ring.call_id,)
            noticed_s = time.monotonic() - moved_at
            done = events.wait(NetworkChange, state="recovered", timeout=20)
            recovered_at = time.monotonic()
            assert ring.call_id in done.call_ids
            assert not events.of(CallEnded), "the call was lost"
            assert not bot.events("ended"), "the caller lost the call"
            # Media flows in again: two statistics reports (a second apart) after the recovery, the
            # second with more packets received.
            first = later_stats(events, ring.call_id, len(events.events))
            second_stats = later_stats(events, ring.call_id, events.events.index(first) + 1)
            assert second_stats.rx_packets > first.rx_packets, (first, second_stats)
            # What the desk shows for the steps the engine reported.
            notes = [note.text for note in map(network_notice, events.of(NetworkChange)) if note]
            assert notes == ["Network lost: the phone waits for the link to come back…",
                             "Network changed: re-registering and restoring the call…",
                             "Network changed: call restored."], notes
            # The caller's BYE follows the re-INVITE's Contact to the new address.
            ended = events.wait(CallEnded, call_id=ring.call_id, timeout=CALLER_HANGS_UP_S + 10)
            assert ended.reason == "remote hangup", ended

            # The registrar routes the bot's second call to the new address.
            second = events.wait(IncomingCall, timeout=20)
            engine.hangup(second.call_id)
            events.wait(CallEnded, call_id=second.call_id)
        finally:
            if bot is not None:
                bot.stop()
            engine.stop()
            kamailio.stop()
        assert not kamailio.leftover_pids()
    wait_for(lambda: readable_wav(earpiece), 5, interval=0.1, message="the earpiece WAV closed")
    offset = recovered_at - started_at
    heard_after = tone_presence(earpiece, TONE_HZ, offset + 0.3, offset + 1.3)
    assert heard_after > TONE_HEARD, heard_after
    # Our REGISTERs: the last ones name the new address (the registrar's 200 lists both until the
    # old binding expires: pjsua does not unregister a Contact it can no longer be reached at).
    registers = pjsip_log.read_text(errors="replace").split("REGISTER sip:")[1:]
    contacts = [re.search(r"Contact: <sip:1001@([0-9.]+):", block) for block in registers]
    last = contacts[-1]
    assert last is not None, registers[-1]
    assert last.group(1) == NEW, [c and c.group(1) for c in contacts]
    # The peer's side: a re-INVITE whose SDP carries the new address, answered 200.
    peer = (tmp_path / "bot-pjsip.log").read_text(errors="replace")
    received = re.findall(r"RX \d+ bytes Request msg INVITE/cseq=(\d+) .*?--end msg--", peer, re.S)
    blocks = re.findall(r"RX \d+ bytes Request msg INVITE/cseq=\d+ .*?--end msg--", peer, re.S)
    moved = [cseq for cseq, block in zip(received, blocks, strict=True) if f"c=IN IP4 {NEW}" in block]
    assert moved, "the peer never saw an INVITE from the new address"
    answered = re.search(rf"TX \d+ bytes Response msg 200/INVITE/cseq={moved[0]} ", peer)
    assert answered is not None, "the peer did not answer the re-INVITE"
    print(f"noticed after {noticed_s:.2f} s, recovered {recovered_at - moved_at:.2f} s after the move")
