"""Structural guards for the cost of a ring cycle (no timing): what a ring, a pop and a cancel rebuild.
bench/screen_pop.py measures; docs/performance.md says why each guard is here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.widgets._footer import FooterKey

from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import CallEnded, IncomingCall
from agent_tui.ui.desk.desk_footer import DeskFooter
from tests.ui.helpers import make_app, popped, screen_text, wait_until


async def test_a_ring_cycle_relabels_f2_in_place_without_composing_the_footer_again() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.desk.model.status.state is AgentStateName.READY, what="Ready")
        footer = app.desk.query_one(DeskFooter)

        def f2() -> FooterKey:
            return next(key for key in footer.query(FooterKey) if key.key == "f2")

        await wait_until(pilot, lambda: str(f2().description) == "Not Ready", what="F2 = Not Ready")
        keys = list(footer.query(FooterKey))
        composed = 0
        recompose = footer.recompose

        async def counting() -> None:
            nonlocal composed
            composed += 1
            await recompose()

        footer.recompose = counting  # type: ignore[method-assign]
        layouts = 0
        refresh_layout = app.desk._refresh_layout

        def counting_layouts(*args: Any, **kwargs: Any) -> None:
            nonlocal layouts
            layouts += 1
            refresh_layout(*args, **kwargs)

        app.desk._refresh_layout = counting_layouts  # type: ignore[method-assign]
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="card painted")
        phone.emit(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
        # A missed call leaves the agent Not Ready (desk.missed_call_not_ready): F2 now says Ready.
        await wait_until(pilot, lambda: app.desk.model.status.state is AgentStateName.NOT_READY,
                         what="Not Ready after the missed call")
        await wait_until(pilot, lambda: str(f2().description) == "Ready", what="F2 = Ready")
        await pilot.pause()
        assert composed == 0
        assert layouts == 0  # "Ready" is shorter than "Not Ready": its key keeps its width
        assert list(footer.query(FooterKey)) == keys  # the same widgets, nothing mounted anew
        assert "f2 Ready" in screen_text(app).splitlines()[-1]


async def test_the_footer_is_composed_again_when_a_relabel_leaves_a_key_no_room() -> None:
    # 69 columns: "f2 Ready" leaves room for every key, "f2 Not Ready" does not for the last one.
    app, _, _, _ = make_app()
    async with app.run_test(size=(69, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        footer = app.desk.query_one(DeskFooter)
        await wait_until(pilot, lambda: "app.help" in footer.keys_shown, what="every key shown")
        await pilot.press("f2")
        await wait_until(pilot, lambda: "app.help" not in footer.keys_shown, what="Help left out")
        await wait_until(pilot, lambda: len(footer.query(FooterKey)) == len(footer.keys_shown),
                         what="the footer's keys mounted")
        assert "f2 Not Ready" in screen_text(app).splitlines()[-1]
        assert "f1 Help" not in screen_text(app).splitlines()[-1]


async def test_f2_is_relabelled_in_the_handler_that_changed_the_state_so_one_frame_shows_both() -> None:
    # Textual's footer hears binding changes on its own queue, after the state cell was drawn: F2 then
    # cost a frame of its own twice a ring cycle. The desk's footer relabels F2 at once.
    app, _, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        footer = app.desk.query_one(DeskFooter)

        def f2() -> str:
            return str(next(key for key in footer.query(FooterKey) if key.key == "f2").description)

        def state() -> AgentStateName:
            return app.desk.model.status.state

        await wait_until(pilot, lambda: f2() == "Ready", what="F2 = Ready while Not Ready")
        # No await below until the asserts: what the next frame holds is decided here.
        ring = IncomingCall(call_id="c1", number="13800138000", display="", headers={},
                            remote_uri="sip:13800138000@127.0.0.1", at=datetime.now(UTC))
        app.desk.handle_phone_event(ring)
        app.desk.paint_view()
        assert state() is AgentStateName.RINGING
        assert f2() == "Not Ready"
        app.desk.handle_phone_event(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
        app.desk.paint_view()
        assert state() is AgentStateName.NOT_READY
        assert f2() == "Ready"
        await pilot.pause()
        assert "f2 Ready" in screen_text(app).splitlines()[-1]
