"""The wallboard's feed before its model, in process: SSE parsing and `Event` validation per event.

5,000 `agent_state` frames as the backend writes them (server/broker.py), cut in 64 KB chunks as a
backlog arrives, go through `SseParser.feed`, then each message through `event_from_message`; CPU
time (`time.process_time()`), the median of five passes, per event. No network, no Textual: the
figures the load of a shared machine changes little (bench/wallboard.py measures the real monitor).

    .venv/bin/python -m bench.wallboard_feed [--events N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime

from bench.report import Figure, emit

CHUNK = 65536
"""The most one read of the stream hands over (anyio's receive)."""


def frames(count: int) -> str:
    """`count` agent_state events as SSE text, the backend's way (a whole event in `data:`)."""
    from agent_tui.domain.events import Event, EventKind

    at = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    out = []
    for n in range(1, count + 1):
        data = {"username": f"a{n % 5000:04d}", "display_name": f"Agent {n}", "role": "agent", "team": "t1",
                "extension": "1001", "state": {"state": "on_call", "reason": None, "since": at.isoformat(),
                                               "call_id": f"b{n}", "call_number": "13800001234",
                                               "queue": "95598-repair"}}
        event = Event(id=n, kind=EventKind.AGENT_STATE, at=at, data=data)
        out.append(f"id: {n}\nevent: {event.kind}\ndata: {event.model_dump_json()}\n\n")
    return "".join(out)


def one_pass(text: str, count: int) -> tuple[float, float]:
    """µs per event: parsing, then making the events."""
    from agent_tui.sync.events import event_from_message
    from agent_tui.sync.sse import SseParser

    parser = SseParser()
    started = time.process_time()
    messages = []
    for start in range(0, len(text), CHUNK):
        messages += parser.feed(text[start : start + CHUNK])
    parsed = time.process_time()
    made = sum(event_from_message(message) is not None for message in messages)
    done = time.process_time()
    if len(messages) != count or made != count:
        raise RuntimeError(f"{len(messages)} messages, {made} events from {count} frames")
    return (parsed - started) / count * 1e6, (done - parsed) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="500 events (the smoke test in make test)")
    args = parser.parse_args(argv)
    count = 500 if args.quick else args.events
    text = frames(count)
    passes = [one_pass(text, count) for _ in range(5)]
    parse = statistics.median(p for p, _ in passes)
    make = statistics.median(m for _, m in passes)
    emit("wallboard_feed", [
        Figure("SSE parsing per event (64 KB chunks)", round(parse, 2), "µs"),
        Figure("event made and validated per event", round(make, 2), "µs"),
        Figure("feed before the model per event", round(parse + make, 2), "µs"),
    ], events=count, bytes_per_event=round(len(text) / count, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
