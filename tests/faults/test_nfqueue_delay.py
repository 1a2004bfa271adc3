"""The loopback impairment without netem: the NFQUEUE delay line and the statistic drop, in figures.

The protocol pieces are checked without root; the real thing runs in a namespace of its own and is
measured with 400 UDP pings: every datagram is late by at least the delay (and not much more), and
about 5 % are lost on the way (binomial: 20 of 400 expected, 4..48 accepted, both tails < 1e-4).
"""

from __future__ import annotations

import os
import struct
import uuid
from pathlib import Path

import pytest

from tests.faults import nfqueue_delay as nfq
from tests.faults.link_probe import probe
from tests.faults.netns import Namespace, NetemUnavailable, network_namespace

DELAY_MS = 100.0
LOSS_PERCENT = 5.0
PINGS = 400


def test_bind_messages_carry_the_queue_and_ask_for_metadata_only() -> None:
    messages = [next(nfq.split_messages(m)) for m in nfq.bind_messages(7)]
    assert [m.kind for m in messages] == [(nfq.NFNL_SUBSYS_QUEUE << 8) | nfq.NFQNL_MSG_CONFIG] * 3
    assert [m.sequence for m in messages] == [1, 2, 3]
    for m in messages:
        assert struct.unpack(">H", m.payload[2:4])[0] == 7  # nfgenmsg res_id: the queue, big-endian
    command = nfq.attributes(messages[0].payload[4:])[nfq.NFQA_CFG_CMD]
    assert command[0] == nfq.NFQNL_CFG_CMD_BIND
    params = nfq.attributes(messages[1].payload[4:])[nfq.NFQA_CFG_PARAMS]
    assert params == struct.pack(">IB", 0, nfq.NFQNL_COPY_META)


def test_a_verdict_accepts_the_packet_it_names() -> None:
    note = next(nfq.split_messages(nfq.verdict(7, 123456)))
    assert note.kind == (nfq.NFNL_SUBSYS_QUEUE << 8) | nfq.NFQNL_MSG_VERDICT
    header = nfq.attributes(note.payload[4:])[nfq.NFQA_VERDICT_HDR]
    assert struct.unpack(">II", header) == (nfq.NF_ACCEPT, 123456)


def test_packet_notifications_and_acks_are_read() -> None:
    packet_hdr = nfq.attribute(nfq.NFQA_PACKET_HDR | 0x4000, struct.pack(">IHB", 42, 0x0800, 3))
    notice = nfq.message(nfq.NFQNL_MSG_PACKET, 7, packet_hdr)
    ack = struct.pack("=IHHII", 36, nfq.NLMSG_ERROR, 0, 2, 0) + struct.pack("=i", -1) + b"\0" * 16
    notes = list(nfq.split_messages(notice + ack))
    assert [nfq.packet_id(n) for n in notes] == [42, None]
    assert [nfq.ack_error(n) for n in notes] == [None, 1]


def fake_tc(tmp_path: Path, stderr: str, code: int) -> str:
    """A `tc` that answers like the real one on a kernel with (code 0) or without netem."""
    path = tmp_path / "tc"
    path.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'tc.args'}\necho '{stderr}' >&2\nexit {code}\n")
    path.chmod(0o755)
    return str(path)


def test_netem_is_preferred_when_the_kernel_has_it(tmp_path: Path) -> None:
    ns = Namespace("unused", "ip", fake_tc(tmp_path, "", 0))
    assert ns.impair(DELAY_MS, LOSS_PERCENT) == "netem"
    assert (tmp_path / "tc.args").read_text().split() == [
        "qdisc", "add", "dev", "lo", "root", "netem", "delay", "100ms", "loss", "5%"]
    assert not ns.delay_line_alive()


def test_a_kernel_without_netem_says_so(tmp_path: Path) -> None:
    ns = Namespace("unused", "ip", fake_tc(tmp_path, "Error: Specified qdisc kind is unknown.", 2))
    with pytest.raises(NetemUnavailable):
        ns.impair_with_netem(DELAY_MS, LOSS_PERCENT)
    assert ns.mechanism is None


@pytest.mark.peers
def test_the_delay_line_delays_and_the_statistic_match_drops() -> None:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    with network_namespace(f"agenttui-{uuid.uuid4().hex[:8]}") as ns:
        clean = probe(50)
        assert clean.round_trip_loss == 0, clean.summary()
        ns.impair_with_nfqueue(DELAY_MS, LOSS_PERCENT)  # even where netem exists: this is its test
        assert ns.mechanism == "nfqueue"
        assert "NFQUEUE" in ns.describe()
        figures = probe(PINGS)
        assert ns.delay_line_alive()
        ns.stop()
    print(f"clean loopback: {clean.summary()}\nimpaired: {figures.summary()}\n{ns.delay_line_report}")
    assert min(figures.one_way_ms) >= DELAY_MS - 0.5, figures.summary()
    # Late by the delay, not by much more (generous: 2 cores shared by many test runs).
    assert figures.median_one_way_ms < DELAY_MS + 50, figures.summary()
    assert min(figures.round_trip_ms) >= 2 * DELAY_MS - 1, figures.summary()
    assert 4 <= PINGS - len(figures.one_way_ms) <= 48, figures.summary()
    assert figures.round_trip_loss > figures.one_way_loss, figures.summary()  # two chances to be lost
    held = int(ns.delay_line_report.split()[1])
    assert held >= len(figures.one_way_ms) + len(figures.round_trip_ms), ns.delay_line_report
