"""The screen pop's lookup is a plain task of the desk (lookup_tasks.py), not a Textual worker: no
worker bookkeeping and no state messages through the desk screen's queue on a ring (issue 11)."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message import Message
from textual.worker import Worker

from agent_tui.phone.events import CallEnded
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, popped, wait_until


async def test_a_ring_cycle_posts_no_worker_message_to_the_desk_and_the_card_still_pops() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.pause()
        posted: list[type[Message]] = []
        post = app.desk.post_message

        def counting(message: Message) -> bool:
            posted.append(type(message))
            return post(message)

        app.desk.post_message = counting  # type: ignore[method-assign]
        workers_before = len(app.workers)
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="card painted")
        assert "Account" in app.desk.query_one("CustomerCard").shown  # type: ignore[attr-defined]
        phone.emit(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
        await wait_until(pilot, lambda: app.desk.ringing is None, what="the ring over")
        await pilot.pause()
        assert Worker.StateChanged not in posted
        assert len(app.workers) == workers_before
        assert len(app.desk.lookups) == 0  # ended, and let go


async def test_a_lookup_still_running_when_the_desk_ends_is_cancelled() -> None:
    backend = FakeBackend({"13800138000": [full_match(customer())]})
    app, phone, _, _ = make_app(backend)
    tasks: list[Any] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        backend.delay = 30.0  # from now on the backend does not answer within the test
        start = app.desk.lookups.start

        def keeping(work: Any, name: str) -> Any:
            task = start(work, name)
            tasks.append(task)
            return task

        app.desk.lookups.start = keeping  # type: ignore[method-assign]
        phone.ring()
        await wait_until(pilot, lambda: len(app.desk.lookups) == 1, what="the lookup running")
    assert len(tasks) == 1
    # Cancelled when the desk ended; let it finish going (a deadline, not a sleep).
    await asyncio.wait_for(asyncio.gather(tasks[0], return_exceptions=True), 5)
    assert tasks[0].cancelled()
