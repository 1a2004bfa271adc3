"""A small driver that submits work orders exactly as the desk does, for the 200-order fault test.

Submitting a work order in the desk is `OutboxWrites.submit_ticket(TicketCreate)`: the order is
journalled (fsynced, with its Idempotency-Key) in the outbox at `state_dir()/outbox.db`, and the
outbox's sender delivers it. This driver uses that very class, on the journal its environment's
XDG_STATE_HOME points at, so a driver started again on the same state folder resumes the journal the
way a restarted desk does. Driving 200 orders by keystrokes would take many minutes and test the
form, not the delivery.

    python -m tests.faults.outbox_driver --url URL --customer ID --marker M --start 0 --stop 100 \
        [--interval 0.01] [--drain]

The password comes from AGENT_TUI_PASSWORD. One JSON object per line on stdout:
`{"event": "ready", "queued": N}` (N: items found in the journal at start),
`{"event": "enqueued", "index": I, "key": K}` once order I is on disk, `{"event": "all_enqueued"}`,
and with `--drain` `{"event": "drained", "delivered": D}` once the journal is empty (then it exits 0).
Without `--drain` it keeps delivering until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from pydantic import SecretStr

from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.sync.desk_link import OutboxWrites
from agent_tui.sync.errors import BackendUnavailable

AGENT = "agent01"
LOGIN_DEADLINE_S = 60.0


def emit(event: str, **data: Any) -> None:
    """One JSON line on stdout, flushed at once (the test reads it while we run)."""
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


def description(marker: str, index: int) -> str:
    """The unique description of order `index` (the test finds each order by it)."""
    return f"{marker} order {index:03d}"


def order(customer_id: int, marker: str, index: int) -> TicketCreate:
    """A repair order as the repair screen files it."""
    text = description(marker, index)
    return TicketCreate(
        ticket_type=TicketType.REPAIR, customer_id=customer_id, screen_id="repair",
        subject=f"Repair {index:03d}", description=text,
        fields={"fault_type": "voltage", "description": text},
    )


async def login(client: BackendClient, password: str) -> None:
    """Log in, retrying while the backend is down (a restarted driver may come up first)."""
    deadline = time.monotonic() + LOGIN_DEADLINE_S
    while True:
        try:
            await client.login(AGENT, SecretStr(password))
            return
        except BackendUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # the backend is down: nothing to wait on but time


async def run(args: argparse.Namespace) -> int:
    """Submit orders [start, stop) through the desk's outbox; optionally wait until all are delivered."""
    password = os.environ.get("AGENT_TUI_PASSWORD", "")
    client = BackendClient(args.url, timeouts=Timeouts(connect=3.0, read=10.0))
    await login(client, password)
    writes = OutboxWrites(client)
    outbox = writes.outbox
    empty = asyncio.Event()
    # The desk's status listener (called on this loop by the sender) tells when the journal is empty.
    writes.set_status_listener(lambda status: empty.set() if status.queued == 0 else empty.clear())
    emit("ready", queued=outbox.status().queued, journal=str(outbox.path))
    outbox.start()
    for index in range(args.start, args.stop):
        key = writes.submit_ticket(order(args.customer, args.marker, index))
        emit("enqueued", index=index, key=key)
        if args.interval > 0:
            await asyncio.sleep(args.interval)  # pacing: an agent submits orders one by one
    emit("all_enqueued")
    if not args.drain:
        await asyncio.Event().wait()  # deliver until killed
    while outbox.status().queued > 0:
        empty.clear()
        await empty.wait()
    emit("drained", delivered=outbox.delivered)
    await outbox.close()
    await client.aclose()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="tests.faults.outbox_driver", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--customer", type=int, required=True)
    parser.add_argument("--marker", required=True)
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--stop", type=int, required=True)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--drain", action="store_true")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
