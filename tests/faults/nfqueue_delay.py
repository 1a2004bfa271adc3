"""A userspace delay line for netfilter's NFQUEUE: every queued packet is let through `delay` later.

Kernels built without `sch_netem` (no `tc ... netem`) still have NFQUEUE: an iptables rule
`-o lo -j NFQUEUE --queue-num N` hands each packet's id to a netlink listener, and the packet waits
in the kernel until the listener gives its verdict. This module is that listener, speaking the
nfnetlink_queue protocol itself over a raw netlink socket (no libnetfilter_queue): it binds queue N,
asks for metadata only (no payload copies), and accepts each packet `delay` after it arrived, in
arrival order, so a constant delay keeps the packets' order as netem's does. Loss is not done here:
the kernel's `statistic` match drops packets (see tests/faults/netns.py).

Run as a process inside the namespace it serves (netlink sockets belong to a network namespace):
`python -m tests.faults.nfqueue_delay --queue 7 --delay-ms 100` prints `ready` once bound, and on
SIGTERM or SIGINT prints `held N max_late_ms M` (packets held, worst lateness past the delay) and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 2
NLA_TYPE_MASK = 0x3FFF
"""Attribute types carry NLA_F_NESTED / NLA_F_NET_BYTEORDER in their top bits."""
QUEUE_MAXLEN = 8192
"""Packets the kernel may hold for us at once (its default, 1024, is close at 100 ms of RTP)."""
RECEIVE_BUFFER = 4 << 20
"""A notification the socket cannot take is lost, and so is its packet's verdict: be generous."""

_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port id
_ATTR = struct.Struct("=HH")  # nlattr: length, type


def _align(length: int) -> int:
    return (length + 3) & ~3


def attribute(kind: int, value: bytes) -> bytes:
    """One netlink attribute (type-length-value), padded to four bytes."""
    length = _ATTR.size + len(value)
    return _ATTR.pack(length, kind) + value + b"\0" * (_align(length) - length)


def message(msg: int, queue: int, attributes: bytes, *, flags: int = NLM_F_REQUEST,
            sequence: int = 0) -> bytes:
    """An nfnetlink_queue message `msg` for queue `queue` (nlmsghdr + nfgenmsg + attributes)."""
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack(">H", queue) + attributes
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg
    return _HEADER.pack(_HEADER.size + len(body), kind, flags, sequence, 0) + body


def bind_messages(queue: int) -> list[bytes]:
    """Bind `queue` to this socket, metadata only, with room for QUEUE_MAXLEN packets (each acked)."""
    flags = NLM_F_REQUEST | NLM_F_ACK
    return [
        message(NFQNL_MSG_CONFIG, queue, attribute(NFQA_CFG_CMD, struct.pack(">BxH", NFQNL_CFG_CMD_BIND, 0)),
                flags=flags, sequence=1),
        message(NFQNL_MSG_CONFIG, queue, attribute(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META)),
                flags=flags, sequence=2),
        message(NFQNL_MSG_CONFIG, queue, attribute(NFQA_CFG_QUEUE_MAXLEN, struct.pack(">I", QUEUE_MAXLEN)),
                flags=flags, sequence=3),
    ]


def verdict(queue: int, packet_id: int) -> bytes:
    """Let packet `packet_id` of `queue` go on (NF_ACCEPT)."""
    header = struct.pack(">II", NF_ACCEPT, packet_id)
    return message(NFQNL_MSG_VERDICT, queue, attribute(NFQA_VERDICT_HDR, header))


@dataclass(frozen=True)
class Netlink:
    """One netlink message as received: its type, sequence number and payload (after nlmsghdr)."""

    kind: int
    sequence: int
    payload: bytes


def split_messages(data: bytes) -> Iterator[Netlink]:
    """The netlink messages in one datagram from the kernel."""
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, kind, _flags, sequence, _port = _HEADER.unpack_from(data, offset)
        if length < _HEADER.size:
            return
        yield Netlink(kind, sequence, data[offset + _HEADER.size:offset + length])
        offset += _align(length)


def attributes(data: bytes) -> dict[int, bytes]:
    """Attribute type → value, for a run of netlink attributes."""
    found: dict[int, bytes] = {}
    offset = 0
    while offset + _ATTR.size <= len(data):
        length, kind = _ATTR.unpack_from(data, offset)
        if length < _ATTR.size:
            break
        found[kind & NLA_TYPE_MASK] = data[offset + _ATTR.size:offset + length]
        offset += _align(length)
    return found


def packet_id(note: Netlink) -> int | None:
    """The packet id of a queued-packet notification; None for any other message."""
    if note.kind != (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
        return None
    header = attributes(note.payload[4:]).get(NFQA_PACKET_HDR)  # after nfgenmsg
    if header is None or len(header) < 4:
        return None
    return int(struct.unpack(">I", header[:4])[0])


def ack_error(note: Netlink) -> int | None:
    """The errno of a netlink ack (0 for success); None when `note` is not an ack."""
    if note.kind != NLMSG_ERROR or len(note.payload) < 4:
        return None
    return -int(struct.unpack("=i", note.payload[:4])[0])


class DelayLine:
    """Holds each packet of one NFQUEUE queue for `delay_s`, then accepts it."""

    def __init__(self, queue: int, delay_s: float) -> None:
        self.queue = queue
        self.delay_s = delay_s
        self.held = 0
        """Packets accepted so far."""
        self.max_late_s = 0.0
        """The worst time past `delay_s` a verdict went out (a busy machine makes it grow)."""
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)

    def bind(self) -> None:
        """Take over the queue; OSError when the kernel refuses (no NFQUEUE, queue taken, not root)."""
        self._sock.setsockopt(socket.SOL_SOCKET, 33, RECEIVE_BUFFER)  # SO_RCVBUFFORCE: we are root
        self._sock.bind((0, 0))
        for request in bind_messages(self.queue):
            self._sock.send(request)
            note = self._ack()
            error = ack_error(note)
            if error:
                raise OSError(error, f"nfqueue config {note.sequence} refused: errno {error}")
        self._sock.setblocking(False)

    def _ack(self) -> Netlink:
        """The kernel's answer to the request just sent (blocking: the socket is still blocking)."""
        while True:
            for note in split_messages(self._sock.recv(65536)):
                if ack_error(note) is not None:
                    return note

    async def run(self, stop: asyncio.Event) -> None:
        """Hold and release packets until `stop` is set."""
        loop = asyncio.get_running_loop()
        loop.add_reader(self._sock.fileno(), self._receive, loop)
        try:
            await stop.wait()
        finally:
            loop.remove_reader(self._sock.fileno())

    def _receive(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            for note in split_messages(data):
                ident = packet_id(note)
                if ident is not None:
                    due = loop.time() + self.delay_s
                    loop.call_at(due, self._accept, loop, ident, due)

    def _accept(self, loop: asyncio.AbstractEventLoop, ident: int, due: float) -> None:
        self.max_late_s = max(self.max_late_s, loop.time() - due)
        self._sock.send(verdict(self.queue, ident))
        self.held += 1

    def close(self) -> None:
        """Close the socket: the kernel unbinds the queue (and drops what it still held)."""
        self._sock.close()


async def _serve(queue: int, delay_s: float) -> int:
    line = DelayLine(queue, delay_s)
    try:
        line.bind()
    except OSError as error:
        print(f"failed {error}", flush=True)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print("ready", flush=True)
    await line.run(stop)
    line.close()
    print(f"held {line.held} max_late_ms {line.max_late_s * 1000:.1f}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.faults.nfqueue_delay --queue N --delay-ms MS`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args(argv)
    return asyncio.run(_serve(args.queue, args.delay_ms / 1000))


if __name__ == "__main__":
    sys.exit(main())
