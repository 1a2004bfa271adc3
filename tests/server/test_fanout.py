"""The event fan-out on a real SQLite database: one read per wake-up for every stream, the per-user
rule kept, a slow stream dropped and told to reconnect without holding up the others, and streams that
join while events are being written get each event they may see exactly once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agent_tui.domain.events import EventKind
from agent_tui.domain.session import Role
from agent_tui.server import migrate
from agent_tui.server.broker import Broker, Stored, may_see, record
from agent_tui.server.db import Database
from agent_tui.server.fanout import Fanout, Subscription

pytestmark = pytest.mark.timeout(120)


class CountingBroker(Broker):
    """A real broker that counts its reads of the events table."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.reads = 0

    def read_after(self, after: int, limit: int) -> list[Stored]:
        self.reads += 1
        return super().read_after(after, limit)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    migrate.upgrade(database)
    try:
        yield database
    finally:
        database.dispose()


def write(db: Database, *events: tuple[str | None, Role | None]) -> list[int]:
    """Record events (target, audience) in one transaction; their ids."""
    with db.write() as session:
        return [record(session, EventKind.COMMAND, {"n": i}, target=target, audience=audience).id
                for i, (target, audience) in enumerate(events)]


def ids(text: str) -> list[int]:
    return [int(line.removeprefix("id: ")) for line in text.splitlines() if line.startswith("id: ")]


async def join(fanout: Fanout, sub: Subscription) -> list[int]:
    """Catch `sub` up and let it join; the ids it was sent on the way."""
    return [i async for text in fanout.catch_up(sub) for i in ids(text)]


async def test_one_read_per_wake_up_serves_every_stream_by_the_per_user_rule(db: Database) -> None:
    broker = CountingBroker(db)
    fanout = Fanout(broker, poll_s=60)
    await broker.start()
    await fanout.start()
    try:
        readers = [("agent01", Role.AGENT), ("agent02", Role.AGENT), ("sup01", Role.SUPERVISOR),
                   ("trainer01", Role.TRAINER)] * 10
        subs = [Subscription(user, role, fanout.cursor) for user, role in readers]
        for sub in subs:
            assert await join(fanout, sub) == []
        before = broker.reads
        events = [(None, None), ("agent01", None), (None, Role.SUPERVISOR), ("sup01", Role.SUPERVISOR),
                  (None, Role.TRAINER), ("agent02", Role.SUPERVISOR), (None, None)]
        written = write(db, *events)  # the commit wakes the reader
        got: dict[int, list[int]] = {id(sub): [] for sub in subs}
        async with asyncio.timeout(30):
            for sub in subs:
                while sub.last < written[-1]:
                    await sub.ready.wait()
                    got[id(sub)] += ids(sub.take())
                got[id(sub)] += ids(sub.take())
        # One read (two at most: a poll may fall in between) for forty streams.
        assert 1 <= broker.reads - before <= 2
        for sub in subs:
            want = [i for i, (target, audience) in zip(written, events, strict=True)
                    if may_see(target, audience.value if audience else None, sub.username, sub.role)]
            assert got[id(sub)] == want, (sub.username, sub.role)
        assert ids(subs[0].take()) == []  # taken once
    finally:
        await fanout.stop()
        await broker.stop()


async def test_a_slow_stream_is_told_to_reconnect_and_resumes_without_loss(db: Database) -> None:
    broker = Broker(db)
    fanout = Fanout(broker, poll_s=60, max_pending=3000)
    slow = Subscription("agent01", Role.AGENT, 0)
    fast = Subscription("agent02", Role.AGENT, 0)
    await join(fanout, slow)
    await join(fanout, fast)
    taken: list[int] = []
    first = write(db, (None, None))
    fanout.dispatch(broker.read_after(0, 100))
    slow_got = ids(slow.take())  # it read the first event, then stopped reading
    assert slow_got == first
    for _ in range(30):
        written = write(db, (None, None), ("agent01", None))
        fanout.dispatch(broker.read_after(fanout.cursor, 100))
        taken += ids(fast.take())  # the fast one keeps reading
    assert slow.behind
    assert slow not in fanout.subscribers
    assert slow.pending_chars == 0  # what it could not take was let go, not kept
    assert fast in fanout.subscribers
    assert not fast.behind
    broadcast = [e.id for e in broker.read_after(0, 1000) if e.target is None]
    assert taken == broadcast
    # The client reconnects with the last id it read and gets everything it missed, once.
    again = Subscription("agent01", Role.AGENT, slow_got[-1])
    missed = await join(fanout, again)
    assert missed == [e.id for e in broker.read_after(slow_got[-1], 1000)]
    assert missed[-1] == written[-1]
    assert again in fanout.subscribers


async def test_streams_joining_while_events_are_written_get_each_exactly_once(db: Database) -> None:
    broker = Broker(db)
    fanout = Fanout(broker, poll_s=0.05)
    await broker.start()
    await fanout.start()
    stop = threading.Event()
    written: list[int] = []
    loop = asyncio.get_running_loop()
    progressed = asyncio.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            written.extend(write(db, (None, None), (f"agent{n % 3:02d}", None), (None, Role.SUPERVISOR)))
            loop.call_soon_threadsafe(progressed.set)

    async def until_written(count: int) -> None:
        async with asyncio.timeout(60):
            while len(written) < count:
                progressed.clear()
                await progressed.wait()

    async def stream(sub: Subscription) -> AsyncIterator[int]:
        for i in await join(fanout, sub):
            yield i
        while sub.last < final:
            async with asyncio.timeout(30):
                await sub.ready.wait()
            for i in ids(sub.take()):
                yield i

    thread = threading.Thread(target=writer)
    thread.start()
    final = 10**18
    try:
        subs = []
        for k in range(12):
            await until_written(30 * (k + 1))  # join at different points of the writing
            start = written[len(written) // 2]  # as a client resuming from an id already sent
            user, role = [("agent01", Role.AGENT), ("agent02", Role.AGENT), ("sup01", Role.SUPERVISOR)][k % 3]
            subs.append(Subscription(user, role, start))
        starts = {id(sub): sub.last for sub in subs}
        got: dict[int, list[int]] = {id(sub): [] for sub in subs}

        async def drain(sub: Subscription) -> None:
            async for event_id in stream(sub):
                got[id(sub)].append(event_id)

        tasks = [asyncio.create_task(drain(sub)) for sub in subs]
        await until_written(30 * 14)
        stop.set()
        await asyncio.to_thread(thread.join)
        final = written[-1]
        for sub in subs:  # a stream that already has everything is waiting: let it see the end
            sub.ready.set()
        async with asyncio.timeout(60):
            await asyncio.gather(*tasks)
    finally:
        stop.set()
        thread.join()
        await fanout.stop()
        await broker.stop()
    every = broker.read_after(0, 100_000)
    for sub in subs:
        start = starts[id(sub)]
        want = [e.id for e in every if e.id > start and e.visible_to(sub)]
        assert got[id(sub)] == want, (sub.username, start)


class RacingBroker(Broker):
    """On a stream's first catch-up read, another event commits and the reader hands it out before the
    stream can join: the window the stream must not fall through."""

    def __init__(self, db: Database, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(db)
        self.loop = loop
        self.fanout: Fanout | None = None
        self.raced: list[int] = []

    def read_after(self, after: int, limit: int) -> list[Stored]:
        rows = super().read_after(after, limit)
        if not self.raced and self.fanout is not None:
            self.raced = write(self.db, (None, None))
            newer = super().read_after(rows[-1].id if rows else after, limit)
            self.loop.call_soon_threadsafe(self.fanout.dispatch, newer)  # runs before the read returns
        return rows


async def test_an_event_handed_out_while_a_stream_catches_up_reaches_it(db: Database) -> None:
    broker = RacingBroker(db, asyncio.get_running_loop())
    fanout = Fanout(broker, poll_s=60)
    old = write(db, (None, None), (None, None))
    broker.fanout = fanout
    sub = Subscription("agent01", Role.AGENT, 0)
    got = await join(fanout, sub)
    assert broker.raced
    assert fanout.cursor == broker.raced[-1]
    assert got == old + broker.raced
    assert sub in fanout.subscribers


async def test_the_keep_alive_ticker_wakes_only_streams_quiet_for_keepalive_s(db: Database) -> None:
    broker = Broker(db)
    fanout = Fanout(broker, poll_s=60, keepalive_s=0.2)
    await broker.start()
    await fanout.start()
    try:
        quiet, busy = Subscription("agent01", Role.AGENT, 0), Subscription("agent02", Role.AGENT, 0)
        await join(fanout, quiet)
        await join(fanout, busy)
        async with asyncio.timeout(10):
            while not quiet.ready.is_set():
                busy.sent_at = time.monotonic()  # this one keeps writing
                await asyncio.sleep(0.02)
        assert not busy.ready.is_set()
        assert quiet.take() == ""  # a wake-up with nothing to send: the stream writes its keep-alive
    finally:
        await fanout.stop()
        await broker.stop()
