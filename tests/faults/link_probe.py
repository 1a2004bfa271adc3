"""Measure a loopback's delay and loss with UDP pings: what an impaired link really does, in figures.

`probe(count)` sends `count` numbered datagrams from one socket to an echo socket on 127.0.0.1,
paced `spacing_s` apart (so no socket buffer overflows and passes for loss), and echoes each one
back from the same event loop. It records each datagram's one-way time (sent → reached the echo)
and round trip (sent → back), and gives up on the missing ones `grace_s` after the last was sent.
"""

from __future__ import annotations

import selectors
import socket
import statistics
import struct
import time
from dataclasses import dataclass

_PING = struct.Struct("!I")


@dataclass(frozen=True)
class LinkFigures:
    """What `probe` saw."""

    sent: int
    one_way_ms: list[float]
    """One-way times of the datagrams that reached the echo socket."""
    round_trip_ms: list[float]
    """Round trips of the datagrams that came back."""

    @property
    def one_way_loss(self) -> float:
        """Fraction of datagrams lost on the way out."""
        return 1 - len(self.one_way_ms) / self.sent

    @property
    def round_trip_loss(self) -> float:
        """Fraction of pings with no answer (lost either way)."""
        return 1 - len(self.round_trip_ms) / self.sent

    @property
    def median_one_way_ms(self) -> float:
        """Median one-way time (nan when nothing arrived)."""
        return statistics.median(self.one_way_ms) if self.one_way_ms else float("nan")

    @property
    def median_round_trip_ms(self) -> float:
        """Median round trip (nan when nothing came back)."""
        return statistics.median(self.round_trip_ms) if self.round_trip_ms else float("nan")

    def summary(self) -> str:
        """One line for a report: medians and losses."""
        return (f"{self.sent} pings: one-way median {self.median_one_way_ms:.1f} ms, "
                f"loss {self.one_way_loss:.1%}; round trip median {self.median_round_trip_ms:.1f} ms, "
                f"loss {self.round_trip_loss:.1%}")


def probe(count: int, *, spacing_s: float = 0.002, grace_s: float = 2.0) -> LinkFigures:
    """Ping the loopback `count` times and measure (see the module's docstring)."""
    sent_at: dict[int, float] = {}
    one_way: list[float] = []
    round_trip: list[float] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as echo, selectors.DefaultSelector() as sel:
        for sock in (client, echo):
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            sel.register(sock, selectors.EVENT_READ)
        target = echo.getsockname()
        next_send = time.monotonic()
        give_up = float("inf")
        while len(round_trip) < count:
            now = time.monotonic()
            if len(sent_at) < count and now >= next_send:
                sent_at[len(sent_at)] = now
                client.sendto(_PING.pack(len(sent_at) - 1), target)
                next_send = now + spacing_s
                if len(sent_at) == count:
                    give_up = now + grace_s
            if now >= give_up:
                break
            wake = next_send if len(sent_at) < count else give_up
            # The select timeout paces the sends and bounds the wait for answers: nothing sleeps.
            for key, _ in sel.select(max(wake - time.monotonic(), 0)):
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                data, source = ready.recvfrom(64)
                arrived = time.monotonic()
                number = _PING.unpack(data)[0]
                if ready is echo:
                    one_way.append((arrived - sent_at[number]) * 1000)
                    echo.sendto(data, source)
                else:
                    round_trip.append((arrived - sent_at[number]) * 1000)
    return LinkFigures(sent=count, one_way_ms=one_way, round_trip_ms=round_trip)
