"""The Kamailio fixture itself: starts on a free port, answers over UDP and TCP, dies and comes back."""

from __future__ import annotations

import pytest

from tests.support.sip_peers import Kamailio, group_members
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers


def test_kamailio_answers_options_over_udp_and_tcp(kamailio: Kamailio) -> None:
    assert kamailio.running
    assert kamailio.options("udp") == 200
    assert kamailio.options("tcp") == 200
    assert kamailio.pid_path.read_text().strip() == str(kamailio.pid)
    # fork=yes: the main process has children, all in the fixture's own process group.
    assert len(kamailio.leftover_pids()) > 1


def test_kamailio_killed_is_silent_and_restarts_on_the_same_port(kamailio: Kamailio) -> None:
    port, old_pgid = kamailio.port, kamailio.pgid
    assert old_pgid is not None
    kamailio.kill()
    assert not kamailio.running
    assert group_members(old_pgid) == []
    assert kamailio.options("udp", timeout=0.3) is None
    assert not kamailio.tcp_accepts()
    kamailio.restart()
    assert kamailio.port == port
    assert kamailio.pid != old_pgid
    wait_for(lambda: kamailio.options("udp") == 200, 5, message="OPTIONS 200 after restart")
    assert kamailio.options("tcp") == 200


def test_kamailio_stop_leaves_no_process(kamailio: Kamailio) -> None:
    kamailio.stop()
    assert kamailio.leftover_pids() == []
    assert kamailio.options("udp", timeout=0.3) is None
    kamailio.start()
    assert kamailio.options("udp") == 200
